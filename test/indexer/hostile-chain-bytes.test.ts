// Byte strings written on chain by strangers: anyone may create a space and record names, tags,
// digests and CIDs of any length. Postgres refuses a B-tree index entry above about 2.7 kB, so
// before src/processor/bytes.ts and ids.ts bounded what enters indexed columns and ids, one huge
// name failed every batch and the processor crash-looped with nothing indexed for anyone. Here
// the huge records are indexed (exact bytes in the hex columns, no text), and so is everything
// after them.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { settledHead, startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer | undefined;
let a: DevAccounts;

before(async () => {
  a = await devAccounts();
  chain = await startTestChain();
  pg = await startTestPostgres();
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

const hexOf = (text: string) => `0x${Buffer.from(text, 'utf8').toString('hex')}`;
const sha256Of = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

test('names, tags, digests and CIDs of several kB are indexed as bytes, and indexing goes on after them', async () => {
  const cr = chain.api.tx.containerRegistry;
  // Valid UTF-8 that does not compress: Postgres cannot shrink it under its index entry limit.
  const spaceName = randomBytes(6_000).toString('base64');
  const imageName = randomBytes(4_000).toString('hex');
  const tag = randomBytes(4_000).toString('hex');
  const digest = `sha256:${randomBytes(3_000).toString('hex')}`;
  const cid = randomBytes(3_000).toString('hex');
  const blobDigest = `sha256:${randomBytes(3_000).toString('hex')}`;
  await submit(cr.createSpace(spaceName), a.eve);
  await submit(chain.api.tx.utility.batchAll([
    cr.addManifestHeadDigestAndManifestJsonCid(spaceName, imageName, tag, digest, cid),
    cr.storeDigestInfo(spaceName, blobDigest, 'File', cid),
  ]), a.eve);
  // Someone else's ordinary records, after the stranger's.
  await submit(cr.createSpace('acme'), a.alice);
  await submit(cr.addManifestHeadDigestAndManifestJsonCid('acme', 'web', 'v1', `sha256:${'a'.repeat(64)}`, 'bafyweb'), a.alice, { finalized: true });

  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl: await pg.newDatabase('hostile_bytes') });
  await indexer.waitForHead(await settledHead(chain.api), 90_000);

  const data = await indexer.query(`{
    spaces(orderBy: blockNumber_ASC) { name nameHex searchText images { id name nameHex tags { id name nameHex digest digestHex } manifests { id digest digestHex cid cidHex } } }
    blobs { id digest digestHex: cidHex }
  }`);
  const [eve, acme] = data.spaces;
  assert.equal(eve.name, null, 'a name longer than any real one keeps no text');
  assert.equal(eve.searchText, null);
  assert.equal(eve.nameHex, hexOf(spaceName), 'the exact bytes are kept');
  const [image] = eve.images;
  assert.equal(image.name, null);
  assert.equal(image.nameHex, hexOf(imageName));
  assert.match(image.id, /^\d+\/sha256:[0-9a-f]{64}$/, 'a huge name enters the id as its hash');
  assert.equal(image.id.split('/')[1], `sha256:${sha256Of(imageName)}`);
  const [tagRow] = image.tags;
  assert.equal(tagRow.nameHex, hexOf(tag));
  assert.equal(tagRow.digest, null);
  assert.equal(tagRow.digestHex, hexOf(digest));
  assert.equal(image.manifests[0].cidHex, hexOf(cid));
  assert.equal(image.manifests[0].cid, null);
  assert.deepEqual(data.blobs.map((blob: { id: string; digest: string | null }) => [blob.id, blob.digest]), [[`sha256:${sha256Of(blobDigest)}`, null]]);

  assert.equal(acme.name, 'acme', 'records after the huge ones are indexed');
  assert.equal(acme.images[0].tags[0].name, 'v1');
});

test('a name of exactly 1024 bytes is still text; one byte more is not', async () => {
  const { chainBytes, MAX_TEXT_BYTES } = await import('../../src/processor/bytes');
  assert.equal(MAX_TEXT_BYTES, 1024);
  assert.equal(chainBytes(hexOf('x'.repeat(1024))).text, 'x'.repeat(1024));
  assert.equal(chainBytes(hexOf('x'.repeat(1025))).text, null);
});
