// The registry's page in Chromium with an injected keyring-backed wallet, against a dev chain,
// the indexer and the wallet API: a person connects, creates a space, adds a member, grants the
// gateway and gets a docker login, and each step shows up in the page once indexed; a second
// space is refused in words; the page works on a phone-sized screen and by keyboard.
// Screenshots of the main states go to test-artifacts/web/.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Page } from 'playwright-core';
import { addManifest, signerFromUri, submitTx } from '../../src/chain';
import { verifyLoginToken } from '../../src/gateway/auth/login-token';
import { type Indexer, startIndexer } from '../../src/indexer';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';
import { injectIntoChromium, type TestWallet, testWallet } from './helpers/test-wallet';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'web');
const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
const skip = browserSkipReason();

/** Evaluates a JavaScript expression in the page (a string, so the test needs no DOM typings). */
const inPage = <T>(target: Page, expression: string): Promise<T> => target.evaluate(expression) as Promise<T>;

describe('the registry page in Chromium', { skip }, () => {
  let chain: TestChain;
  let indexer: Indexer;
  let server: WalletApiServer;
  let browser: TestBrowser;
  let wallet: TestWallet;
  let page: Page;
  let dave: KeyringPair;
  let eve: KeyringPair;
  let dataDir: string;

  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const progress = (name: string) => page.locator(`.progress[data-for="${name}"]`);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-web-test-'));
    // Embedded Postgres runs as the postgres user when the tests run as root.
    chmodSync(dataDir, 0o755);
    chain = await startTestChain();
    indexer = await startIndexer({ chainRpc: chain.devnet.wsUrl, dataDir, graphqlPort: 0, headPollIntervalMs: 200 });
    server = await startWalletApiServer({ api: chain.api, graphqlUrl: indexer.graphqlUrl, port: 0, txTimeoutMs: 60_000 });
    dave = await signerFromUri('//Dave');
    eve = await signerFromUri('//Eve');
    dave.setMeta({ name: 'Dave' });
    eve.setMeta({ name: 'Eve' });
    browser = await launchChromium();
    wallet = testWallet(chain.api, [dave, eve]);
    await injectIntoChromium(browser.context, wallet);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    page.on('console', (message) => {
      // Sizes come from the gateway's /v2 API, which this server does not have: those 404s are expected.
      if (message.type() === 'error' && !message.location().url.includes('/v2/')) console.error(`page console: ${message.text()} (${message.location().url})`);
    });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await indexer?.stop();
    await chain?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('connect, create a space, add a member, grant the gateway, docker login', { timeout: 300_000 }, async () => {
    await page.goto(server.url);
    await page.locator('#connect:enabled').waitFor();
    await shot('01-start');
    await page.getByRole('button', { name: 'Connect wallet' }).click();
    await page.getByLabel('Account', { exact: true }).waitFor();
    assert.deepEqual(await page.getByLabel('Account', { exact: true }).locator('option').allTextContents(), [`Dave (${dave.address.slice(0, 6)}…${dave.address.slice(-4)}) — polkadot-js`, `Eve (${eve.address.slice(0, 6)}…${eve.address.slice(-4)}) — polkadot-js`]);
    await page.locator('#account-address', { hasText: dave.address }).waitFor();
    await shot('02-connected');

    await page.getByLabel('Space name').fill('acme');
    await page.getByRole('button', { name: 'Create space' }).click();
    await progress('create-space').locator('[data-step="finalized"].done').waitFor();
    assert.match(await progress('create-space').getByRole('status').innerText(), /Finalized in block #\d+/);
    // From the index: my spaces, and the space's detail with me as its owner.
    await page.locator('#my-spaces [data-space="acme"]').waitFor();
    await page.locator('#space-detail').getByRole('heading', { name: 'Space acme' }).waitFor();
    await page.locator(`#space-detail [data-member="${dave.address}"]`, { hasText: '(owner)' }).waitFor();
    await shot('03-space-created');

    // An address that is not SS58 is refused before anything is signed.
    const signedBefore = wallet.requests.length;
    await page.getByLabel('Member address (SS58)').fill('5NotAnAddress');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator('#member-error', { hasText: 'is not an account address' }).waitFor();
    assert.equal(await page.getByLabel('Member address (SS58)').getAttribute('aria-invalid'), 'true');
    assert.equal(wallet.requests.length, signedBefore);
    await shot('04-member-address-invalid');

    await page.getByLabel('Member address (SS58)').fill(eve.address);
    await page.getByRole('button', { name: 'Add member' }).click();
    await progress('add-member').locator('[data-step="finalized"].done').waitFor();
    await page.locator(`#space-detail [data-member="${eve.address}"]`).waitFor();
    await page.locator('#my-spaces [data-space="acme"]', { hasText: '2 members' }).waitFor();
    await shot('05-member-added');

    await page.getByRole('button', { name: 'Grant gateway access' }).click();
    await progress('gateway').locator('[data-step="finalized"].done').waitFor();
    await page.locator('#account-gateway', { hasText: 'may record your pushes' }).waitFor();
    await page.getByRole('button', { name: 'Revoke gateway access' }).waitFor();
    await shot('06-gateway-granted');

    await page.getByRole('button', { name: 'Get docker login' }).click();
    const command = page.locator('#login-result .copyable code');
    await command.waitFor();
    const host = new URL(server.url).host;
    assert.match(await command.innerText(), new RegExp(`^printf '%s' 'hcr1\\.[^']+' \\| docker login ${host.replace(/\./g, '\\.')} --username ${dave.address} --password-stdin$`));
    const token = await page.locator('#login-result [data-token]').textContent();
    assert.equal((await verifyLoginToken(token!, { domain: host, address: dave.address })).address, dave.address);
    assert.deepEqual(wallet.requests.map((r) => r.kind), ['payload', 'payload', 'payload', 'raw']);
    await shot('07-docker-login');
  });

  test('a second space is refused with the reason in words', { timeout: 120_000 }, async () => {
    await page.getByLabel('Space name').fill('another');
    await page.getByRole('button', { name: 'Create space' }).click();
    const alert = progress('create-space').getByRole('alert');
    await alert.filter({ hasText: 'You already own a space' }).waitFor();
    assert.equal(await progress('create-space').getAttribute('data-state'), 'failed');
    await shot('08-second-space-refused');
  });

  test('a name another space claimed is refused before anything is signed', { timeout: 120_000 }, async () => {
    await page.getByLabel('Account', { exact: true }).selectOption(eve.address);
    await page.locator('#account-address', { hasText: eve.address }).waitFor();
    const signedBefore = wallet.requests.length;
    await page.getByLabel('Space name').fill('acme');
    await page.getByRole('button', { name: 'Create space' }).click();
    const alert = progress('create-space').getByRole('alert');
    await alert.filter({ hasText: 'is taken' }).waitFor();
    assert.match(await alert.innerText(), new RegExp(`The name "acme" is taken: space \\d+ \\(owner ${dave.address}\\) claimed it first.*would be a shadow`));
    assert.equal(wallet.requests.length, signedBefore, 'the wallet was asked to sign');
    await page.getByLabel('Account', { exact: true }).selectOption(dave.address);
    await page.locator('#account-address', { hasText: dave.address }).waitFor();
  });

  test('browse: images, tags with digests and CIDs, history, search, docker pull lines; membership from the member\'s side', { timeout: 120_000 }, async () => {
    const recorded = await submitTx(chain.api, addManifest(chain.api, { repo: 'acme', image: 'tools/web', tag: 'v1', digest: DIGEST, cid: CID }), dave, { until: 'finalized' });
    await page.getByLabel('Search spaces and images by name').fill('web');
    const result = page.locator('#search-results').getByRole('button', { name: 'acme/tools/web' });
    for (let attempt = 0; !(await result.isVisible()); attempt++) {
      assert.ok(attempt < 60, `the index did not show the image recorded in block ${recorded.blockNumber}`);
      await page.getByRole('button', { name: 'Search', exact: true }).click();
      await page.waitForTimeout(500);
    }
    await result.click();
    const tag = page.locator('#space-detail [data-image="tools/web"] [data-tag="v1"]');
    await tag.waitFor();
    const text = await tag.innerText();
    assert.ok(text.includes(DIGEST) && text.includes(CID), text);
    assert.deepEqual(await tag.locator('.copyable code').allTextContents(), [`docker pull ${new URL(server.url).host}/acme/tools/web:v1`, `docker pull ${new URL(server.url).host}/acme/tools/web@${DIGEST}`]);
    await tag.locator('summary', { hasText: 'History (1 update)' }).click();
    assert.match(await tag.locator('details li').first().innerText(), /block #\d+: sha256:ab12ab12ab12… \(new tag\)/);
    await shot('09-browse-image');

    await page.getByLabel('Account', { exact: true }).selectOption(eve.address);
    await page.locator('#member-spaces [data-space="acme"]').waitFor();
    assert.match(await page.locator('#my-spaces').innerText(), /You own no space yet/);
    await shot('10-member-view');
  });

  test('on a phone-sized screen, by keyboard', { timeout: 120_000 }, async () => {
    const phone = await browser.context.newPage();
    try {
      await phone.setViewportSize({ width: 375, height: 740 });
      await phone.goto(server.url);
      await phone.locator('#connect:enabled').waitFor();
      await phone.keyboard.press('Tab');
      assert.equal(await inPage<string>(phone, 'document.activeElement?.textContent'), 'Skip to content');
      await phone.keyboard.press('Tab');
      assert.equal(await inPage<string>(phone, 'document.activeElement?.id'), 'connect');
      await phone.keyboard.press('Enter');
      await phone.locator('#account-address', { hasText: dave.address }).waitFor();
      assert.equal(await inPage<string>(phone, 'document.activeElement?.id'), 'account');
      await phone.locator('#my-spaces [data-space="acme"]').waitFor();
      await phone.locator('#space-detail [data-tag="v1"]').waitFor();
      const overflow = await inPage<number>(phone, 'document.documentElement.scrollWidth - window.innerWidth');
      assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
      for (const name of ['Create space', 'Add member', 'Revoke gateway access', 'Get docker login']) {
        const box = await phone.getByRole('button', { name }).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= 375 && box.height >= 40, `${name}: ${JSON.stringify(box)}`);
      }
      // Every form control has a label.
      const unlabelled = await inPage<string[]>(phone, "[...document.querySelectorAll('input, select')].filter((el) => !el.labels?.length).map((el) => el.id)");
      assert.deepEqual(unlabelled, []);
      await shot('11-phone', phone);
    } finally {
      await phone.close();
    }
  });
});
