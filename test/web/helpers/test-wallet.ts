// A polkadot.js wallet for the browser tests: `window.injectedWeb3['polkadot-js']` with the
// interface @polkadot/extension-inject defines, injected before the page loads. Its signer
// hands each request to Node, where a keyring pair signs it for real (sr25519), so the page's
// own extension-dapp signing path runs end to end. Chromium reaches Node through exposed
// functions, Firefox through a WebDriver BiDi channel.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON, SignerPayloadRaw } from '@polkadot/types/types';
import { hexToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import type { BrowserContext } from 'playwright-core';
import type { FirefoxPage } from './firefox-bidi';

export interface TestWallet {
  /** Every request the page made, in order: what was asked to be signed. */
  readonly requests: { kind: 'payload' | 'raw'; address: string }[];
  signPayload(payload: SignerPayloadJSON): { id: number; signature: string };
  signRaw(raw: SignerPayloadRaw): { id: number; signature: string };
  /** Sets up window.injectedWeb3, given window.__testWalletSignPayload and __testWalletSignRaw. */
  readonly injectScript: string;
}

export function testWallet(api: ApiPromise, pairs: readonly KeyringPair[]): TestWallet {
  const pairFor = (address: string) => {
    const wanted = u8aToHex(decodeAddress(address));
    const pair = pairs.find((p) => u8aToHex(p.publicKey) === wanted);
    if (!pair) throw new Error(`the test wallet holds no key for ${address}`);
    return pair;
  };
  let id = 0;
  const requests: TestWallet['requests'] = [];
  const accounts = pairs.map((pair) => ({ address: pair.address, name: pair.meta.name ?? 'Test account', type: pair.type, genesisHash: null }));
  return {
    requests,
    signPayload(payload) {
      requests.push({ kind: 'payload', address: payload.address });
      const signature = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version }).sign(pairFor(payload.address)).signature;
      return { id: ++id, signature };
    },
    signRaw(raw) {
      requests.push({ kind: 'raw', address: raw.address });
      // As the polkadot.js extension does: bytes are signed wrapped in <Bytes>…</Bytes>.
      return { id: ++id, signature: u8aToHex(pairFor(raw.address).sign(u8aWrapBytes(hexToU8a(raw.data)))) };
    },
    // A string, not a function: the test runner's transpiler would add helpers the page lacks.
    injectScript: `(() => {
      const accounts = ${JSON.stringify(accounts)};
      const injected = {
        accounts: { get: async () => accounts, subscribe: (cb) => { cb(accounts); return () => undefined; } },
        signer: { signPayload: (payload) => window.__testWalletSignPayload(payload), signRaw: (raw) => window.__testWalletSignRaw(raw) },
      };
      window.injectedWeb3 = Object.assign({}, window.injectedWeb3, { 'polkadot-js': { version: '0.63.1', enable: async () => injected } });
    })();`,
  };
}

export async function injectIntoChromium(context: BrowserContext, wallet: TestWallet): Promise<void> {
  await context.exposeFunction('__testWalletSignPayload', (payload: SignerPayloadJSON) => wallet.signPayload(payload));
  await context.exposeFunction('__testWalletSignRaw', (raw: SignerPayloadRaw) => wallet.signRaw(raw));
  await context.addInitScript(wallet.injectScript);
}

/** Requests go to Node as JSON on the `wallet` channel; answers come back through __testWalletAnswer. */
export async function injectIntoFirefox(page: FirefoxPage, wallet: TestWallet): Promise<void> {
  page.onMessage((channel, data) => {
    if (channel !== 'wallet') return;
    const request = JSON.parse(data) as { id: number; kind: 'payload' | 'raw'; body: any };
    let answer: { ok: boolean; value: unknown };
    try {
      answer = { ok: true, value: request.kind === 'payload' ? wallet.signPayload(request.body) : wallet.signRaw(request.body) };
    } catch (error) {
      answer = { ok: false, value: (error as Error).message };
    }
    void page.send('script.callFunction', {
      functionDeclaration: '(id, json) => window.__testWalletAnswer(id, json)',
      arguments: [{ type: 'number', value: request.id }, { type: 'string', value: JSON.stringify(answer) }],
      target: { context: page.context },
      awaitPromise: false,
    });
  });
  await page.addPreloadScript(
    `(send) => {
      const waiting = new Map();
      let next = 0;
      const ask = (kind, body) => new Promise((resolve, reject) => {
        const id = ++next;
        waiting.set(id, { resolve, reject });
        send(JSON.stringify({ id, kind, body }));
      });
      window.__testWalletAnswer = (id, json) => {
        const { ok, value } = JSON.parse(json);
        const entry = waiting.get(id);
        waiting.delete(id);
        if (ok) entry.resolve(value); else entry.reject(new Error(value));
      };
      window.__testWalletSignPayload = (payload) => ask('payload', payload);
      window.__testWalletSignRaw = (raw) => ask('raw', raw);
      ${wallet.injectScript}
    }`,
    'wallet',
  );
}
