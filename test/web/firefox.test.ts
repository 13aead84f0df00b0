// The same page in Firefox (Debian's firefox-esr over WebDriver BiDi) with the injected
// keyring wallet: connect, create a space, add a member (an invalid address refused before
// signing), grant the gateway, docker login, the second space refused in words, and a
// phone-sized viewport. Browsing the index is covered in Chromium (page.test.ts); here the
// page runs without an index. Screenshots go to test-artifacts/web/firefox-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { signerFromUri } from '../../src/chain';
import { verifyLoginToken } from '../../src/gateway/auth/login-token';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { type FirefoxPage, firefoxSkipReason, launchFirefox, type TestFirefox } from './helpers/firefox-bidi';
import { injectIntoFirefox, type TestWallet, testWallet } from './helpers/test-wallet';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'web');

describe('the registry page in Firefox', { skip: firefoxSkipReason() }, () => {
  let chain: TestChain;
  let server: WalletApiServer;
  let firefox: TestFirefox;
  let page: FirefoxPage;
  let wallet: TestWallet;
  let ferdie: KeyringPair;

  const q = (selector: string) => `document.querySelector(${JSON.stringify(selector)})`;
  const click = (selector: string) => page.evaluate(`${q(selector)}.click()`);
  const fill = (selector: string, value: string) => page.evaluate(`(() => { const input = ${q(selector)}; input.value = ${JSON.stringify(value)}; input.dispatchEvent(new Event('input', { bubbles: true })); })()`);
  const text = (selector: string) => page.evaluate<string>(`${q(selector)}?.innerText ?? ''`);
  const state = (name: string) => `${q(`.progress[data-for="${name}"]`)}.dataset.state`;
  const shot = async (name: string) => writeFileSync(join(ARTIFACTS, `firefox-${name}.png`), await page.screenshot());

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    chain = await startTestChain();
    server = await startWalletApiServer({ api: chain.api, port: 0, txTimeoutMs: 60_000 });
    ferdie = await signerFromUri('//Ferdie');
    ferdie.setMeta({ name: 'Ferdie' });
    wallet = testWallet(chain.api, [ferdie]);
    firefox = await launchFirefox();
    page = firefox.page;
    await injectIntoFirefox(page, wallet);
  });

  after(async () => {
    await firefox?.close();
    await server?.close();
    await chain?.close();
  });

  test('connect, create, add a member, grant, docker login, and a refusal in words', { timeout: 240_000 }, async () => {
    await page.navigate(server.url);
    await page.waitFor(`!${q('#connect')}.disabled`, 'the page to start');
    await click('#connect');
    await page.waitFor(`${q('#account-address')}.textContent === ${JSON.stringify(ferdie.address)}`, 'the account from the wallet');

    await fill('#space-name', 'firefox');
    await click('#create-space button[type=submit]');
    await page.waitFor(`${state('create-space')} === 'finalized'`, 'the space to be finalized');
    await page.waitFor(`${q('#account-space')}.textContent.startsWith('firefox')`, 'the account panel to show the space');
    await shot('01-space-created');

    await fill('#member-address', 'not-an-address');
    await click('#add-member button[type=submit]');
    await page.waitFor(`!${q('#member-error')}.hidden`, 'the address error');
    assert.match(await text('#member-error'), /is not an account address/);
    assert.equal(wallet.requests.length, 1);
    await fill('#member-address', '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
    await click('#add-member button[type=submit]');
    await page.waitFor(`${state('add-member')} === 'finalized'`, 'the member to be added');
    await page.waitFor(`${q('#account-space')}.textContent.includes('2 members')`, 'two members');

    await click('#grant-gateway');
    await page.waitFor(`${state('gateway')} === 'finalized'`, 'the gateway grant');
    await page.waitFor(`${q('#account-gateway')}.textContent === 'may record your pushes'`, 'the grant in the account panel');

    await click('#login');
    await page.waitFor(q('#login-result [data-token]'), 'the docker login');
    const host = new URL(server.url).host;
    assert.match(await text('#login-result .copyable code'), new RegExp(`\\| docker login ${host.replace(/\./g, '\\.')} --username ${ferdie.address} --password-stdin$`));
    const token = await page.evaluate<string>(`${q('#login-result [data-token]')}.textContent`);
    assert.equal((await verifyLoginToken(token, { domain: host, address: ferdie.address })).address, ferdie.address);
    await shot('02-docker-login');

    await fill('#space-name', 'second');
    await click('#create-space button[type=submit]');
    await page.waitFor(`${state('create-space')} === 'failed'`, 'the second space to fail');
    assert.match(await text('.progress[data-for="create-space"] [role=alert]'), /^You already own a space/);
    await shot('03-second-space-refused');
  });

  test('on a phone-sized viewport', { timeout: 60_000 }, async () => {
    await page.setViewport(375, 740);
    await page.navigate(server.url);
    await page.waitFor(`!${q('#connect')}.disabled`, 'the page to start');
    await click('#connect');
    await page.waitFor(`${q('#account-address')}.textContent.length > 0`, 'the account');
    assert.ok((await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')) <= 0, 'the page is wider than the screen');
    await shot('04-phone');
  });
});
