// A stranger cannot crowd the owner's records out of the index's answer. Anyone who owns a space
// may write store_digest_info for any digest, as often as they like, and ImageDigestToCid for an
// image of any name; the index keeps every record. A pull's lookups asked for all of them, so a
// stranger who wrote more records than the index's row bound (GQL_MAX_RESPONSE_ROWS) made every
// lookup fail with RESPONSE_TOO_LARGE; the gateway then resolved through chain storage alone,
// where the stranger's last write points at other bytes, and a gateway without the bytes at hand
// (a replica, a fresh data dir) could serve neither the manifest nor its blobs. Now the owner's
// records are asked for in lists of their own and everyone else's in small ones, and a lookup
// tries (and an error names) a bounded number of CIDs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addManifest, batchAll, createSpace, digestInfo, storeDigestInfo, submitTx } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import { parseName } from '../../src/gateway/oci/reference';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { GraphqlIndex } from '../../src/gateway/resolve/graphql-index';
import { MAX_OTHER_CANDIDATES, MAX_OWNER_CANDIDATES, Resolver } from '../../src/gateway/resolve/resolver';
import type { LocalBlobs } from '../../src/gateway/storage/local-blobs';
import { startGraphql, type GraphqlServer } from '../../src/indexer/graphql-server';
import { settledHead } from '../helpers/devnet';
import { startTestIndexer, type TestIndexer } from '../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** The row bound of the index the flooded gateways ask: far below what the stranger writes. */
const MAX_ROWS = 50;
/** Records the stranger writes for each of the owner's digests (each record is two rows: itself and its account). */
const FLOOD = 32;

describe('a stranger flooding the index with records of the owner digests', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let indexer: TestIndexer;
  let bounded: GraphqlServer;
  let image: ImageParts;
  const strangerCids = new Set<string>();

  before(async () => {
    t = await startTestGateway();
    const api = t.chain.api;
    pg = await startTestPostgres();
    const dbUrl = await pg.newDatabase('record_flood');
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl });
    bounded = await startGraphql({ dbUrl, port: 0, env: { GQL_MAX_RESPONSE_ROWS: String(MAX_ROWS) } });
    image = makeImage([randomBlob(3000)]);
    // Alice pushes acme/app:1.0 through the writer, which records it from her space.
    await pushImage(t.url, 'acme/app', '1.0', image);
    // Bob, from a space of his own, records other bytes for each digest FLOOD times (the
    // manifest's as Json), and ImageDigestToCid for an image named `app`: his writes are last.
    await submitTx(api, createSpace(api, 'bobs'), t.keys.bob);
    const calls = [];
    for (const [blob, type] of [[image.config, 'File'], [image.layers[0], 'File'], [image.manifest, 'Json']] as const) {
      for (let i = 0; i < FLOOD; i++) {
        const cid = (await t.store.put([Buffer.from(`not ${blob.digest}, take ${i}`)])).cid;
        strangerCids.add(cid);
        calls.push(storeDigestInfo(api, { repo: 'bobs', digest: blob.digest, type, cid }));
      }
    }
    const manifestCid = (await t.store.put([Buffer.from('not the manifest')])).cid;
    strangerCids.add(manifestCid);
    calls.push(addManifest(api, { repo: 'bobs', image: 'app', tag: 'x', digest: image.manifest.digest, cid: manifestCid }));
    await submitTx(api, batchAll(api, calls), t.keys.bob);
    await indexer.waitForHead(await settledHead(api), 60_000);
  });

  after(async () => {
    await bounded?.stop();
    await indexer?.close();
    await pg?.close();
    await t?.close();
  });

  it('has repointed chain storage, so a gateway without the index cannot serve the image', async () => {
    for (const blob of [image.config, image.layers[0], image.manifest]) {
      assert.ok(strangerCids.has((await digestInfo(t.chain.api, blob.digest))!.cid.text!), `DigestInfoStorage of ${blob.digest} is Bob's`);
    }
    const chainOnly = await t.startReplica();
    assert.notEqual((await fetch(`${chainOnly.url}/v2/acme/app/manifests/1.0`)).status, 200);
    assert.notEqual((await fetch(`${chainOnly.url}/v2/acme/app/blobs/${image.layers[0].digest}`)).status, 200);
  });

  it('does not stop a gateway with a fresh data dir from pulling the owner image through an index with a small row bound', async () => {
    const replica: RunningGateway = await t.startReplica({ index: bounded.url });
    const manifest = await fetch(`${replica.url}/v2/acme/app/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifestBody = Buffer.from(await manifest.arrayBuffer());
    assert.equal(manifest.status, 200, manifestBody.toString().slice(0, 2000));
    assert.deepEqual(manifestBody, image.manifest.bytes);
    for (const blob of [image.config, image.layers[0]]) {
      const response = await fetch(`${replica.url}/v2/acme/app/blobs/${blob.digest}`);
      const body = Buffer.from(await response.arrayBuffer());
      assert.equal(response.status, 200, body.toString().slice(0, 2000));
      assert.deepEqual(body, blob.bytes);
    }
    assert.ok(!t.logs.some((line) => line.includes('RESPONSE_TOO_LARGE') || /more than \d+ rows/.test(line)), t.logs.filter((l) => l.includes('index')).join('\n'));
  });

  it('tries, and would name, only a few of the stranger CIDs, the owner first', async () => {
    const resolver = new Resolver({ chain: new ChainReader(t.chain.api), index: new GraphqlIndex(bounded.url), local: { get: async () => undefined } as unknown as LocalBlobs, log: () => undefined });
    const name = parseName('acme/app');
    for (const candidates of [await resolver.blobCandidates(name, image.layers[0].digest), await resolver.manifestCandidates(name, image.manifest.digest)]) {
      assert.match(candidates[0].source, /^recorded by the owner of acme in block \d+$/);
      assert.ok(!strangerCids.has(candidates[0].cid));
      const strangers = candidates.filter((c) => strangerCids.has(c.cid));
      // Chain storage's records (at most two) and at most MAX_OTHER_CANDIDATES of everyone else's.
      assert.ok(strangers.length >= 1 && strangers.length <= MAX_OTHER_CANDIDATES + 2, `${strangers.length} of the stranger's CIDs`);
      assert.ok(candidates.length <= MAX_OWNER_CANDIDATES + MAX_OTHER_CANDIDATES + 2, `${candidates.length} candidates`);
    }
  });
});
