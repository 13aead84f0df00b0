// A push writes a digest's record only when the owner has none pointing at the bytes. It asked the
// index for the newest records of the digest from anyone, so a stranger who wrote the same digest
// and CID more times than that answer holds (store_digest_info is open to anyone with a space)
// hid the owner's record, and every push from a gateway without its own note of the record (a
// fresh data dir, another gateway) paid for writing it again. Now the push asks for the owner's
// records apart from everyone else's. An export, which names who recorded each manifest and blob
// it carries, named the stranger for the owner's content the same way; it asks for the owner's
// records (per the chain, at the bundle's block) apart too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { batchAll, createSpace, digestInfo, storeDigestInfo, submitTx } from '../../src/chain';
import type { BundleRecord } from '../../src/gateway/bundles/bundle-record';
import { carSections } from '../../src/gateway/peers/car-stream';
import { GraphqlIndex, RECORDS_LIMIT } from '../../src/gateway/resolve/graphql-index';
import { ipfsModules } from '../../src/ipfs/esm';
import { settledHead } from '../helpers/devnet';
import { startTestIndexer, type TestIndexer } from '../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { makeImage, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('a stranger writing the owner digests again and again', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let indexer: TestIndexer;
  let index: GraphqlIndex;
  let image: ImageParts;

  before(async () => {
    t = await startTestGateway();
    const api = t.chain.api;
    pg = await startTestPostgres();
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl: await pg.newDatabase('push_record_flood') });
    index = new GraphqlIndex(indexer.graphql.url);
    image = makeImage([randomBlob(2000)]);
    await pushImage(t.url, 'acme/app', '1.0', image);
    // Bob records the very same CIDs for each blob, more times than one answer of anyone's holds.
    await submitTx(api, createSpace(api, 'bobs'), t.keys.bob);
    const calls = [];
    for (const blob of [image.config, image.layers[0]]) {
      const cid = (await digestInfo(api, blob.digest))!.cid.text!;
      for (let i = 0; i <= RECORDS_LIMIT; i++) calls.push(storeDigestInfo(api, { repo: 'bobs', digest: blob.digest, type: 'File', cid }));
    }
    await submitTx(api, batchAll(api, calls), t.keys.bob);
    await indexer.waitForHead(await settledHead(api), 60_000);
  });

  after(async () => {
    await indexer?.close();
    await pg?.close();
    await t?.close();
  });

  const aliceRecords = async (digest: string) => (await index.digestRecords(digest, t.keys.alice.address)).filter((r) => r.account === t.keys.alice.address);

  it('has hidden the owner record from a list of anyone newest', async () => {
    const anyone = await index.digestRecords(image.layers[0].digest);
    assert.equal(anyone.length, RECORDS_LIMIT);
    assert.ok(anyone.every((r) => r.account === t.keys.bob.address));
    assert.equal((await aliceRecords(image.layers[0].digest)).length, 1);
  });

  it('does not make a push from a gateway with a fresh data dir write the records again', async () => {
    const writer = await t.startReplica({ gatewaySigner: t.keys.gateway, index: indexer.graphql.url });
    await pushImage(writer.url, 'acme/app', '1.1', image);
    await indexer.waitForHead(await settledHead(t.chain.api), 60_000);
    for (const blob of [image.config, image.layers[0]]) {
      assert.equal((await aliceRecords(blob.digest)).length, 1, `records of ${blob.digest} by the owner`);
    }
  });

  it('does not name the stranger as the recorder of the owner content in an export', async () => {
    const replica = await t.startReplica({ index: indexer.graphql.url });
    const response = await fetch(`${replica.url}/bundles?ref=acme/app:1.0`);
    assert.equal(response.status, 200, await response.clone().text());
    let record: BundleRecord | undefined;
    for await (const section of carSections(await ipfsModules(), response.body!)) {
      record ??= JSON.parse(Buffer.from(section.bytes).toString('utf8')) as BundleRecord;
    }
    assert.ok(record, 'the bundle has no record');
    assert.deepEqual(
      record.content.map((item) => [item.digest, item.recordedBy]).sort(),
      [image.manifest, image.config, image.layers[0]].map((part) => [part.digest, t.keys.alice.address]).sort(),
    );
  });
});
