// HEAD of a blob answers 200 only for bytes checked against the digest. Docker push asks HEAD
// whether the registry has a layer and skips uploading it on 200, so a replica that answered for
// a CID it had not hashed (one Bob repointed the digest at, of the blob's size) would keep the
// owner's push from repairing the record, while GET of the same blob fails. A chain-only replica
// hashes a CID not yet verified before answering HEAD; a gateway holding the blob verified answers
// at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { RunningGateway } from '../../src/gateway';
import { createBobsSpace, repointDigest } from './helpers/repoint';
import { makeImage, ociErrors, pushImage, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('HEAD of a blob whose record was repointed at a CID of its size', () => {
  let a: TestGateway;
  let chainOnly: RunningGateway;
  let image: ImageParts;

  before(async () => {
    a = await startTestGateway();
    image = makeImage([randomBlob(4000), randomBlob(900)]);
    await pushImage(a.url, 'acme/web', 'v1', image);
    await createBobsSpace(a);
    // Bob points the first layer's digest at other bytes of the same length.
    await repointDigest(a, image.layers[0].digest, randomBytes(image.layers[0].bytes.length));
    chainOnly = await a.startReplica();
  });
  after(async () => {
    await a?.close();
  });

  const blobUrl = (url: string, digest: string) => `${url}/v2/acme/web/blobs/${digest}`;

  it('is 404 on a chain-only replica, as GET is, not 200', async () => {
    const head = await fetch(blobUrl(chainOnly.url, image.layers[0].digest), { method: 'HEAD' });
    assert.equal(head.status, 404);
    const get = await fetch(blobUrl(chainOnly.url, image.layers[0].digest));
    assert.equal(get.status, 404);
    const [error] = await ociErrors(get);
    assert.equal(error.code, 'BLOB_UNKNOWN');
    assert.match(error.message, /push the blob again/);
  });

  it('is 200 on the replica for a blob whose record holds it, with its size, and GET serves it', async () => {
    const layer = image.layers[1];
    for (let i = 0; i < 2; i++) {
      const head = await fetch(blobUrl(chainOnly.url, layer.digest), { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(layer.bytes.length));
      assert.equal(head.headers.get('docker-content-digest'), layer.digest);
    }
    const get = await fetch(blobUrl(chainOnly.url, layer.digest));
    assert.equal(get.status, 200);
    assert.deepEqual(Buffer.from(await get.arrayBuffer()), layer.bytes);
  });

  it('is 200 on the gateway that holds the blob verified (pushed there)', async () => {
    const head = await fetch(blobUrl(a.url, image.layers[0].digest), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(image.layers[0].bytes.length));
  });
});
