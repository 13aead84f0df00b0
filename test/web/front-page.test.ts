// The page as a visitor without a wallet sees it, served by a gateway with the indexer behind it:
// the newest spaces and recently updated images are listed without searching, an image opens its
// space with the docker pull lines, and the Manage section and the account picker stay hidden
// (their handlers, run anyway, ask for a wallet instead of calling the API). A space shows its
// artifacts with their labels and versions next to its images, and tags' sizes and platforms
// come from the index (the content indexer), never from the gateway's /v2.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addManifest, createSpace, grantGateway, signerFromUri, submitTx } from '../../src/chain';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { type Indexer, startIndexer } from '../../src/indexer';
import { EmbeddedBlobStore, embeddedIpfsDir, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { ensureWebBuild } from '../../src/wallet-api';
import { blobOf, makeImage, pushBlob, pushManifest } from '../gateway/helpers/oci-client';
import { makeArtifact, pushArtifact, pushMultiPlatform } from '../indexer/helpers/artifacts';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { createShadowSpace } from '../helpers/shadow-space';
import { browserSkipReason, launchChromium, type TestBrowser } from './helpers/browser';

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'web');
const INDEX_WAIT_MS = 60_000;

describe('the front page without a wallet, served by the gateway', { skip: browserSkipReason() }, () => {
  let chain: TestChain;
  let indexer: Indexer;
  let store: EmbeddedBlobStore;
  let ipfs: KuboApiServer;
  let gateway: RunningGateway;
  let browser: TestBrowser;
  let page: Page;
  let dataDir: string;
  let manifestDigest: string;
  let imageSize: number;
  const apiCalls: string[] = [];
  const registryCalls: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-front-page-'));
    // Embedded Postgres runs as the postgres user when the tests run as root.
    chmodSync(dataDir, 0o755);
    chain = await startTestChain();
    store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    ipfs = await startKuboApiServer({ store, port: 0 });
    indexer = await startIndexer({ chainRpc: chain.devnet.wsUrl, dataDir, graphqlPort: 0, headPollIntervalMs: 200, ipfsApi: ipfs.url });
    const [alice, bob, gatewayKey] = await Promise.all(['//Alice', '//Bob', '//Gateway'].map((uri) => signerFromUri(uri)));
    await submitTx(chain.api, createSpace(chain.api, 'acme'), alice);
    await grantGateway(chain.api, alice, gatewayKey.address);
    gateway = await startGateway({ api: chain.api, blobStore: store, dataDir, gatewaySigner: gatewayKey, port: 0, index: indexer.graphqlUrl, webRoot: await ensureWebBuild(), auth: { enabled: false }, log: () => undefined });

    const image = makeImage([blobOf('a layer of the front page test')]);
    manifestDigest = image.manifest.digest;
    imageSize = image.config.size + image.layers[0].size;
    for (const blob of [image.config, ...image.layers]) assert.equal((await pushBlob(gateway.url, 'acme/web', blob)).status, 201);
    assert.equal((await pushManifest(gateway.url, 'acme/web', '1.0', image.manifest)).status, 201);
    // A newer space, in a later block: it comes first.
    const zeta = await submitTx(chain.api, createSpace(chain.api, 'zeta'), bob, { until: 'finalized' });
    await waitForIndex(indexer.graphqlUrl, zeta.blockNumber);

    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/api/') && path !== '/api/config' && path !== '/api/graphql' && !/^\/api\/spaces\/[^/]+\/name$/.test(path)) apiCalls.push(`${request.method()} ${path}`);
      if (path.startsWith('/v2/')) registryCalls.push(`${request.method()} ${path}`);
    });
  });

  after(async () => {
    await browser?.close();
    await gateway?.close();
    await indexer?.stop();
    await ipfs?.close();
    await store?.close().catch(() => undefined);
    await chain?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('before a wallet is connected, the Manage section and the account picker are hidden', { timeout: 120_000 }, async () => {
    await page.goto(gateway.url);
    await page.locator('#connect:enabled').waitFor();
    for (const id of ['actions', 'account-label', 'account', 'account-panel']) {
      assert.equal(await page.locator(`#${id}`).isVisible(), false, `#${id} is visible before a wallet is connected`);
    }
    assert.equal(await page.getByRole('button', { name: 'Get docker login' }).isVisible(), false);
    assert.equal(await page.getByRole('button', { name: 'Create space' }).isVisible(), false);
  });

  test('the newest spaces and recently updated images are listed without a search; an image opens its space with the docker pull lines', { timeout: 120_000 }, async () => {
    const recent = page.locator('#recent');
    await recent.locator('[data-space="acme"]').waitFor();
    assert.deepEqual(await recent.locator('[data-space]').evaluateAll((items) => items.map((item) => item.getAttribute('data-space'))), ['zeta', 'acme']);
    const image = recent.locator('[data-image="acme/web"]');
    assert.match(await image.innerText(), /^acme\/web — 1 tag, updated /);
    assert.equal(await page.getByLabel('Search spaces and images by name').inputValue(), '');
    assert.equal(await page.locator('#search-results').innerText(), '');
    await page.screenshot({ path: join(ARTIFACTS, '12-front-page.png'), fullPage: true });

    await image.getByRole('button', { name: 'acme/web' }).click();
    const tag = page.locator('#space-detail [data-image="web"] [data-tag="1.0"]');
    await tag.waitFor();
    assert.deepEqual(await tag.locator('.copyable code').allTextContents(), [`docker pull ${gateway.service}/acme/web:1.0`, `docker pull ${gateway.service}/acme/web@${manifestDigest}`]);
  });

  test("a space lists its artifacts with labels and versions next to its images; tags' sizes and platforms come from the index", { timeout: 120_000 }, async () => {
    const plugin = (version: string, bytes: string) =>
      makeArtifact('application/vnd.example.plugin.v1', [{ title: `auth-${version}.so`, bytes }], { 'org.opencontainers.image.description': 'Authentication plugin', 'com.example.tier': 'free' });
    await pushArtifact(gateway.url, 'acme/plugins/auth', '1.0.0', plugin('1.0.0', 'plugin one'));
    await pushArtifact(gateway.url, 'acme/plugins/auth', '1.1.0', plugin('1.1.0', 'plugin one point one'));
    // 1.0.0 is published again with other bytes: the page says it moved.
    await pushArtifact(gateway.url, 'acme/plugins/auth', '1.0.0', plugin('1.0.0', 'plugin one, other bytes'));
    const multi = await pushMultiPlatform(gateway.url, 'acme/web', '2.0', ['linux/amd64', 'linux/arm64']);
    await waitForData(indexer.graphqlUrl, '{ artifactVersions(name: "plugins/auth") { moved } manifestContents(where: { kind_eq: index, totalSize_isNull: false }) { id } }', (data) => data.artifactVersions.length === 2 && data.artifactVersions.some((v: { moved: boolean }) => v.moved) && data.manifestContents.length === 1);
    registryCalls.length = 0;
    await page.reload();
    await page.locator('#recent [data-space="acme"]').getByRole('button', { name: 'acme' }).click();
    const artifact = page.locator('#space-detail [data-artifact="plugins/auth"]');
    await artifact.waitFor();
    assert.deepEqual(await artifact.locator('[data-version]').evaluateAll((items) => items.map((item) => item.getAttribute('data-version'))), ['1.1.0', '1.0.0']);
    assert.deepEqual(await artifact.locator('.labels code').allTextContents(), ['com.example.tier=free', 'org.opencontainers.image.description=Authentication plugin']);
    assert.match(await artifact.innerText(), /application\/vnd\.example\.plugin\.v1 — 2 versions/);
    assert.match(await artifact.locator('[data-version="1.0.0"]').innerText(), /^1\.0\.0 — auth-1\.0\.0\.so, 25 B, sha256:\w+… moved 1× after it was published/);
    assert.equal(await artifact.locator('[data-version="1.1.0"] .moved-mark').count(), 0);

    const web = page.locator('#space-detail [data-image="web"]');
    assert.equal(await web.locator('[data-tag="1.0"] .size').innerText(), `${imageSize} B in 1 layer`);
    const total = multi.images.reduce((sum, i) => sum + i.config.size + i.layers[0].size, 0);
    // The random images come to about 1 KiB: below 1024 bytes the page counts bytes.
    const shown = total < 1024 ? `${total} B` : `${(total / 1024).toFixed(1)} KiB`;
    assert.equal(await web.locator('[data-tag="2.0"] .size').innerText(), `index of 2 manifests, ${shown} in all`);
    assert.equal(await web.locator('[data-tag="2.0"] .platforms').innerText(), 'linux/amd64, linux/arm64');
    await page.screenshot({ path: join(ARTIFACTS, '14-space-artifacts.png'), fullPage: true });
    assert.deepEqual(registryCalls, [], 'the page read manifests from the gateway');
  });

  test('the Manage handlers, run without a wallet, ask for one and call nothing', { timeout: 120_000 }, async () => {
    // Hidden, they cannot be clicked; show them as a script or a stale page might.
    await page.locator('#actions').evaluate((section) => section.removeAttribute('hidden'));
    const askedForWallet = async (where: string) => assert.match(await page.locator(`${where} [role="alert"]`).filter({ hasText: /\S/ }).innerText(), /^Connect a wallet first/, where);
    await page.getByRole('button', { name: 'Get docker login' }).click();
    await askedForWallet('#login-result');
    await page.getByRole('button', { name: 'Grant gateway access' }).click();
    await askedForWallet('.progress[data-for="gateway"]');
    await page.getByLabel('Space name').fill('acme2');
    await page.getByRole('button', { name: 'Create space' }).click();
    await askedForWallet('.progress[data-for="create-space"]');
    assert.deepEqual(apiCalls, []);
  });
  test('a shadow of a name is marked and gets no docker pull line; the owner says its name is contested', { timeout: 120_000 }, async () => {
    // Charlie creates a second "acme" in a block where it sorts first and points acme/web:1.0 elsewhere.
    const charlie = await signerFromUri('//Charlie');
    const shadow = await createShadowSpace(chain.api, charlie, 'acme', { sortsFirst: true });
    const recorded = await submitTx(chain.api, addManifest(chain.api, { repo: 'acme', image: 'web', tag: '1.0', digest: `sha256:${'e'.repeat(64)}`, cid: 'bafkqaaa' }), charlie, { until: 'finalized' });
    await waitForIndex(indexer.graphqlUrl, recorded.blockNumber);
    await page.reload();
    const listed = page.locator(`#recent [data-space-id="${shadow.id}"]`);
    await listed.waitFor();
    assert.match(await listed.innerText(), /\(shadow of space \d+\)$/);

    await listed.getByRole('button', { name: 'acme' }).click();
    const detail = page.locator(`#space-detail [data-space-id="${shadow.id}"]`);
    await detail.waitFor();
    assert.match(await detail.locator('[data-notice="shadow"]').innerText(), /This space is a shadow: the name "acme" belongs to space \d+ .* no pull commands are shown here\..*gateways refuse pushes to the name\./);
    await detail.locator('[data-tag="1.0"]').waitFor();
    assert.equal(await detail.locator('.copyable').count(), 0, 'a shadow\'s tag has a docker pull line');
    await page.screenshot({ path: join(ARTIFACTS, '13-shadow-space.png'), fullPage: true });

    // Both spaces now list an acme/web: open the owner's (the one not marked as a shadow's).
    await page.locator('#recent [data-image="acme/web"]').filter({ hasNot: page.locator('.shadow-mark') }).getByRole('button').click();
    const owner = page.locator('#space-detail [data-notice="contested"]');
    await owner.waitFor();
    assert.match(await owner.innerText(), new RegExp(`space ${shadow.id} \\(owner ${charlie.address}\\), created later with the same name in block #${shadow.blockNumber}, sorts first`));
    // The owner's pull lines stay: this gateway resolves them through the owner's records.
    const tag = page.locator('#space-detail [data-image="web"] [data-tag="1.0"]');
    assert.deepEqual(await tag.locator('.copyable code').allTextContents(), [`docker pull ${gateway.service}/acme/web:1.0`, `docker pull ${gateway.service}/acme/web@${manifestDigest}`]);
    const pulled = await fetch(`${gateway.url}/v2/acme/web/manifests/1.0`);
    assert.equal(pulled.headers.get('docker-content-digest'), manifestDigest);
  });
});

async function waitForIndex(graphqlUrl: string, blockNumber: number): Promise<void> {
  const deadline = Date.now() + INDEX_WAIT_MS;
  for (;;) {
    const response = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ squidStatus { height } }' }) });
    const { data } = (await response.json()) as { data?: { squidStatus: { height: number } } };
    if ((data?.squidStatus.height ?? -1) >= blockNumber) return;
    assert.ok(Date.now() < deadline, `the index did not reach block ${blockNumber}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Polls a GraphQL query until `done` accepts its data. */
async function waitForData(graphqlUrl: string, query: string, done: (data: any) => boolean): Promise<void> {
  const deadline = Date.now() + INDEX_WAIT_MS;
  for (;;) {
    const response = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const { data } = (await response.json()) as { data?: unknown };
    if (data && done(data)) return;
    assert.ok(Date.now() < deadline, `the index did not answer ${query} as expected in time`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}
