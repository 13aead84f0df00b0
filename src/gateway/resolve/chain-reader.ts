// Registry records read from chain storage: always current, and what the gateway falls back to
// when the index is missing, lagging or down. Reads fail fast with ChainUnavailableError when
// the connection is down instead of waiting for a reconnect.
import type { ApiPromise } from '@polkadot/api';
import type { Bytes, Option } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import { bytesArg, chainBytes, type ChainBytes, digestInfo, hasGatewayGrant, type DigestInfoView, imageDigestCid, listSpaces, manifestDigest, spaceForPush, type SpaceView } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';
import type { RepositoryName } from '../oci/reference';

export interface DigestCid {
  readonly digest: string;
  readonly cid: string;
}

const text = (value: ChainBytes | undefined): string | undefined => value?.text;

export class ChainReader {
  readonly #api: ApiPromise;
  readonly #timeoutMs: number;

  constructor(api: ApiPromise, options: { timeoutMs?: number } = {}) {
    this.#api = api;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  get api(): ApiPromise {
    return this.#api;
  }

  get isConnected(): boolean {
    return this.#api.isConnected;
  }

  tagDigest(name: RepositoryName, tag: string): Promise<string | undefined> {
    return this.#read('the tag', async () => text(await manifestDigest(this.#api, { repo: name.repo, image: name.image, tag })));
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

  space(repo: string): Promise<SpaceView | undefined> {
    return this.#read('the space', () => spaceForPush(this.#api, repo));
  }

  spaces(): Promise<SpaceView[]> {
    return this.#read('the spaces', () => listSpaces(this.#api));
  }

  /** Every tag of an image (a scan of ManifestDigests; the index answers this without one). */
  tags(name: RepositoryName): Promise<string[]> {
    return this.#read('the tags', async () => {
      const entries = await this.#api.query.containerRegistry.manifestDigests.entries();
      const tags: string[] = [];
      for (const [key] of entries) {
        const [repo, image, tag] = (key.args[0] as unknown as Bytes[]).map((b) => chainBytes(b.toU8a(true)).text);
        if (repo === name.repo && image === name.image && tag !== undefined) tags.push(tag);
      }
      return tags;
    });
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
    if (!this.#api.isConnected) throw new ChainUnavailableError(`the chain is not connected, so ${what} cannot be read from chain storage`);
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
