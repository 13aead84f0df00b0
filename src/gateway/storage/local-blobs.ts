// Blobs and manifests committed through this gateway: digest → CID and size, with when they were
// committed, whether a recorded manifest references them, and the repositories they were pushed
// (or mounted) to: a blob is served in a repository it was uploaded to even before a manifest
// there references it (RepositoryContents). A manifest may reference them before they are on
// chain; blobs no manifest references are removed after a configurable time. Until a recorded
// manifest references it, a blob counts against the upload quota of whoever first uploaded it
// here (`heldBy`, upload-quota.ts).
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { boundedMap } from '../bounded-map';
import { isSha256Digest } from '../oci/reference';
import { DigestHolds } from './digest-holds';
import type { UploadQuota } from './upload-quota';

export interface LocalBlob {
  readonly digest: string;
  readonly cid: string;
  readonly size: number;
  readonly committedAt: number;
  /** When a manifest referencing it was recorded on chain. */
  readonly referencedAt?: number;
  /** `manifest` for manifests pushed here; a blob otherwise (records older than the field are blobs). */
  readonly kind?: 'manifest' | 'blob';
  /** `<space>/<image>` names it was uploaded, mounted or pushed to here. */
  readonly repositories?: string[];
  /** The uploader whose upload quota the blob counts against until a recorded manifest references it. */
  readonly heldBy?: string;
}

/** Which manifests were pushed to which repository, as the records said at `at`. */
interface ManifestView {
  readonly at: number;
  readonly read: Promise<ManifestViewContents>;
}

interface ManifestViewContents {
  readonly byRepository: Map<string, Set<string>>;
  /** The records folder's modification time when they were read, unless it had just changed then. */
  readonly folderTime?: number;
}

/** What a caller records of content; the record's own fields are kept by merging. */
type CommittedBlob = Omit<LocalBlob, 'repositories' | 'referencedAt' | 'heldBy'>;

/**
 * How long the view of which manifests were pushed to which repository may lag behind records
 * another gateway process sharing the data dir wrote (this one's own are in it at once).
 */
const MANIFEST_VIEW_MS = 10_000;
/**
 * A folder changed this recently when the view was read may have changed again within the same
 * tick of the filesystem's clock without its time moving: such a view is read again next time.
 */
const SETTLED_FOLDER_MS = 1_000;

export class LocalBlobs {
  /** Digests this process is bringing into use, which the cleanup sweep leaves alone (digest-holds.ts). */
  readonly holds = new DigestHolds();
  readonly #dir: string;
  readonly #updating = new Map<string, Promise<void>>();
  /**
   * Manifest digests by repository, read from every record at most every MANIFEST_VIEW_MS, and
   * then only when the folder changed since (`folderTime`, its modification time when the view
   * was read, unless it had just changed): every write creates and renames a file in it.
   */
  #manifestView?: ManifestView;

  readonly #viewMs: number;
  readonly #quota?: UploadQuota;

  /** `quota`, when given, is told which blobs uploaders hold and when they stop holding them. */
  constructor(dir: string, options: { manifestViewMs?: number; quota?: UploadQuota } = {}) {
    this.#dir = dir;
    this.#viewMs = options.manifestViewMs ?? MANIFEST_VIEW_MS;
    this.#quota = options.quota;
  }

  // Callers pass sha256:<64 hex> (put refuses anything else), so the file name is safe.
  #file(digest: string): string {
    if (!isSha256Digest(digest)) throw new Error(`${JSON.stringify(digest.slice(0, 80))} is no sha256 digest`);
    return join(this.#dir, `${digest.replace(':', '-')}.json`);
  }

  async get(digest: string): Promise<LocalBlob | undefined> {
    // A digest read from a chain record is anyone's text (a tag may name "../../x"): no file.
    if (!isSha256Digest(digest)) return undefined;
    try {
      return JSON.parse(await readFile(this.#file(digest), 'utf8')) as LocalBlob;
    } catch {
      return undefined;
    }
  }

  async put(blob: LocalBlob): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const file = this.#file(blob.digest);
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(blob));
    await rename(temporary, file);
    const view = this.#manifestView;
    if (view && blob.kind === 'manifest') void view.read.then(({ byRepository }) => addManifest(byRepository, blob), () => undefined);
  }

  /**
   * The manifests pushed (or mounted) to `repository` here. Every repository a request names is
   * looked up, however many records there are: reading them all for each would let requests for
   * made-up names cost a read of every record each.
   */
  async manifestsOf(repository: string): Promise<string[]> {
    let view = this.#manifestView;
    if (!view || Date.now() - view.at >= this.#viewMs) {
      // Set before anything is awaited: requests arriving together share one view.
      const next: ManifestView = { at: Date.now(), read: this.#readManifestView(view) };
      view = next;
      this.#manifestView = next;
      next.read.catch(() => {
        if (this.#manifestView === next) this.#manifestView = undefined;
      });
    }
    return [...((await view.read).byRepository.get(repository) ?? [])];
  }

  /** The previous view's manifests when the folder did not change since it was read, else every record's, read again. */
  async #readManifestView(previous: ManifestView | undefined): Promise<ManifestViewContents> {
    const folderTime = await stat(this.#dir).then(
      (info) => info.mtimeMs,
      () => undefined,
    );
    const settled = folderTime !== undefined && Date.now() - folderTime > SETTLED_FOLDER_MS ? folderTime : undefined;
    const earlier = await previous?.read.catch(() => undefined);
    if (earlier?.folderTime !== undefined && earlier.folderTime === folderTime) return { byRepository: earlier.byRepository, folderTime: settled };
    const byRepository = new Map<string, Set<string>>();
    for (const blob of await this.list()) if (blob.kind === 'manifest') addManifest(byRepository, blob);
    return { byRepository, folderTime: settled };
  }

  /**
   * Records that the content was pushed or mounted to `repository`, merging with what the record
   * says. `fromUpload` names the upload session the bytes were committed from: its uploader then
   * holds the blob (the upload's bytes go on counting as the blob's) unless a recorded manifest
   * already references it or another uploader held it first; otherwise the upload stops counting.
   */
  commit(blob: CommittedBlob, repository: string, fromUpload?: string): Promise<void> {
    if (fromUpload === undefined || !this.#quota) return this.#merge(blob, [repository]);
    const quota = this.#quota;
    const uploader = quota.uploaderOf(fromUpload);
    let holds = false;
    return this.#update(
      blob.digest,
      (known) => {
        const merged = mergeRecord(known, blob, [repository]);
        holds = uploader !== undefined && merged.referencedAt === undefined && merged.heldBy === undefined;
        return holds ? { ...merged, heldBy: uploader } : merged;
      },
      () => (holds ? quota.uploadBecameBlob(fromUpload, blob.digest, blob.size) : quota.closeUpload(fromUpload)),
    );
  }

  /**
   * Records content held here for no repository in particular (imported with no chain to confirm
   * its tags): its CID and size, merged with what the record says, its repositories unchanged.
   */
  keep(blob: CommittedBlob): Promise<void> {
    return this.#merge(blob, []);
  }

  /** The record of `blob` merged with what is known of it: a manifest stays one, and `repositories` join its own. */
  #merge(blob: CommittedBlob, repositories: readonly string[]): Promise<void> {
    return this.#update(blob.digest, (known) => mergeRecord(known, blob, repositories));
  }

  /**
   * Records that content stored elsewhere was mounted into `repository`: added to the record of
   * it if there is one, else recorded as referenced (a manifest of the repository it came from
   * uses it), so the cleanup never unpins bytes this gateway did not store. A mount is a fresh
   * use: an unreferenced blob's time before the cleanup starts again, as an upload's would. That
   * time is charged to `mounter`: a blob another uploader holds moves onto the mounter's upload
   * quota (else anyone who may pull it could keep it, and its charge to its uploader, from ever
   * expiring). False, with nothing recorded, when the mounter's quota cannot take it.
   */
  async mounted(blob: Pick<LocalBlob, 'digest' | 'cid' | 'size'>, repository: string, mounter?: string, at = Date.now()): Promise<boolean> {
    const quota = this.#quota;
    let taken = true;
    let movedFrom: string | undefined;
    await this.#update(blob.digest, (known) => {
      const repositories = [...new Set([...(known?.repositories ?? []), repository])];
      if (!known) return { ...blob, committedAt: at, referencedAt: at, repositories };
      const heldByAnother = quota && mounter !== undefined && known.referencedAt === undefined && known.heldBy !== undefined && known.heldBy !== mounter;
      if (!heldByAnother) return { ...known, committedAt: at, repositories };
      // Checked and moved in one synchronous step, as a chunk's bytes are (upload-quota.ts).
      taken = quota.takeOverBlob(blob.digest, mounter);
      if (!taken) return undefined;
      movedFrom = known.heldBy;
      return { ...known, committedAt: at, repositories, heldBy: mounter };
    }).catch((error: unknown) => {
      // The record kept its holder: so does the count.
      if (movedFrom !== undefined) quota?.takeOverBlob(blob.digest, movedFrom, false);
      throw error;
    });
    return taken;
  }

  /** A recorded manifest references these: kept past the cleanup, and no longer counted against anyone's upload quota. */
  async markReferenced(digests: Iterable<string>, at = Date.now()): Promise<void> {
    // A few at a time: a manifest's layers each cost a read and a write of a small file.
    await boundedMap([...new Set(digests)], 8, (digest) =>
      this.#update(
        digest,
        (blob) => (blob && !blob.referencedAt ? { ...blob, referencedAt: at, heldBy: undefined } : undefined),
        () => this.#quota?.releaseBlob(digest),
      ),
    );
  }

  /**
   * One read-modify-write at a time per digest: two repositories committing the same layer at
   * once must both stay in the record. `change` returns the new record, or undefined to keep it;
   * `then` runs once the record is written, before the next change to it (the quota follows the
   * records in the order they change). Waits for the quota's count of the disk, which must not
   * see a record half-way through a change.
   */
  #update(digest: string, change: (known: LocalBlob | undefined) => LocalBlob | undefined, then?: () => void): Promise<void> {
    const previous = this.#updating.get(digest) ?? Promise.resolve();
    const update = previous.then(async () => {
      await this.#quotaCounted();
      const next = change(await this.get(digest));
      if (next) await this.put(next);
      then?.();
    });
    const settled = update.catch(() => undefined);
    this.#updating.set(digest, settled);
    void settled.then(() => {
      if (this.#updating.get(digest) === settled) this.#updating.delete(digest);
    });
    return update;
  }

  /** Waits for the quota's count of the disk; a record is written even when that count failed (it is tried again later). */
  async #quotaCounted(): Promise<void> {
    await this.#quota?.ready().catch(() => undefined);
  }

  async remove(digest: string): Promise<void> {
    await this.#quotaCounted();
    await rm(this.#file(digest), { force: true });
    this.#quota?.releaseBlob(digest);
  }

  async list(): Promise<LocalBlob[]> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return [];
    }
    const blobs = await Promise.all(names.filter((n) => n.endsWith('.json')).map((n) => this.get(n.slice(0, -5).replace('-', ':'))));
    return blobs.filter((b): b is LocalBlob => b !== undefined);
  }
}

/** The record of `blob` merged with what is known of it: a manifest stays one, `repositories` join its own, and who holds it stays. */
function mergeRecord(known: LocalBlob | undefined, blob: CommittedBlob, repositories: readonly string[]): LocalBlob {
  return {
    ...blob,
    kind: blob.kind === 'manifest' || known?.kind === 'manifest' ? 'manifest' : 'blob',
    referencedAt: known?.referencedAt,
    repositories: [...new Set([...(known?.repositories ?? []), ...repositories])],
    heldBy: known?.heldBy,
  };
}

function addManifest(byRepository: Map<string, Set<string>>, blob: LocalBlob): void {
  for (const repository of blob.repositories ?? []) {
    let digests = byRepository.get(repository);
    if (!digests) byRepository.set(repository, (digests = new Set()));
    digests.add(blob.digest);
  }
}
