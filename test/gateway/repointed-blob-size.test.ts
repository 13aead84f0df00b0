// A digest's record pointed at a CID of another size than the manifests give the blob: anyone may
// point it at a file of gigabytes (their own, or anyone's public one). A GET passes such a CID over
// by its size; a manifest push that references the digest, and a mount of it, must too, instead
// of reading and hashing the whole file to find that it is not the blob.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { addManifest, batchAll, storeDigestInfo, submitTx } from '../../src/chain';
import { settledHead } from '../helpers/devnet';
import { blobOf, makeImage, ociErrors, pushManifest, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('a blob record repointed at a CID of another size', () => {
  let t: TestGateway;
  let bigCid: string;
  let bigBytesRead = 0;
  // Two images, so that neither case's check of its layer settles the other's.
  const layer = randomBlob(100);
  const image = makeImage([layer]);
  const mountedLayer = randomBlob(100);
  const mountedImage = makeImage([mountedLayer]);

  before(async () => {
    t = await startTestGateway();
    const api = t.chain.api;
    bigCid = (await t.store.put([randomBytes(20 * 1024 * 1024)])).cid;
    const cidOf = async (bytes: Buffer) => (await t.store.put([bytes])).cid;
    // The layers of 100-byte descriptors, recorded as the 20 MiB file.
    const calls = [];
    for (const [name, parts] of [['app', image], ['tool', mountedImage]] as const) {
      calls.push(
        storeDigestInfo(api, { repo: 'acme', digest: parts.config.digest, type: 'File', cid: await cidOf(parts.config.bytes) }),
        storeDigestInfo(api, { repo: 'acme', digest: parts.layers[0].digest, type: 'File', cid: bigCid }),
        addManifest(api, { repo: 'acme', image: name, tag: 'v1', digest: parts.manifest.digest, cid: await cidOf(parts.manifest.bytes) }),
      );
    }
    await submitTx(api, batchAll(api, calls), t.keys.alice);
    await settledHead(api);
    // Counts what the gateway reads of the big file.
    const get = t.store.get.bind(t.store);
    t.store.get = async (...args: Parameters<typeof get>) => {
      const stream: Readable = await get(...args);
      if (args[0] === bigCid) stream.on('data', (chunk: Buffer) => (bigBytesRead += chunk.length));
      return stream;
    };
  });
  after(async () => {
    await t?.close();
  });

  it('a manifest referencing the digest is refused by the size the CID has, without reading it', async () => {
    bigBytesRead = 0;
    const again = blobOf(JSON.stringify({ ...JSON.parse(image.manifest.bytes.toString()), annotations: { push: 'again' } }));
    const response = await pushManifest(t.url, 'acme/app', 'v2', again);
    assert.equal(response.status, 400);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, new RegExp(`${layer.digest} is 20971520 bytes but the manifest says 100`));
    assert.equal(bigBytesRead, 0, 'the 20 MiB file was read to check the push');
  });

  it('a mount of the digest does not take it, without reading it', async () => {
    bigBytesRead = 0;
    const response = await fetch(`${t.url}/v2/acme/other/blobs/uploads/?mount=${mountedLayer.digest}&from=acme/tool`, { method: 'POST' });
    // Not mounted: an upload session is opened instead, as the distribution spec has it.
    assert.equal(response.status, 202);
    assert.equal(bigBytesRead, 0, 'the 20 MiB file was read to check the mount');
    assert.equal((await fetch(`${t.url}/v2/acme/other/blobs/${mountedLayer.digest}`, { method: 'HEAD' })).status, 404);
  });
});
