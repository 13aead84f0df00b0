// The BlobStore on a Kubo node (or anything speaking its RPC API: IPFS Cluster's proxy, the
// embedded store's server) through kubo-rpc-client.
import type { Readable } from 'node:stream';
import type { KuboRPCClient } from 'kubo-rpc-client';
import type { CID } from 'multiformats/cid';
import type { BlobStat, BlobStore, ByteSource, DagBlock, GetOptions, PutOptions, PutResult } from '../blob-store';
import { dagBlocks } from '../dag-blocks';
import { cidText, KUBO_IMPORT, parseBlobCid } from '../cid';
import { BlobNotFoundError, BlobStoreUnavailableError, InvalidCidError } from '../errors';
import { carModule, ipfsModules, kuboRpcClient, type IpfsModules } from '../esm';
import { type ByteRange, clampRange, CountingSource, emptyReadable } from '../streams';
import { kuboAdd } from './kubo-add';
import { cidField, clientParseError, optionalBooleanField, sizeField, stringField, wrongField } from './kubo-answer';
import { kuboCat } from './kubo-cat';
import { kuboError, unreachable } from './kubo-errors';
import { scrub } from '../../observability/redact';
import { splitUrlLogin } from '../../config/url-login';

export interface KuboBlobStoreOptions {
  /** Kubo's RPC address, e.g. `http://127.0.0.1:5001` (IPFS_API). */
  readonly url: string;
  /**
   * How long Kubo may look for content it does not hold (on the IPFS network) before the blob
   * counts as not found. Default 30 s. Streaming itself has no time limit.
   */
  readonly lookupTimeoutMs?: number;
  /** Never fetch from the network: only what the node holds counts (default false). */
  readonly offline?: boolean;
}

const PING_TIMEOUT_MS = 5_000;

export class KuboBlobStore implements BlobStore {
  readonly location: string;
  readonly #m: IpfsModules;
  readonly #client: KuboRPCClient;
  readonly #apiBase: string;
  readonly #lookupTimeoutMs: number;
  readonly #offline: boolean;
  readonly #options: KuboBlobStoreOptions;
  /** Shared with the store's local-only view: closing one closes both. */
  readonly #state: { closed: boolean };

  private constructor(options: KuboBlobStoreOptions, m: IpfsModules, client: KuboRPCClient, apiBase: string, state = { closed: false }) {
    // Named in messages and health answers: never with the password in it.
    this.location = scrub(options.url);
    this.#options = options;
    this.#apiBase = apiBase;
    this.#m = m;
    this.#client = client;
    this.#lookupTimeoutMs = options.lookupTimeoutMs ?? 30_000;
    this.#offline = options.offline ?? false;
    this.#state = state;
  }

  /** Does not contact the node: a gateway may start before its IPFS node is up. */
  static async open(options: KuboBlobStoreOptions): Promise<KuboBlobStore> {
    const [m, { create }] = await Promise.all([ipfsModules(), kuboRpcClient()]);
    const apiBase = rpcBase(options.url);
    // An API behind a proxy that asks for a login (`http://user:pass@host:5001`): node:http sends
    // a URL's credentials as Basic auth itself, but fetch (kubo-rpc-client) refuses such a URL, so
    // they go to it as a header on a URL without them.
    const login = splitUrlLogin(apiBase);
    return new KuboBlobStore(options, m, create({ url: login.url.replace(/\/+$/, ''), headers: { ...login.headers } }), apiBase);
  }

  /**
   * The same node and client with every call offline: what the node does not hold is not found
   * at once, never looked for on the IPFS network. For what must answer from the local store only
   * (the trustless gateway: online, anything someone records would be fetched and served).
   */
  localOnly(): KuboBlobStore {
    if (this.#offline) return this;
    return new KuboBlobStore({ ...this.#options, offline: true }, this.#m, this.#client, this.#apiBase, this.#state);
  }

  async put(source: ByteSource, options: PutOptions = {}): Promise<PutResult> {
    this.#assertOpen();
    const counted = new CountingSource(source);
    try {
      // The flags fix the import layout, so the node's own Import.* config cannot change CIDs.
      const added = await kuboAdd(this.#apiBase, counted, {
        'cid-version': String(KUBO_IMPORT.cidVersion),
        'raw-leaves': String(KUBO_IMPORT.rawLeaves),
        chunker: KUBO_IMPORT.chunker,
        hash: 'sha2-256',
        pin: String(options.pin ?? true),
        'stream-channels': 'true',
        progress: 'false',
        ...(this.#offline ? { offline: 'true' } : {}),
      }, options.signal);
      return { cid: cidText(cidField('add', 'Hash', added.Hash, (text) => parseBlobCid(this.#m, text))), size: counted.size };
    } catch (error) {
      // A failing source breaks the upload; its own error says more than the broken request.
      throw counted.error ?? kuboError(error, this.location, 'add');
    }
  }

  async get(cid: string, options: GetOptions = {}): Promise<Readable> {
    const root = this.#parse(cid);
    const { size } = await this.#lookup(root, options.signal);
    const { start, end } = clampRange(size, options.offset, options.length);
    if (end === start) return emptyReadable();
    const what = `cat of ${root}`;
    try {
      return await kuboCat(this.#apiBase, cidText(root), {
        offset: start,
        length: end - start,
        offline: this.#offline,
        signal: options.signal,
        mapError: (error) => kuboError(error, this.location, what, cidText(root)),
      });
    } catch (error) {
      throw kuboError(error, this.location, what, cidText(root));
    }
  }

  /** `signal` cancels the request to Kubo: a walk left by its reader must not keep it open until the lookup times out. */
  async getBlock(cid: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const parsed = this.#parse(cid);
    const { signal } = options;
    const timeout = AbortSignal.timeout(this.#lookupTimeoutMs + PING_TIMEOUT_MS);
    let bytes: Uint8Array;
    try {
      bytes = await this.#client.block.get(parsed, this.#flags({
        timeout: this.#lookupTimeoutMs,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      }));
    } catch (error) {
      // The caller's abort is its own reason, not a lookup that failed.
      if (signal?.aborted) throw signal.reason;
      throw this.#lookupError(error, parsed);
    }
    await this.#assertBlockIs(parsed, bytes);
    return bytes;
  }

  /**
   * block/get answers raw bytes, so anything between the gateway and Kubo (a proxy's login or
   * error page sent with 200, a wrong server on the port) would pass for the block, and the
   * trustless gateway would serve it as immutable for a year. sha2-256 (what every import here
   * makes) is checked; blocks of other hash functions are passed on as the node gave them.
   */
  async #assertBlockIs(cid: CID, bytes: Uint8Array): Promise<void> {
    if (cid.multihash.code !== this.#m.sha256.code) return;
    if (Buffer.from((await this.#m.sha256.digest(bytes)).bytes).equals(cid.multihash.bytes)) return;
    throw new BlobStoreUnavailableError(
      `IPFS API ${this.location} answered block/get of ${cidText(cid)} with ${bytes.byteLength} bytes that are not that block: check that IPFS_API reaches Kubo's RPC API itself, not a proxy's page or another server`,
    );
  }

  blocks(cid: string, options: { range?: ByteRange; signal?: AbortSignal; once?: boolean } = {}): AsyncIterable<DagBlock> {
    const root = this.#parse(cid);
    const read = async (block: CID): Promise<Uint8Array | undefined> => {
      options.signal?.throwIfAborted();
      try {
        return await this.getBlock(cidText(block), { signal: options.signal });
      } catch (error) {
        if (error instanceof BlobNotFoundError && !block.equals(root)) return undefined;
        throw error;
      }
    };
    // The signal reaches the walk, which leaves a block/get it waits on once it aborts, and each
    // block/get, whose request to Kubo it cancels.
    return dagBlocks(this.#m, root, read, options.range, { once: options.once, signal: options.signal });
  }

  /** One `dag/import` of the blocks as a CAR, which pins the root (Kubo checks nothing it is not told to: the caller verified them). */
  async putBlocks(root: string, blocks: AsyncIterable<DagBlock>, options: { signal?: AbortSignal } = {}): Promise<PutResult> {
    const rootCid = this.#parse(root);
    const { CarWriter } = await carModule();
    const { writer, out } = CarWriter.create([rootCid]);
    const feeding = (async () => {
      try {
        for await (const block of blocks) await writer.put({ cid: block.cid, bytes: block.bytes });
      } finally {
        await writer.close();
      }
    })();
    try {
      try {
        for await (const { root: pinned } of this.#client.dag.import(out, { pinRoots: true, signal: options.signal })) {
          if (pinned.pinErrorMsg) throw new BlobNotFoundError(cidText(rootCid), `blob ${rootCid} could not be pinned on the IPFS node at ${this.location} (${pinned.pinErrorMsg}): some of its blocks are missing`);
        }
      } catch (error) {
        // Only the client's reading of the answer: a failure of the blocks fed to it comes from `feeding`.
        throw clientParseError(error, 'dag/import', 'Root.Cid');
      }
      await feeding;
    } catch (error) {
      await feeding.catch(() => undefined);
      throw kuboError(error, this.location, `dag import of ${rootCid}`, cidText(rootCid));
    }
    return { cid: cidText(rootCid), size: (await this.stat(cidText(rootCid))).size };
  }

  async has(cid: string): Promise<boolean> {
    const root = this.#parse(cid);
    try {
      // Offline, so a missing block is an answer rather than a network search.
      const stat = await this.#filesStat(root, offline({
        withLocal: true,
        signal: AbortSignal.timeout(this.#lookupTimeoutMs),
      }));
      this.#assertFile(root, stat.type);
      return stat.local === true;
    } catch (error) {
      const mapped = this.#lookupError(error, root);
      if (mapped instanceof BlobNotFoundError) return false;
      throw mapped;
    }
  }

  async pin(cid: string): Promise<void> {
    const root = this.#parse(cid);
    await this.#lookup(root);
    try {
      await this.#client.pin.add(root, this.#flags({ recursive: true }));
    } catch (error) {
      throw kuboError(error, this.location, `pin of ${root}`, cidText(root));
    }
  }

  async unpin(cid: string): Promise<void> {
    const root = this.#parse(cid);
    try {
      await this.#client.pin.rm(root, this.#flags({ recursive: true }));
    } catch (error) {
      if (isNotPinned(error)) return;
      throw kuboError(error, this.location, `unpin of ${root}`, cidText(root));
    }
  }

  async isPinned(cid: string): Promise<boolean> {
    const root = this.#parse(cid);
    try {
      for await (const pin of this.#client.pin.ls(this.#flags({ paths: [root], type: 'recursive' as const }))) if (pin.cid.equals(root)) return true;
      return false;
    } catch (error) {
      if (isNotPinned(error)) return false;
      throw kuboError(clientParseError(error, 'pin/ls', 'Cid'), this.location, `pin lookup of ${root}`, cidText(root));
    }
  }

  async stat(cid: string): Promise<BlobStat> {
    return this.#lookup(this.#parse(cid));
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    try {
      const answer = await this.#client.version(this.#flags({ signal: AbortSignal.timeout(PING_TIMEOUT_MS) }));
      // Any server answering `{}` to a POST would pass for a node otherwise, and /readyz say ready.
      if (typeof answer?.version !== 'string') throw wrongField('version', 'Version', answer?.version, 'a string');
    } catch (error) {
      if ((error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError') {
        throw unreachable(this.location, `no answer within ${PING_TIMEOUT_MS / 1000} s`, error);
      }
      const mapped = kuboError(error, this.location, 'version check');
      throw mapped instanceof BlobStoreUnavailableError ? mapped : unreachable(this.location, (mapped as Error).message, error);
    }
  }

  async close(): Promise<void> {
    this.#state.closed = true;
  }

  /** The call's options, with Kubo's `offline` flag when this store never reads from the network. */
  #flags<T extends object>(options: T): T {
    return this.#offline ? offline(options) : options;
  }

  /** The file's size, letting Kubo search the network (unless offline) for at most lookupTimeoutMs. */
  async #lookup(root: CID, signal?: AbortSignal): Promise<BlobStat> {
    try {
      const stat = await this.#filesStat(root, this.#flags({
        timeout: this.#lookupTimeoutMs,
        // Kubo enforces `timeout`; this bounds a node that does not answer at all.
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.#lookupTimeoutMs + PING_TIMEOUT_MS)]) : AbortSignal.timeout(this.#lookupTimeoutMs + PING_TIMEOUT_MS),
      }));
      this.#assertFile(root, stat.type);
      return { size: stat.size };
    } catch (error) {
      if (signal?.aborted) throw error;
      throw this.#lookupError(error, root);
    }
  }

  /** files/stat of the root, its fields checked: an answer of another shape is no Kubo answer. */
  async #filesStat(root: CID, options: Parameters<KuboRPCClient['files']['stat']>[1]): Promise<{ type: string; size: number; local?: boolean }> {
    const stat = await this.#client.files.stat(`/ipfs/${root}`, options).catch((error: unknown) => {
      throw clientParseError(error, 'files/stat', 'Hash');
    });
    return {
      type: stringField('files/stat', 'Type', stat.type),
      size: sizeField('files/stat', 'Size', stat.size),
      local: optionalBooleanField('files/stat', 'Local', stat.local),
    };
  }

  #lookupError(error: unknown, root: CID): unknown {
    const { name, message } = error as Error;
    // Kubo's own `timeout` ends in "context deadline exceeded": it searched and found nothing.
    // Our client-side timer firing instead means the node itself did not answer.
    if (name === 'TimeoutError' && !/deadline/.test(message)) {
      return unreachable(this.location, 'no answer in time', error);
    }
    if (name === 'TimeoutError') {
      return new BlobNotFoundError(cidText(root), `blob ${root} is not on the IPFS node at ${this.location} and was not found on the IPFS network within ${this.#lookupTimeoutMs / 1000} s`);
    }
    return kuboError(error, this.location, `lookup of ${root}`, cidText(root));
  }

  #assertFile(root: CID, type: string): void {
    if (type !== 'file') throw new InvalidCidError(cidText(root), `it names a UnixFS ${type}, not a file`);
  }

  #parse(cid: string): CID {
    this.#assertOpen();
    return parseBlobCid(this.#m, cid);
  }

  #assertOpen(): void {
    if (this.#state.closed) throw new BlobStoreUnavailableError(`the Kubo blob store for ${this.location} is closed; open it again to use it`);
  }
}

/** The RPC root for an IPFS_API value: `http://host:5001` means `http://host:5001/api/v0`. */
function rpcBase(address: string): string {
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`IPFS API address ${JSON.stringify(address)} is not usable: expected a URL like http://127.0.0.1:5001`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/api/v0';
  return url.toString().replace(/\/+$/, '');
}

/**
 * Options with Kubo's `offline=true`. kubo-rpc-client sends the options it does not know as query
 * parameters; its `searchParams` option is spread like an object, so a URLSearchParams there is
 * silently dropped. (`dag/import` sends none of its options: the one call that never carries it.)
 */
function offline<T extends object>(options: T): T {
  return { ...options, offline: true };
}

/** Kubo's answer for a CID without a (recursive) pin. */
function isNotPinned(error: unknown): boolean {
  return /not pinned/i.test((error as Error | undefined)?.message ?? '');
}
