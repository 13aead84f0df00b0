// A dev chain that builds blocks only on request, with the space `acme` granted to //Gateway, for
// tests of how the push recorder uses the gateway key's nonces: its pool can be looked at and
// transactions removed from it (author_removeExtrinsic), and the gateway key's signatures counted
// or held back, as a slow wallet or HSM would.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { createSpace, grantGateway, manifestDigest, submitTx } from '../../../src/chain';
import type { PushRecords } from '../../../src/gateway/push/chain-recorder';
import { rpcSend, startTestChain, type TestChain } from '../../helpers/devnet';

const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

export interface ManualPushChain {
  readonly t: TestChain;
  readonly gatewayPair: KeyringPair;
  send<T>(method: string, params: unknown[]): Promise<T>;
  /** The pool's transactions, as hex. */
  pending(): Promise<string[]>;
  /** Builds a block whenever transactions wait, until `work` settles (or `ms` pass). */
  sealUntil<T>(work: Promise<T>, ms?: number): Promise<PromiseSettledResult<T>>;
  until(check: () => Promise<boolean> | boolean, what: string): Promise<void>;
  /** The gateway's key behind a signer that counts its signatures, and whose next one can be held back. */
  gatedSigner(): GatedSigner;
  /** A push recording `tag` of acme/app. */
  head(tag: string): PushRecords;
  /** The digest acme/app:`tag` has on chain. */
  recordedDigest(tag: string): Promise<string | undefined>;
}

export interface GatedSigner {
  readonly account: { address: string; signer: Signer };
  readonly signings: number;
  hold(): void;
  release(): void;
}

export async function startManualPushChain(): Promise<ManualPushChain> {
  const t = await startTestChain({ manualSeal: true });
  const send = <T>(method: string, params: unknown[]) => rpcSend<T>(t.api, method, params);
  const pending = () => send<string[]>('author_pendingExtrinsics', []);
  const gatewayPair = keyring.addFromUri('//Gateway');
  const chain: ManualPushChain = {
    t,
    gatewayPair,
    send,
    pending,
    async sealUntil<T>(work: Promise<T>, ms = 15_000): Promise<PromiseSettledResult<T>> {
      let settled: PromiseSettledResult<T> | undefined;
      void work.then(
        (value) => (settled = { status: 'fulfilled', value }),
        (reason: unknown) => (settled = { status: 'rejected', reason }),
      );
      const end = Date.now() + ms;
      while (!settled && Date.now() < end) {
        if ((await pending()).length > 0) await send('dev_newBlock', [{}]);
        await delay(50);
      }
      return settled ?? { status: 'rejected', reason: new Error(`still waiting after ${ms} ms`) };
    },
    async until(check, what) {
      for (const end = Date.now() + 10_000; Date.now() < end; await delay(20)) if (await check()) return;
      throw new Error(`timed out waiting for ${what}`);
    },
    gatedSigner() {
      let gate: Promise<void> = Promise.resolve();
      let open = () => undefined as void;
      let signings = 0;
      const signer: Signer = {
        signPayload: async (payload: SignerPayloadJSON) => {
          signings++;
          await gate;
          const raw = t.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
          return { id: signings, signature: raw.sign(gatewayPair).signature };
        },
      };
      return {
        account: { address: gatewayPair.address, signer },
        get signings() {
          return signings;
        },
        hold() {
          gate = new Promise<void>((resolve) => (open = resolve));
        },
        release: () => open(),
      };
    },
    head: (tag) => ({ owner: keyring.addFromUri('//Alice').address, repo: 'acme', digests: [], head: { image: 'app', tag, digest: `sha256:${tag.repeat(64).slice(0, 64)}`, cid: CID } }),
    recordedDigest: async (tag) => (await manifestDigest(t.api, { repo: 'acme', image: 'app', tag }))?.text,
  };
  const alice = keyring.addFromUri('//Alice');
  for (const setup of [() => submitTx(t.api, createSpace(t.api, 'acme'), alice), () => grantGateway(t.api, alice, gatewayPair.address)]) {
    const done = await chain.sealUntil(setup());
    assert.equal(done.status, 'fulfilled', done.status === 'rejected' ? String(done.reason) : '');
  }
  return chain;
}
