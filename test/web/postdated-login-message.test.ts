// A docker sign-in message is a password for 12 hours from its Issued At. One the registry's API
// issued in the future, however short its window, is a password that starts working only then,
// weeks after the person signed it and forgot about it; one whose times are written in another
// form than the gateway's may be read as other times by the browser and by the gateway. In
// Chromium against the dev chain and the real wallet API, with sign-in messages changed on their
// way to the page, both are refused in words and never reach the wallet, while the API's own
// message is signed and becomes a login.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Page } from 'playwright-core';
import { signerFromUri } from '../../src/chain';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { alterJsonAnswers, openConnected } from './helpers/altered-answers';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { injectIntoChromium, type TestWallet, testWallet } from './helpers/test-wallet';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** `message` with its Issued At and Expiration Time replaced. */
const withTimes = (message: string, issued: string, expires: string): string =>
  message.replace(/Issued At: \S+\nExpiration Time: \S+$/, `Issued At: ${issued}\nExpiration Time: ${expires}`);

describe('a sign-in message that is not a login from now, in Chromium', { skip: browserSkipReason() }, () => {
  let chain: TestChain;
  let server: WalletApiServer;
  let browser: TestBrowser;
  let wallet: TestWallet;
  let page: Page;
  let dave: KeyringPair;
  /** Changes the next sign-in messages; undefined leaves them as the API sent them. */
  let tamper: ((message: string) => string) | undefined;

  before(async () => {
    chain = await startTestChain();
    server = await startWalletApiServer({ api: chain.api, port: 0, txTimeoutMs: 60_000 });
    dave = await signerFromUri('//Dave');
    dave.setMeta({ name: 'Dave' });
    browser = await launchChromium();
    wallet = testWallet(chain.api, [dave]);
    await injectIntoChromium(browser.context, wallet);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await alterJsonAnswers<{ message: string }>(page, '**/api/login/message', (body) => {
      if (tamper) body.message = tamper(body.message);
    });
    await openConnected(page, server.url, dave.address);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await chain?.close();
  });

  /** Asks for a docker login and returns the refusal, checking that the wallet was not asked. */
  async function refusedLogin(): Promise<string> {
    const asked = wallet.requests.length;
    await page.getByRole('button', { name: 'Get docker login' }).click();
    const alert = page.locator('#login-result [role="alert"]');
    await alert.filter({ hasText: 'not this registry\'s' }).waitFor();
    const text = await alert.innerText();
    assert.match(text, /Nothing was signed\./);
    assert.equal(wallet.requests.length, asked, 'the wallet was asked to sign');
    assert.equal(await page.locator('#login-result [data-token]').count(), 0, 'a login was shown');
    return text;
  }

  test('a message issued 30 days from now, valid for 12 hours then, is not signed', { timeout: 60_000 }, async () => {
    const issued = new Date(Date.now() + 30 * DAY_MS);
    tamper = (message) => withTimes(message, issued.toISOString(), new Date(issued.getTime() + 12 * HOUR_MS).toISOString());
    const text = await refusedLogin();
    assert.match(text, new RegExp(`it is issued at ${issued.toISOString().replace(/\./g, '\\.')}, 30 days after this computer's clock`));
    assert.match(text, /so it would become a docker password only then/);
    assert.match(text, /If this computer's clock is behind, set it right first/);
  });

  test('a message issued three hours from now is not signed either', { timeout: 60_000 }, async () => {
    const issued = new Date(Date.now() + 3 * HOUR_MS);
    tamper = (message) => withTimes(message, issued.toISOString(), new Date(issued.getTime() + HOUR_MS).toISOString());
    assert.match(await refusedLogin(), /it is issued at \S+, 3 hours after this computer's clock/);
  });

  test('times written in another form than the gateway\'s are not signed', { timeout: 60_000 }, async () => {
    tamper = (message) => {
      const [, issued, expires] = /Issued At: (\S+)\nExpiration Time: (\S+)$/.exec(message)!;
      // The same instants, with an offset instead of Z: browsers and Node need not read such forms alike.
      return withTimes(message, issued.replace(/Z$/, '+00:00'), expires.replace(/Z$/, '+00:00'));
    };
    assert.match(await refusedLogin(), /its times \S+\+00:00 and \S+\+00:00 are not in the form the registry writes/);
  });

  test('the API\'s own message is signed and becomes the login', { timeout: 60_000 }, async () => {
    tamper = undefined;
    const asked = wallet.requests.length;
    await page.getByRole('button', { name: 'Get docker login' }).click();
    await page.locator('#login-result .copyable code').waitFor();
    assert.equal(wallet.requests.length, asked + 1);
    assert.match(await page.locator('#login-status').innerText(), new RegExp(`Signed in as ${dave.address}`));
  });
});
