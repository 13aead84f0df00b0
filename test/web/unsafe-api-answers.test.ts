// What the registry's API answers the page is checked and shown safely, in Chromium against the
// dev chain and the real wallet API, with answers changed on their way to the page: a payload
// whose transaction never expires, expires late or has already expired is refused in words and
// never reaches the wallet; an error message with bidi overrides, controls and 100,000 characters
// is shown escaped and cut; and a progress stream that sends an unreadable event, or another
// transaction's record, is left at once for polling, which still reports the real block. The
// pure checks behind these: api-answer-checks.test.ts.
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToNumber } from '@polkadot/util';
import type { Page } from 'playwright-core';
import { signerFromUri } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { rpcSend, startTestChain, type TestChain } from '../helpers/devnet';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { injectIntoChromium, type TestWallet, testWallet } from './helpers/test-wallet';
import { createSpaceAlert as createSpaceAlertOn, openConnected, refusedCreate as refusedCreateCall } from './helpers/altered-answers';

type Payload = Record<string, unknown>;

/**
 * Progress streams that send `event` and then stay open, as a stream the API (or a proxy in
 * between) keeps alive after a bad event would: the page must not wait for it to end.
 */
async function startHeldStreams() {
  const open = new Set<ServerResponse>();
  const held = { event: '', requests: 0 };
  const server = createServer((_req, res) => {
    held.requests++;
    open.add(res);
    res.on('close', () => open.delete(res));
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write(held.event);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    held,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('unsafe answers of the registry\'s API in Chromium', { skip: browserSkipReason() }, () => {
  let chain: TestChain;
  let server: WalletApiServer;
  let streams: Awaited<ReturnType<typeof startHeldStreams>>;
  let browser: TestBrowser;
  let wallet: TestWallet;
  let page: Page;
  let dave: KeyringPair;
  let eve: KeyringPair;
  /** Changes the payload of the next call answers. */
  let tamper: ((payload: Payload) => void) | undefined;
  /** Answers the next calls with this error instead. */
  let refusal: { status: number; error: Record<string, unknown> } | undefined;
  /** Sends the page's progress streams to the held streams. */
  let holdStreams = false;

  const progress = (name: string) => page.locator(`.progress[data-for="${name}"]`);

  const createSpaceAlert = (name: string, marker: string) => createSpaceAlertOn(page, name, marker);
  const refusedCreate = (name: string, marker: string, expected: RegExp) => refusedCreateCall(page, wallet, name, marker, expected);

  before(async () => {
    chain = await startTestChain();
    server = await startWalletApiServer({ api: chain.api, port: 0, txTimeoutMs: 60_000 });
    streams = await startHeldStreams();
    [dave, eve] = await Promise.all([signerFromUri('//Dave'), signerFromUri('//Eve')]);
    dave.setMeta({ name: 'Dave' });
    browser = await launchChromium();
    wallet = testWallet(chain.api, [dave]);
    await injectIntoChromium(browser.context, wallet);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.route('**/api/calls/*', async (route) => {
      if (refusal) return route.fulfill({ status: refusal.status, json: { error: refusal.error } });
      const response = await route.fetch();
      const body = (await response.json()) as { payload: Payload };
      tamper?.(body.payload);
      await route.fulfill({ response, json: body });
    });
    await page.route('**/api/extrinsics/*/events', (route) => (holdStreams ? route.continue({ url: streams.url }) : route.continue()));
    await openConnected(page, server.url, dave.address);
  });

  after(async () => {
    await browser?.close();
    await streams?.close();
    await server?.close();
    await chain?.close();
  });

  test('a payload that never expires (an immortal era) is not signed', { timeout: 60_000 }, async () => {
    tamper = (payload) => (payload.era = '0x00');
    await refusedCreate('acme', 'never expires', /The registry's API asked for a transaction that never expires: its era is immortal, so anyone who holds the signed transaction could submit it at any later time/);
  });

  test('a payload that stays valid for 4096 blocks is not signed', { timeout: 60_000 }, async () => {
    tamper = (payload) => (payload.era = chain.api.registry.createType('ExtrinsicEra', { current: hexToNumber(payload.blockNumber as string), period: 4096 }).toHex());
    await refusedCreate('acme', 'expires late', /asked for a transaction that expires late: it would stay valid for 4096 blocks \(about 6\.8 hours\), where this page allows at most 256/);
  });

  test('an API error with bidi overrides, controls and 100,000 characters is shown escaped and cut', { timeout: 60_000 }, async () => {
    tamper = undefined;
    refusal = { status: 409, error: { code: 'NAME_TAKEN', field: 'name', message: `the name \u202Eemca\u202C is taken\u0007\u001b[2J\r\nby ${'x'.repeat(100_000)}` } };
    const text = await createSpaceAlert('acme', 'is taken');
    refusal = undefined;
    assert.match(text, /^The name \\u202eemca\\u202c is taken\\u0007\\u001b\[2J\\u000d\\u000aby x+…\.?$/);
    assert.ok(text.length < 600, `the message is ${text.length} characters long`);
    assert.equal(wallet.requests.length, 0);
  });

  test('an unreadable progress event is left at once for polling, which reports the block', { timeout: 60_000 }, async () => {
    // Blocks first, so that the page's transaction lands past an era the last test builds.
    await rpcSend(chain.api, 'dev_newBlock', [{ count: 12 }]);
    holdStreams = true;
    streams.held.event = 'event: status\ndata: {"status":\n\n';
    await page.getByLabel('Space name').fill('acme');
    await page.getByRole('button', { name: 'Create space' }).click();
    await progress('create-space').locator('[data-step="finalized"].done').waitFor({ timeout: 15_000 });
    assert.match(await progress('create-space').getByRole('status').innerText(), /^Finalized in block #(1[3-9]|[2-9]\d)\.$/);
    assert.equal(streams.held.requests, 1, 'the page read the held stream');
    await page.locator('#account-space', { hasText: 'acme' }).waitFor();
  });

  test('a progress event about another transaction is not believed', { timeout: 60_000 }, async () => {
    const other = { hash: `0x${'ee'.repeat(32)}`, status: 'finalized', blockNumber: 999_999, history: [] };
    streams.held.event = `event: status\ndata: ${JSON.stringify(other)}\n\n`;
    await page.getByRole('button', { name: 'Grant gateway access' }).click();
    await progress('gateway').locator('[data-step="finalized"].done').waitFor({ timeout: 15_000 });
    assert.match(await progress('gateway').getByRole('status').innerText(), /^Finalized in block #\d+\.$/);
    assert.doesNotMatch(await progress('gateway').innerText(), /999999/);
    assert.equal(streams.held.requests, 2, 'the page read the held stream');
    await page.locator('#account-gateway', { hasText: 'may record your pushes' }).waitFor();
    holdStreams = false;
  });

  test('a payload whose era ended before a block the page has seen is not signed', { timeout: 60_000 }, async () => {
    // Born at the genesis for 4 blocks: over before the block the last transactions landed in.
    tamper = (payload) => {
      payload.blockNumber = '0x00000000';
      payload.blockHash = chain.api.genesisHash.toHex();
      payload.era = chain.api.registry.createType('ExtrinsicEra', { current: 0, period: 4 }).toHex();
    };
    const asked = wallet.requests.length;
    await page.getByLabel('Member address (SS58)').fill(eve.address);
    await page.getByRole('button', { name: 'Add member' }).click();
    const alert = progress('add-member').getByRole('alert').filter({ hasText: 'already expired' });
    await alert.waitFor();
    assert.match(await alert.innerText(), /asked for a transaction that has already expired: its era ran from block #0 to #3, and the chain has already reached block #\d+/);
    assert.equal(wallet.requests.length, asked, 'the wallet was asked to sign');
  });
});
