// Manifest contents are anyone's: a space owner records any digest and CID on chain, and the
// content indexer reads the bytes from IPFS. Two ways a stranger stopped content indexing for
// everyone, each shown here with a real chain, IPFS store, processor and content indexer:
// - a manifest digest of several kB: its row's key is beyond what Postgres indexes, and the
//   discovery pass failed on every run, so no manifest was found again (content-tables.ts);
// - manifests whose verified bytes hold what Postgres will not store (NUL in an annotation, a
//   lone surrogate, an artifactType too long for its index): each failed its pass and stayed
//   first in line, so a few of them stopped every worker (content-indexer.ts). They are now
//   `invalid`, saying why, and everyone else's content is indexed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedBlobStore, embeddedIpfsDir, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { type Blob, blobOf, OCI_MANIFEST } from '../gateway/helpers/oci-client';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';
import { waitFor } from './helpers/wait';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let a: DevAccounts;
let ipfsDir: string;
let store: EmbeddedBlobStore;
let ipfs: KuboApiServer;

const hexOf = (text: string) => `0x${Buffer.from(text, 'utf8').toString('hex')}`;

/** An image manifest as JSON text (so that escapes such as \u0000 stay as written). */
function manifestText(extra: string, seed: string): string {
  const config = blobOf(`{"seed":"${seed}"}`);
  const layer = blobOf(`layer ${seed}`);
  return `{"schemaVersion":2,"mediaType":"${OCI_MANIFEST}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"${config.digest}","size":${config.size}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"${layer.digest}","size":${layer.size}}]${extra}}`;
}

/** Records manifests the way a push does (bytes in IPFS, then the chain record), in one block. */
async function record(image: string, manifests: Blob[]): Promise<void> {
  const cr = chain.api.tx.containerRegistry;
  const calls = [];
  for (const [i, manifest] of manifests.entries()) {
    const { cid } = await store.put([manifest.bytes]);
    calls.push(cr.addManifestHeadDigestAndManifestJsonCid('tools', image, `v${i}`, manifest.digest, cid));
  }
  await submit(chain.api.tx.utility.batchAll(calls), a.ferdie, { finalized: true });
}

const contentOf = async (digest: string) =>
  (await indexer.query('query($id: String!) { manifestContentById(id: $id) { state lastError artifactType annotations } }', { id: hexOf(digest) })).manifestContentById;

const contentIn = (digest: string, state: string, timeoutMs = 60_000) =>
  waitFor(async () => {
    const row = await contentOf(digest);
    return row?.state === state ? row : undefined;
  }, `the content of ${digest} to be ${state}`, timeoutMs);

before(async () => {
  a = await devAccounts();
  chain = await startTestChain();
  pg = await startTestPostgres();
  ipfsDir = mkdtempSync(path.join(tmpdir(), 'hcr-hostile-manifests-'));
  store = await EmbeddedBlobStore.open(embeddedIpfsDir(ipfsDir));
  ipfs = await startKuboApiServer({ store, port: 0 });
  await submit(chain.api.tx.containerRegistry.createSpace('tools'), a.ferdie, { finalized: true });
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl: await pg.newDatabase('hostile_manifests'), ipfsApi: ipfs.url });
});

after(async () => {
  await indexer?.close();
  await ipfs?.close();
  await store?.close();
  await pg?.close();
  await chain?.close();
  if (ipfsDir) rmSync(ipfsDir, { recursive: true, force: true });
});

test('a manifest digest of several kB does not stop the discovery of other manifests', async () => {
  const huge = `sha256:${randomBytes(3_000).toString('hex')}`;
  await submit(chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('tools', 'huge', 'v1', huge, 'bafyhuge'), a.ferdie, { finalized: true });
  const good = blobOf(manifestText('', 'after-huge'));
  await record('good', [good]);
  await contentIn(good.digest, 'indexed');
  assert.equal(await contentOf(huge), null, 'a digest longer than any digest gets no content row');
});

test('manifests Postgres cannot store become invalid, naming why, and do not stall anyone else', async () => {
  const poisons = [
    blobOf(manifestText(',"annotations":{"note":"a\\u0000b"}', 'nul-value')),
    blobOf(manifestText(',"annotations":{"a\\u0000b":"x"}', 'nul-key')),
    blobOf(manifestText(',"annotations":{"note":"\\ud800"}', 'lone-surrogate')),
    blobOf(manifestText(`,"artifactType":"${randomBytes(6_000).toString('base64')}"`, 'huge-type')),
    blobOf(manifestText(',"annotations":{"n":"\\u0000"}', 'nul-2')),
    blobOf(manifestText(',"annotations":{"n":"\\u0000\\u0000"}', 'nul-3')),
    blobOf(manifestText(',"annotations":{"n":"\\udfff"}', 'lone-2')),
    blobOf(manifestText(',"annotations":{"n":"\\udbff"}', 'lone-3')),
  ];
  await record('poison', poisons);
  // The poisoned rows are discovered first, so they lead the queue of due contents.
  await waitFor(async () => (await contentOf(poisons[0].digest)) !== null, 'the poisoned manifests to be discovered');
  const later = blobOf(manifestText(',"annotations":{"org.opencontainers.image.description":"fine"}', 'after-poison'));
  await record('later', [later]);

  const row = await contentIn(later.digest, 'indexed', 90_000);
  assert.equal(row.annotations['org.opencontainers.image.description'], 'fine');
  for (const poison of poisons) {
    const invalid = await contentIn(poison.digest, 'invalid');
    assert.match(invalid.lastError, /cannot be stored in the index: Postgres refused it \(.+\)/);
  }
  assert.match((await contentOf(poisons[0].digest)).lastError, /0x00|\\u0000/);
  assert.match((await contentOf(poisons[3].digest)).lastError, /index row size|exceeds/);
});

test('bytes that are not JSON, quoting a raw NUL in the parser\'s message, become invalid, saying why, and do not stall anyone else', async () => {
  // More of them than the content indexer has workers; each failed its write and stayed first in line.
  const poisons = Array.from({ length: 6 }, (_, i) => blobOf(`{"a":\u0000,"seed":"raw-nul-${i}"}`));
  await record('raw-nul', poisons);
  await waitFor(async () => (await contentOf(poisons[0].digest)) !== null, 'the manifests with a raw NUL to be discovered');
  const later = blobOf(manifestText(',"annotations":{"org.opencontainers.image.description":"after raw NUL"}', 'after-raw-nul'));
  await record('after-raw-nul', [later]);

  assert.equal((await contentIn(later.digest, 'indexed', 90_000)).annotations['org.opencontainers.image.description'], 'after raw NUL');
  for (const poison of poisons) {
    const invalid = await contentIn(poison.digest, 'invalid');
    assert.match(invalid.lastError, /JSON/);
    assert.match(invalid.lastError, /\\u0000/, 'the NUL is written as an escape');
  }
});
