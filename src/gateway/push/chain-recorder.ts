// Records pushes on chain: ONE extrinsic per manifest, `Proxy.proxy(owner, NonTransfer,
// Utility.batch_all([...]))` signed by the gateway's key, so the records land all together or
// not at all. Nonces are handed out here so concurrent pushes do not collide in the pool.
import type { ApiPromise } from '@polkadot/api';
import { addManifest, asProxy, batchAll, type DigestType, pushedByStatement, storeDigestInfo, submitTx, type TxResult, type TxSigner } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';

export interface PushRecords {
  /** The space owner the gateway acts for (SS58). */
  readonly owner: string;
  readonly repo: string;
  readonly digests: readonly { digest: string; type: DigestType; cid: string }[];
  /** The manifest a tag points at; absent for manifests pushed by digest (recorded in `digests`). */
  readonly head?: { image: string; tag: string; digest: string; cid: string };
  /** The logged-in account that pushed (the owner or a member), stated in the batch for the index. */
  readonly pushedBy?: string;
}

export class ChainRecorder {
  readonly #api: ApiPromise;
  readonly #signer: TxSigner;
  readonly #until: 'inBlock' | 'finalized';
  readonly #timeoutMs: number;
  #nextNonce = -1;
  #nonceLock: Promise<unknown> = Promise.resolve();
  readonly #listeners: ((records: PushRecords) => void)[] = [];

  constructor(api: ApiPromise, signer: TxSigner, options: { until?: 'inBlock' | 'finalized'; timeoutMs?: number } = {}) {
    this.#api = api;
    this.#signer = signer;
    this.#until = options.until ?? 'inBlock';
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  get address(): string {
    return this.#signer.address;
  }

  /** Told of each set of records once the chain has taken it (the trustless gateway serves those CIDs at once). */
  onRecorded(listener: (records: PushRecords) => void): void {
    this.#listeners.push(listener);
  }

  async record(records: PushRecords): Promise<TxResult> {
    if (!this.#api.isConnected) throw new ChainUnavailableError('the chain is not connected, so the push cannot be recorded');
    const calls = records.pushedBy ? [pushedByStatement(this.#api, records.pushedBy)] : [];
    calls.push(...records.digests.map((d) => storeDigestInfo(this.#api, { repo: records.repo, digest: d.digest, type: d.type, cid: d.cid })));
    if (records.head) calls.push(addManifest(this.#api, { repo: records.repo, image: records.head.image, tag: records.head.tag, digest: records.head.digest, cid: records.head.cid }));
    const tx = asProxy(this.#api, records.owner, batchAll(this.#api, calls), 'NonTransfer');
    const nonce = await this.#takeNonce();
    try {
      const result = await submitTx(this.#api, tx, this.#signer, { until: this.#until, nonce, timeoutMs: this.#timeoutMs });
      for (const listener of this.#listeners) listener(records);
      return result;
    } catch (error) {
      // A refused transaction did not use its nonce: ask the chain again next time.
      if ((error as { kind?: string }).kind !== 'dispatch') this.#nextNonce = -1;
      throw error;
    }
  }

  #takeNonce(): Promise<number> {
    const take = this.#nonceLock.then(async () => {
      const onChain = (await this.#api.rpc.system.accountNextIndex(this.#signer.address)).toNumber();
      const nonce = Math.max(onChain, this.#nextNonce);
      this.#nextNonce = nonce + 1;
      return nonce;
    });
    this.#nonceLock = take.catch(() => undefined);
    return take;
  }
}
