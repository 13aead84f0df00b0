// What happens when records or backends go wrong: a digest repointed on chain by another
// account (correct bytes or a clear error, never wrong bytes), IPFS down (503 with
// Retry-After, no crash), the chain down (indexed content still pulls) and Postgres down
// (pulls resolve through chain storage). Runs the real indexer on an embedded Postgres.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { createSpace, storeDigestInfo, submitTx, digestInfo } from '../../src/chain';
import { GraphqlIndex } from '../../src/gateway';
import { startTestIndexer, type TestIndexer } from '../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { blobOf, json, makeImage, ociErrors, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('resilience', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let indexer: TestIndexer;
  let image: ImageParts;
  let child: ImageParts;
  const evil = blobOf('not the layer you are looking for');
  const evilManifest = blobOf('{"schemaVersion":2,"evil":true}');

  before(async () => {
    t = await startTestGateway();
    image = makeImage([randomBlob(3000), randomBlob(70_000)]);
    await pushImage(t.url, 'acme/web', 'v1', image);
    child = makeImage([randomBlob(500)]);
    await pushImage(t.url, 'acme/web', child.manifest.digest, child);

    // Bob, owner of another space, repoints a layer's and a manifest's digest to other content.
    const api = t.chain.api;
    await submitTx(api, createSpace(api, 'bobs'), t.keys.bob);
    const evilCid = (await t.store.put([evil.bytes])).cid;
    const evilManifestCid = (await t.store.put([evilManifest.bytes])).cid;
    await submitTx(api, storeDigestInfo(api, { repo: 'bobs', digest: image.layers[1].digest, type: 'File', cid: evilCid }), t.keys.bob);
    await submitTx(api, storeDigestInfo(api, { repo: 'bobs', digest: child.manifest.digest, type: 'Json', cid: evilManifestCid }), t.keys.bob);
    assert.equal((await digestInfo(api, image.layers[1].digest))?.cid.text, evilCid);
    pg = await startTestPostgres();
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl: await pg.newDatabase('gateway') });
    await indexer.waitForHead((await api.rpc.chain.getHeader()).hash.toHex(), 60_000);
  });

  after(async () => {
    await indexer?.close();
    await pg?.close();
    await t?.close();
  });

  const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

  describe('a digest repointed by another account', () => {
    it('the gateway that took the push still serves the right bytes', async () => {
      const layer = await fetch(`${t.url}/v2/acme/web/blobs/${image.layers[1].digest}`);
      assert.deepEqual(await bytesOf(layer), image.layers[1].bytes);
    });

    it('a replica without the index refuses with a clear error and sends no wrong bytes', async () => {
      const replica = await t.startReplica();
      const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[1].digest}`);
      assert.equal(layer.status, 404);
      const [error] = await ociErrors(layer);
      assert.equal(error.code, 'BLOB_UNKNOWN');
      assert.match(error.message, /holds other content/);
      assert.match(error.message, /repointed/);
      // The child was pushed by digest alone: chain storage does not say who recorded it (Bob
      // rewrote the record), so without the index it is not known as a manifest of acme/web.
      const manifest = await fetch(`${replica.url}/v2/acme/web/manifests/${child.manifest.digest}`);
      assert.equal(manifest.status, 404);
      const [manifestError] = await ociErrors(manifest);
      assert.equal(manifestError.code, 'MANIFEST_UNKNOWN');
      assert.match(manifestError.message, /acme\/web has no manifest/);
      // Untouched content still pulls.
      assert.deepEqual(await bytesOf(await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`)), image.layers[0].bytes);
    });

    it('a download of same-size other bytes is cut short before its end, and the next answer is a clear error', async () => {
      // Bob repoints a layer to other bytes of exactly its size: only the hash can tell.
      const big = makeImage([randomBlob(2 * 1024 * 1024)]);
      await pushImage(t.url, 'acme/big', 'v1', big);
      const layer = big.layers[0];
      const sameSize = blobOf(Buffer.alloc(layer.size, 7));
      const otherCid = (await t.store.put([sameSize.bytes])).cid;
      await submitTx(t.chain.api, storeDigestInfo(t.chain.api, { repo: 'bobs', digest: layer.digest, type: 'File', cid: otherCid }), t.keys.bob);
      const replica = await t.startReplica();
      const cut = await fetch(`${replica.url}/v2/acme/big/blobs/${layer.digest}`);
      assert.equal(cut.status, 200);
      assert.equal(cut.headers.get('content-length'), String(layer.size));
      await assert.rejects(cut.arrayBuffer(), /terminated|aborted|closed/i);
      const after = await fetch(`${replica.url}/v2/acme/big/blobs/${layer.digest}`);
      assert.equal(after.status, 404);
      assert.match((await ociErrors(after))[0].message, /holds other content/);
      assert.ok(t.logs.some((line) => line.includes(`the bytes of ${otherCid} are`)), 'the cut download is logged');
    });

    it('a replica with the index serves the CID the owner recorded', async () => {
      const replica = await t.startReplica({ index: indexer.graphql.url });
      const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[1].digest}`);
      assert.equal(layer.status, 200);
      assert.deepEqual(await bytesOf(layer), image.layers[1].bytes);
      const manifest = await fetch(`${replica.url}/v2/acme/web/manifests/${child.manifest.digest}`);
      assert.deepEqual(await bytesOf(manifest), child.manifest.bytes);
      const tags = await fetch(`${replica.url}/v2/acme/web/tags/list`);
      assert.deepEqual((await json(tags)).tags, ['v1']);
    });
  });

  it('pulls indexed content while the chain is down', async () => {
    const api = await ApiPromise.create({ provider: new WsProvider(t.chain.devnet.wsUrl), noInitWarn: true });
    const replica = await t.startReplica({ api, index: indexer.graphql.url });
    await api.disconnect();
    const manifest = await fetch(`${replica.url}/v2/acme/web/manifests/v1`);
    assert.equal(manifest.status, 200);
    assert.deepEqual(await bytesOf(manifest), image.manifest.bytes);
    const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.deepEqual(await bytesOf(layer), image.layers[0].bytes);
    // Something the index does not know cannot be answered without the chain: retry later.
    const unknown = await fetch(`${replica.url}/v2/acme/web/manifests/unknown-tag`);
    assert.equal(unknown.status, 503);
    assert.ok(unknown.headers.get('retry-after'));
  });

  it('answers a push with a retryable 503 while the chain is unreachable, recording nothing', async () => {
    const api = await ApiPromise.create({ provider: new WsProvider(t.chain.devnet.wsUrl), noInitWarn: true });
    const replica = await t.startReplica({ api, gatewaySigner: t.keys.gateway });
    const fresh = makeImage([randomBlob(64)]);
    await api.disconnect();
    const response = await fetch(`${replica.url}/v2/acme/web/manifests/offline`, { method: 'PUT', headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' }, body: fresh.manifest.bytes });
    assert.equal(response.status, 503, `${await response.clone().text()} ${t.logs.slice(-3).join('\n')}`);
    assert.ok(Number(response.headers.get('retry-after')) > 0);
    assert.equal((await ociErrors(response))[0].code, 'UNAVAILABLE');
    const upload = await fetch(`${replica.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' });
    assert.equal(upload.status, 503);
  });

  it('pulls through chain storage while the index (Postgres) is down', async () => {
    const replica = await t.startReplica({ index: indexer.graphql.url });
    await pg.close();
    const manifest = await fetch(`${replica.url}/v2/acme/web/manifests/v1`);
    assert.equal(manifest.status, 200);
    assert.deepEqual(await bytesOf(manifest), image.manifest.bytes);
    const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.deepEqual(await bytesOf(layer), image.layers[0].bytes);
    assert.deepEqual((await json(await fetch(`${replica.url}/v2/acme/web/tags/list`))).tags, ['v1']);
  });

  it('answers 503 with Retry-After while IPFS is down, and keeps running', async () => {
    // A replica that has not cached the layer yet has to ask IPFS for it.
    const replica = await t.startReplica();
    await t.store.close();
    const layer = await fetch(`${replica.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.equal(layer.status, 503);
    assert.ok(Number(layer.headers.get('retry-after')) > 0);
    assert.equal((await ociErrors(layer))[0].code, 'UNAVAILABLE');
    const manifest = await fetch(`${replica.url}/v2/acme/web/manifests/${child.manifest.digest}`);
    assert.equal(manifest.status, 503);
    const push = await fetch(`${t.url}/v2/acme/web/blobs/uploads/?digest=${randomBlob(1).digest}`, { method: 'POST', body: 'x' });
    assert.ok(push.status === 503 || push.status === 400, String(push.status));
    const fresh = makeImage([randomBlob(10)]);
    const upload = await fetch(`${t.url}/v2/acme/web/blobs/uploads/?digest=${fresh.layers[0].digest}`, { method: 'POST', body: fresh.layers[0].bytes });
    assert.equal(upload.status, 503);
    assert.equal((await fetch(`${t.url}/v2/`)).status, 200);
  });
});
