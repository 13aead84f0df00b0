// The bytes each uploader holds on this gateway's disk, against gateway.uploadQuota: the bytes of
// the uploads it has open, and of the blobs it committed that no recorded manifest references
// yet (kept until the cleanup, a day later). Without a bound, one account (or one anonymous
// client) could hold 128 open uploads of 16 GiB each, plus any number of committed blobs, and
// fill the disk.
//
// Each holding (an upload, or an unreferenced blob) is kept in memory with its uploader and its
// bytes, and each uploader's sums with it, so a chunk is checked against two numbers, not a scan
// of every record. A chunk's bytes are checked and added in one synchronous step, before they
// are written: requests of one uploader arriving at once see each other's bytes and cannot
// overshoot together. The holdings are counted again from the data dir when the gateway starts
// (upload-quota-recount.ts), and every change waits for that count, so a restart does not
// forget what is on disk. The count is this process's: gateway processes sharing a data dir
// each count what passes through them (and what was on disk when they started).
import { OciError } from '../errors/oci-error';

/** 64 GiB: four blobs of the largest size one upload may carry (16 GiB), or many ordinary images in progress. */
export const DEFAULT_UPLOAD_QUOTA_BYTES = 64 * 1024 ** 3;

/** What an uploader holds: in open uploads, and in committed blobs no recorded manifest references. */
export interface HeldBytes {
  readonly uploadBytes: number;
  readonly openUploads: number;
  readonly blobBytes: number;
}

/** One holding as counted from the data dir. */
export interface Holding {
  readonly kind: 'upload' | 'blob';
  /** The upload's id, or the blob's digest. */
  readonly key: string;
  readonly uploader: string;
  readonly bytes: number;
}

interface Held {
  readonly kind: 'upload' | 'blob';
  readonly uploader: string;
  bytes: number;
}

const EMPTY: HeldBytes = { uploadBytes: 0, openUploads: 0, blobBytes: 0 };

export class UploadQuota {
  /** The most bytes one uploader may hold; 0: no bound (the bytes are still counted). */
  readonly bytes: number;
  readonly #recount: () => Promise<readonly Holding[]>;
  #ready?: Promise<void>;
  /** `upload <id>` / `blob <digest>` → its holding. */
  readonly #holdings = new Map<string, Held>();
  readonly #byUploader = new Map<string, { uploadBytes: number; openUploads: number; blobBytes: number }>();

  constructor(bytes: number, recount: () => Promise<readonly Holding[]> = async () => []) {
    this.bytes = bytes;
    this.#recount = recount;
  }

  /** Resolves once the holdings on disk are counted; every change waits for it. */
  ready(): Promise<void> {
    this.#ready ??= this.#recount().then(
      (holdings) => {
        for (const holding of holdings) this.#hold(holding.kind, holding.key, holding.uploader, holding.bytes);
      },
      (error: unknown) => {
        // Asked again by the next change: a data dir that could not be read now may be later.
        this.#ready = undefined;
        throw error;
      },
    );
    return this.#ready;
  }

  held(uploader: string): HeldBytes {
    return { ...(this.#byUploader.get(uploader) ?? EMPTY) };
  }

  /** Starts counting upload `id` for `uploader`, with no bytes yet. */
  openUpload(id: string, uploader: string): void {
    this.#hold('upload', id, uploader, 0);
  }

  /**
   * Adds `bytes` to upload `id`, or throws DENIED when its uploader would then hold more than the
   * quota (nothing added). An upload not counted here (an artifact door's, or one another gateway
   * process started) is not bound.
   */
  addToUpload(id: string, bytes: number, offset: number): void {
    const holding = this.#holdings.get(`upload ${id}`);
    if (!holding || bytes <= 0) return;
    const sums = this.#byUploader.get(holding.uploader)!;
    if (this.bytes > 0 && sums.uploadBytes + sums.blobBytes + bytes > this.bytes) throw quotaExceeded(this.bytes, holding.uploader, { ...sums }, bytes, offset);
    holding.bytes += bytes;
    sums.uploadBytes += bytes;
  }

  /** Takes back bytes added to upload `id` that were not kept (a chunk undone). */
  takeFromUpload(id: string, bytes: number): void {
    const holding = this.#holdings.get(`upload ${id}`);
    if (!holding || bytes <= 0) return;
    const taken = Math.min(bytes, holding.bytes);
    holding.bytes -= taken;
    this.#byUploader.get(holding.uploader)!.uploadBytes -= taken;
  }

  /** The upload was cancelled, expired or dropped: its bytes stop counting. */
  closeUpload(id: string): void {
    this.#release(`upload ${id}`);
  }

  /** The uploader of upload `id`, while it is counted. */
  uploaderOf(id: string): string | undefined {
    return this.#holdings.get(`upload ${id}`)?.uploader;
  }

  /** Upload `id` was committed as blob `digest`, which its uploader now holds: its bytes go on counting, as the blob's. */
  uploadBecameBlob(id: string, digest: string, size: number): void {
    const holding = this.#holdings.get(`upload ${id}`);
    if (!holding) return;
    this.#release(`upload ${id}`);
    this.#hold('blob', digest, holding.uploader, size);
  }

  /**
   * Moves unreferenced blob `digest` onto `uploader`, who mounted it and so starts its time before
   * the cleanup again: whoever keeps a blob alive pays for it, not the uploader it came from. False
   * (nothing moved) when `uploader` would then hold more than the quota, unless `bounded` is false
   * (a move undone). A blob not counted here (referenced, or counted by another gateway process)
   * moves nothing and is true.
   */
  takeOverBlob(digest: string, uploader: string, bounded = true): boolean {
    const holding = this.#holdings.get(`blob ${digest}`);
    if (!holding || holding.uploader === uploader) return true;
    const sums = this.#byUploader.get(uploader) ?? EMPTY;
    if (bounded && this.bytes > 0 && sums.uploadBytes + sums.blobBytes + holding.bytes > this.bytes) return false;
    this.#hold('blob', digest, uploader, holding.bytes);
    return true;
  }

  /** A recorded manifest references blob `digest`, or it was removed: its bytes stop counting. */
  releaseBlob(digest: string): void {
    this.#release(`blob ${digest}`);
  }

  #hold(kind: 'upload' | 'blob', key: string, uploader: string, bytes: number): void {
    this.#release(`${kind} ${key}`);
    this.#holdings.set(`${kind} ${key}`, { kind, uploader, bytes });
    let sums = this.#byUploader.get(uploader);
    if (!sums) this.#byUploader.set(uploader, (sums = { uploadBytes: 0, openUploads: 0, blobBytes: 0 }));
    if (kind === 'upload') {
      sums.uploadBytes += bytes;
      sums.openUploads++;
    } else sums.blobBytes += bytes;
  }

  #release(key: string): void {
    const holding = this.#holdings.get(key);
    if (!holding) return;
    this.#holdings.delete(key);
    const sums = this.#byUploader.get(holding.uploader)!;
    if (holding.kind === 'upload') {
      sums.uploadBytes -= holding.bytes;
      sums.openUploads--;
    } else sums.blobBytes -= holding.bytes;
    if (sums.openUploads === 0 && sums.uploadBytes === 0 && sums.blobBytes === 0) this.#byUploader.delete(holding.uploader);
  }
}

/** Bytes as people read them: 1.5 GiB, 300 MiB, 12 bytes. */
function readable(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes;
  let unit = 'bytes';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/**
 * 403 DENIED: docker and podman print a DENIED error's message as it is ("denied: …") and do not
 * retry it, where they would send a refused SIZE_INVALID chunk again; sending it again cannot help
 * until the uploader holds less. The connection is closed, as the chunk's body is not read.
 */
function quotaExceeded(quota: number, uploader: string, held: HeldBytes, chunk: number, offset: number): OciError {
  const holds = held.uploadBytes + held.blobBytes;
  const who = uploader.startsWith('anonymous ') ? `the anonymous client ${uploader.slice('anonymous '.length)}` : uploader;
  return new OciError(
    'DENIED',
    `${who} holds ${readable(holds)} on this gateway (${readable(held.uploadBytes)} in ${held.openUploads} open upload${held.openUploads === 1 ? '' : 's'}, ${readable(held.blobBytes)} in pushed blobs no recorded manifest references yet); ` +
      `${readable(chunk)} more would pass its upload quota of ${readable(quota)} (gateway.uploadQuota), so the chunk was refused and the upload keeps its first ${offset} bytes. ` +
      'Finish or cancel (DELETE) the uploads left open, push the manifests that reference the pushed blobs, or ask the gateway\'s operator to raise gateway.uploadQuota',
    { headers: { Connection: 'close' }, detail: { quota, held: holds, inOpenUploads: held.uploadBytes, inUnreferencedBlobs: held.blobBytes, chunk, offset } },
  );
}
