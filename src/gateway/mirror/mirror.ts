// A live mirror of spaces: every manifest and blob their tags reference, kept pinned in this
// gateway's store, fetched (from the shared IPFS node or from peers) as soon as the chain
// finalizes the push that records it, with no pull needed. Tags resolve as pulls do (the name
// owner's records) and every byte is verified against its digest on the way in. The status says
// what is mirrored, what is missing and why, and since when.
import type { ApiPromise } from '@polkadot/api';
import type { MirrorCounts } from '../../observability/gateway-metrics';
import type { GatewayContext } from '../context';
import { parseName, type RepositoryName } from '../oci/reference';

export interface MirroredTag {
  readonly repository: string;
  readonly tag: string;
  readonly digest?: string;
  readonly state: 'mirrored' | 'missing';
  /** When it reached that state (ISO time). */
  readonly since: string;
  /** Why it is missing. */
  readonly error?: string;
}

export interface MirrorStatus {
  readonly spaces: readonly string[];
  readonly startedAt: string;
  /** The finalized block the last complete pass looked at. */
  readonly lastPass?: { readonly at: string; readonly block: number };
  readonly mirrored: number;
  readonly missing: number;
  readonly tags: readonly MirroredTag[];
}

/** Passes start at most this often, however fast blocks come. */
const MIN_PASS_INTERVAL_MS = 1_000;
/** While something is missing, a pass runs this often even without a new block. */
const RETRY_MISSING_MS = 5_000;

export class Mirror {
  readonly #ctx: GatewayContext;
  readonly #api: ApiPromise;
  readonly #spaces: readonly string[];
  readonly #startedAt = new Date().toISOString();
  readonly #tags = new Map<string, MirroredTag>();
  /** Digests whose whole tree is pinned here already: later passes skip them. */
  readonly #done = new Set<string>();
  #lastPass?: { at: string; block: number };
  #running?: Promise<void>;
  #again = false;
  #unsubscribe?: () => void;
  #retry?: NodeJS.Timeout;
  #block = 0;
  #stopped = false;

  constructor(ctx: GatewayContext, api: ApiPromise, spaces: readonly string[]) {
    this.#ctx = ctx;
    this.#api = api;
    this.#spaces = spaces;
  }

  /** A first pass now, and one after every newly finalized block. */
  async start(): Promise<void> {
    this.#unsubscribe = (await this.#api.rpc.chain.subscribeFinalizedHeads((header) => this.#schedule(header.number.toNumber()))) as unknown as () => void;
    // What could not be fetched (a peer down, content still propagating) is tried again.
    this.#retry = setInterval(() => {
      if ([...this.#tags.values()].some((tag) => tag.state === 'missing')) this.#schedule(this.#block);
    }, RETRY_MISSING_MS);
    this.#retry.unref();
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    clearInterval(this.#retry);
  }

  /** The status in numbers, for the gateway's metrics. */
  counts(): MirrorCounts {
    let mirrored = 0;
    let missing = 0;
    let oldestMissingSince: number | undefined;
    for (const tag of this.#tags.values()) {
      if (tag.state === 'mirrored') {
        mirrored++;
        continue;
      }
      missing++;
      const since = Date.parse(tag.since);
      if (oldestMissingSince === undefined || since < oldestMissingSince) oldestMissingSince = since;
    }
    return { mirrored, missing, oldestMissingSince, lastPassBlock: this.#lastPass?.block };
  }

  status(): MirrorStatus {
    const tags = [...this.#tags.values()].sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
    return {
      spaces: this.#spaces,
      startedAt: this.#startedAt,
      lastPass: this.#lastPass,
      mirrored: tags.filter((t) => t.state === 'mirrored').length,
      missing: tags.filter((t) => t.state === 'missing').length,
      tags,
    };
  }

  /** Resolves once a pass that started after this call has finished. */
  async settled(): Promise<void> {
    await this.#running;
  }

  #schedule(block: number): void {
    if (this.#stopped) return;
    this.#block = Math.max(this.#block, block);
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        const started = Date.now();
        await this.#pass(this.#block).catch((error: Error) => this.#ctx.log(`mirror: the pass at block #${block} failed (${error.message}); the next block tries again`));
        const wait = MIN_PASS_INTERVAL_MS - (Date.now() - started);
        block = this.#block;
        if (this.#again && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#running = undefined));
  }

  async #pass(block: number): Promise<void> {
    for (const space of this.#spaces) {
      for (const name of await this.#imagesOf(space)) {
        for (const tag of await this.#tagsOf(name)) await this.#mirrorTag(name, tag);
      }
    }
    this.#lastPass = { at: new Date().toISOString(), block };
  }

  async #mirrorTag(name: RepositoryName, tag: string): Promise<void> {
    const key = `${name.full}:${tag}`;
    const before = this.#tags.get(key);
    // The digest the tag names now: when mirroring it fails, the status names it as missing, not
    // the one mirrored before the tag moved.
    let digest: string | undefined;
    try {
      digest = await this.#ctx.resolver.tagDigest(name, tag);
      if (!digest) return;
      if (!this.#done.has(digest)) {
        await this.#mirrorManifest(name, digest);
        this.#done.add(digest);
        this.#ctx.log(`mirror: ${key} (${digest}) is pinned here`);
      }
      if (before?.state !== 'mirrored' || before.digest !== digest) this.#tags.set(key, { repository: name.full, tag, digest, state: 'mirrored', since: new Date().toISOString() });
    } catch (error) {
      const message = (error as Error).message;
      const missing = digest ?? before?.digest;
      if (before?.state !== 'missing' || before.error !== message || before.digest !== missing) {
        this.#tags.set(key, { repository: name.full, tag, digest: missing, state: 'missing', since: before?.state === 'missing' ? before.since : new Date().toISOString(), error: message });
      }
    }
  }

  /** A manifest, its children and every blob they reference, verified and pinned here. */
  async #mirrorManifest(name: RepositoryName, digest: string, visited = new Set<string>([digest])): Promise<void> {
    const manifest = await this.#ctx.content.manifest(name, digest);
    await this.#pin(manifest.cid);
    this.#ctx.contents.vouchManifest(name, digest, manifest.parsed);
    for (const blob of manifest.parsed.blobs) {
      if (this.#done.has(blob.digest)) continue;
      // Read whole and hashed against the digest (from peers when this store lacks it), then pinned.
      const found = await this.#ctx.content.blob(name, blob.digest, { skipCache: true });
      await this.#pin(found.cid!);
      this.#done.add(blob.digest);
    }
    // Each child once per tag: an index may list another more than once, and a chain of such
    // indexes would otherwise cost 2^depth visits in a pass that other tags wait behind.
    for (const child of manifest.parsed.children) {
      if (visited.has(child.digest)) continue;
      visited.add(child.digest);
      await this.#mirrorManifest(name, child.digest, visited);
    }
  }

  async #pin(cid: string): Promise<void> {
    if (!(await this.#ctx.store.isPinned(cid))) await this.#ctx.store.pin(cid);
  }

  async #imagesOf(space: string): Promise<RepositoryName[]> {
    const index = this.#ctx.resolver.index;
    const listed = index ? await index.repositories().catch(() => undefined) : undefined;
    const names = listed?.filter((full) => full.startsWith(`${space}/`))
      ?? (await this.#ctx.chain.claim(space))?.owner.imageNames.flatMap((image) => (image.text ? [`${space}/${image.text}`] : []))
      ?? [];
    return names.map(parseName);
  }

  async #tagsOf(name: RepositoryName): Promise<string[]> {
    const owner = await this.#ctx.resolver.owner(name.repo);
    const index = this.#ctx.resolver.index;
    const listed = index ? await index.tags(name, owner.claim ? owner.spaceId : undefined).catch(() => undefined) : undefined;
    if (listed) return listed;
    if (owner.claim?.contested) return [];
    return (await this.#ctx.chain.tags(name)).map((record) => record.tag);
  }
}
