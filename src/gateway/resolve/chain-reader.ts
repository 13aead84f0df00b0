// Registry records read from chain storage: always current, and what the gateway falls back to
// when the index is missing, lagging or down. Reads fail fast with ChainUnavailableError when
// the connection is down instead of waiting for a reconnect.
import type { ApiPromise } from '@polkadot/api';
import type { Bytes, Option } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import { assertChainUsable, bytesArg, chainBytes, type ChainBytes, claimOf, digestInfo, getSpace, hasGatewayGrant, type DigestInfoView, imageDigestCid, manifestDigest, nameClaim, type NameClaim, spaceCreationBlock, type SpaceView } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';
import type { RepositoryName } from '../oci/reference';
import { contestedName } from './name-errors';
import { SpaceDirectory } from './space-directory';

export interface DigestCid {
  readonly digest: string;
  readonly cid: string;
}

export interface TagRecord {
  readonly tag: string;
  readonly digest: string;
}

const text = (value: ChainBytes | undefined): string | undefined => value?.text;

/** One image's key among every tag on chain (any text on chain may hold any character, so no separator would do). */
const imageKey = (repo: string, image: string): string => JSON.stringify([repo, image]);

export class ChainReader {
  readonly #api: ApiPromise;
  readonly #timeoutMs: number;
  readonly #spaces: SpaceDirectory;
  /** The last scan of every tag, with the best block it was read at (#allTags). */
  #tagScan?: { readonly hash: string; readonly tags: Promise<Map<string, TagRecord[]>> };

  constructor(api: ApiPromise, options: { timeoutMs?: number } = {}) {
    this.#api = api;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#spaces = new SpaceDirectory(api);
  }

  get api(): ApiPromise {
    return this.#api;
  }

  /** The listing of spaces by name, for what else in the process asks who owns a name (the wallet API it mounts). */
  get spaces(): SpaceDirectory {
    return this.#spaces;
  }

  get isConnected(): boolean {
    return this.#api.isConnected;
  }

  /**
   * A tag's digest in chain storage and the claim on the repository's name, read in one state:
   * the digest is the name owner's record only while the claim is not contested.
   */
  tagWithClaim(name: RepositoryName, tag: string): Promise<{ claim?: NameClaim; digest?: string }> {
    return this.#read('the tag', async () => {
      const q = this.#api.query.containerRegistry;
      const key = [bytesArg(name.repo), bytesArg(name.image), bytesArg(tag)];
      // One state_queryStorageAt: both values from the same block.
      const [next, digest] = (await this.#api.rpc.state.queryStorageAt([[q.nextSpaceId.creator], [q.manifestDigests.creator, [key]]] as never)) as unknown as [Codec, Option<Bytes>];
      const claim = claimOf(await this.#spaces.named(name.repo, BigInt(next.toString())));
      return { claim, digest: digest.isSome ? text(chainBytes(digest.unwrap().toU8a(true))) : undefined };
    });
  }

  /** The finalized head: facts read at it stay true (no reorg undoes them). */
  finalizedBlock(): Promise<{ number: number; hash: string }> {
    return this.#read('the finalized head', async () => {
      const hash = await this.#api.rpc.chain.getFinalizedHead();
      const header = await this.#api.rpc.chain.getHeader(hash);
      return { number: header.number.toNumber(), hash: hash.toHex() };
    });
  }

  /** The claim on a name and a tag's digest as chain storage held them at block `hash`. */
  tagAtBlock(name: RepositoryName, tag: string, hash: string): Promise<{ claim?: NameClaim; digest?: string }> {
    return this.#read('the tag at a block', async () => {
      const at = await this.#api.at(hash);
      const [claim, digest] = await Promise.all([nameClaim(at, name.repo), manifestDigest(at, { repo: name.repo, image: name.image, tag })]);
      return { claim, digest: digest?.text };
    });
  }

  /** The claim on a name as chain storage held it at block `hash`. */
  claimAtBlock(repo: string, hash: string): Promise<NameClaim | undefined> {
    return this.#read('the spaces at a block', async () => nameClaim(await this.#api.at(hash), repo));
  }

  /** The hash of block `number` on the chain this gateway follows, if it has one. */
  blockHash(number: number): Promise<string | undefined> {
    return this.#read('a block hash', async () => {
      const hash = await this.#api.rpc.chain.getBlockHash(number);
      return hash.isEmpty ? undefined : hash.toHex();
    });
  }

  get genesisHash(): string {
    return this.#api.genesisHash.toHex();
  }

  /** Who owns the name `repo`, and whether a shadow takes its writes (name-claims.ts), now. */
  claim(repo: string): Promise<NameClaim | undefined> {
    return this.#read('the spaces', async () => claimOf(await this.#spaces.namedNow(repo)));
  }

  /** A space as chain state holds it now (members included). */
  space(id: string): Promise<SpaceView | undefined> {
    return this.#read('the space', () => getSpace(this.#api, id));
  }

  /** The block a space was created in, if the node still keeps the state to find it. */
  spaceCreationBlock(id: string): Promise<number | undefined> {
    return this.#read('the space\'s creation block', () => spaceCreationBlock(this.#api, id));
  }

  imageManifestCid(name: RepositoryName, digest: string): Promise<string | undefined> {
    return this.#read('the manifest CID', async () => text(await imageDigestCid(this.#api, name.image, digest)));
  }

  digestInfo(digest: string): Promise<DigestInfoView | undefined> {
    return this.#read('the digest record', () => digestInfo(this.#api, digest));
  }

  /** Whether `owner` granted `gateway` the NonTransfer proxy pushes are recorded with. */
  hasGatewayGrant(owner: string, gateway: string): Promise<boolean> {
    return this.#read('the proxy grant', () => hasGatewayGrant(this.#api, owner, gateway));
  }

  /** Every claimed name's claim (the catalog's spaces). */
  claims(): Promise<NameClaim[]> {
    return this.#read('the spaces', async () => [...(await this.#spaces.all()).values()].flatMap((spaces) => claimOf(spaces) ?? []));
  }

  /**
   * Every tag of an image with its digest (a scan of ManifestDigests; the index answers this
   * without one). ManifestDigests is keyed by name, not space: whose records these are depends
   * on the name's claim, so it is read in the same state as the scan, and a contested name's tags
   * are refused (NAME_CONTESTED) rather than listed. A caller's claim read a moment earlier (the
   * resolver keeps the owner for a few seconds) does not vouch for them: a shadow created in the
   * block after it, sorting first, writes the name's tags in that same block.
   */
  tags(name: RepositoryName): Promise<TagRecord[]> {
    return this.#read('the tags', async () => {
      const hash = (await this.#api.rpc.chain.getBlockHash()).toHex();
      const [byImage, next] = await Promise.all([this.#allTags(hash), this.#api.query.containerRegistry.nextSpaceId.at(hash)]);
      // A listing of that state or a newer one: a space created since can only make the name contested.
      const claim = claimOf(await this.#spaces.named(name.repo, BigInt(next.toString())));
      if (claim?.contested) throw contestedName(name.repo, claim, 'chain storage alone cannot tell whose tags these are', 409);
      return byImage.get(imageKey(name.repo, name.image)) ?? [];
    });
  }

  /**
   * Every tag on chain by image, scanned once per best block however many ask. ManifestDigests
   * hashes (space, image, tag) whole, so one image's tags cannot be read without reading every
   * tag: a scan per request let anyone make a gateway without an index read all of chain storage
   * as often as they liked (each tag list, each pull's walk of a repository). A block that adds a
   * tag has another hash, so a push is seen as soon as its block is best.
   */
  async #allTags(hash: string): Promise<Map<string, TagRecord[]>> {
    if (this.#tagScan?.hash === hash) return this.#tagScan.tags;
    const tags = (async () => {
      const entries = await this.#api.query.containerRegistry.manifestDigests.entriesAt(hash);
      const byImage = new Map<string, TagRecord[]>();
      for (const [key, value] of entries) {
        const [repo, image, tag] = (key.args[0] as unknown as Bytes[]).map((b) => chainBytes(b.toU8a(true)).text);
        const digest = (value as Option<Bytes>).isSome ? chainBytes((value as Option<Bytes>).unwrap().toU8a(true)).text : undefined;
        if (repo === undefined || image === undefined || tag === undefined || digest === undefined) continue;
        const at = imageKey(repo, image);
        const list = byImage.get(at) ?? [];
        list.push({ tag, digest });
        byImage.set(at, list);
      }
      return byImage;
    })();
    const scan = { hash, tags };
    this.#tagScan = scan;
    tags.catch(() => {
      if (this.#tagScan === scan) this.#tagScan = undefined;
    });
    return tags;
  }

  /** Manifests recorded for an image with add_manifest (ImageDigestToCid under the image name). */
  imageManifests(name: RepositoryName): Promise<DigestCid[]> {
    return this.#read('the image manifests', async () => {
      const entries = await this.#api.query.containerRegistry.imageDigestToCid.entries(bytesArg(name.image));
      return entries.flatMap(([key, value]) => {
        const digest = chainBytes((key.args[1] as Bytes).toU8a(true)).text;
        const cid = (value as Option<Bytes>).isSome ? chainBytes((value as Option<Bytes>).unwrap().toU8a(true)).text : undefined;
        return digest && cid ? [{ digest, cid }] : [];
      });
    });
  }

  /** Every CID chain storage points at now, as recorded (DigestInfoStorage and ImageDigestToCid): a scan of both maps. */
  recordedCids(): Promise<string[]> {
    return this.#read('the recorded CIDs', async () => {
      const q = this.#api.query.containerRegistry;
      const [infos, manifests] = await Promise.all([q.digestInfoStorage.entries(), q.imageDigestToCid.entries()]);
      const cids: string[] = [];
      for (const [, value] of infos) {
        const stored = value as Option<Codec & { cid: Bytes }>;
        const cid = stored.isSome ? chainBytes(stored.unwrap().cid.toU8a(true)).text : undefined;
        if (cid) cids.push(cid);
      }
      for (const [, value] of manifests) {
        const stored = value as Option<Bytes>;
        const cid = stored.isSome ? chainBytes(stored.unwrap().toU8a(true)).text : undefined;
        if (cid) cids.push(cid);
      }
      return cids;
    });
  }

  /** Every manifest digest recorded with store_digest_info(Json), chain-wide (DigestInfoStorage is global). */
  jsonDigests(): Promise<DigestCid[]> {
    return this.#read('the digest records', async () => {
      const entries = await this.#api.query.containerRegistry.digestInfoStorage.entries();
      return entries.flatMap(([key, value]) => {
        const stored = value as Option<Codec & { digestType: { type: string }; cid: Bytes }>;
        if (stored.isNone || stored.unwrap().digestType.type !== 'Json') return [];
        const digest = chainBytes((key.args[0] as Bytes).toU8a(true)).text;
        const cid = chainBytes(stored.unwrap().cid.toU8a(true)).text;
        return digest && cid ? [{ digest, cid }] : [];
      });
    });
  }

  async #read<T>(what: string, read: () => Promise<T>): Promise<T> {
    // A node that now serves another chain is named as such (a ChainConnectionError, also a 503).
    assertChainUsable(this.#api, () => new ChainUnavailableError(`the chain is not connected, so ${what} cannot be read from chain storage`));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ChainUnavailableError(`the chain did not answer within ${this.#timeoutMs} ms while reading ${what}`)), this.#timeoutMs);
    });
    try {
      return await Promise.race([read(), deadline]);
    } catch (error) {
      if (error instanceof ChainUnavailableError) throw error;
      if (!this.#api.isConnected || isDisconnect(error)) throw new ChainUnavailableError(`the chain connection dropped while reading ${what} (${(error as Error).message})`);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** polkadot.js rejects pending calls with these when the WebSocket closes. */
export function isDisconnect(error: unknown): boolean {
  return /disconnected from|WebSocket is not connected|not connected|Abnormal Closure|Normal Closure/i.test(String((error as Error)?.message ?? error));
}
