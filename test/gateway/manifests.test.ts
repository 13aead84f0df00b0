// Manifests: push by tag and by digest, pull by tag and by digest, the media types the
// registry stores, validation failures, and what reaches the chain (one proxied batch_all).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SignedBlock } from '@polkadot/types/interfaces';
import { digestInfo, filterEvents, imageDigestCid, manifestDigest, submitTx } from '../../src/chain';
import { blobOf, digestOf, makeImage, ociErrors, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, pushManifest, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('manifests', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('pushes an image by tag in one proxied batch_all and pulls it back by tag and by digest', async () => {
    const image = makeImage([randomBlob(1024), randomBlob(300_000)]);
    const response = await pushImage(t.url, 'acme/web', '1.0', image);
    assert.equal(response.headers.get('docker-content-digest'), image.manifest.digest);
    assert.equal(response.headers.get('location'), `/v2/acme/web/manifests/${image.manifest.digest}`);

    const api = t.chain.api;
    assert.equal((await manifestDigest(api, { repo: 'acme', image: 'web', tag: '1.0' }))?.text, image.manifest.digest);
    const manifestCid = (await imageDigestCid(api, 'web', image.manifest.digest))?.text;
    assert.ok(manifestCid?.startsWith('baf'));
    for (const blob of [image.config, ...image.layers]) {
      const info = await digestInfo(api, blob.digest);
      assert.equal(info?.digestType, 'File');
    }

    // The gateway's one extrinsic: Proxy.proxy(//Alice, NonTransfer, Utility.batch_all([...])),
    // in the newest block that holds one (an empty block may follow it, to finalize it).
    const gatewayExtrinsics = (block: SignedBlock) => block.block.extrinsics.filter((x) => x.isSigned && x.signer.toString() === t.keys.gateway.address);
    let head = await api.rpc.chain.getBlock();
    while (gatewayExtrinsics(head).length === 0 && head.block.header.number.toNumber() > 0) head = await api.rpc.chain.getBlock(head.block.header.parentHash);
    const ours = gatewayExtrinsics(head);
    assert.equal(ours.length, 1);
    const call = api.registry.createType('Call', ours[0].method.toU8a());
    assert.equal(`${call.section}.${call.method}`, 'proxy.proxy');
    const args = call.args as unknown as [{ toString(): string }, { toString(): string }, { section: string; method: string; args: unknown[] }];
    assert.equal(args[0].toString(), t.keys.alice.address);
    assert.equal(args[1].toString(), 'NonTransfer');
    assert.equal(`${args[2].section}.${args[2].method}`, 'utility.batchAll');
    const events = (await (await api.at(head.block.hash)).query.system.events()) as unknown as Parameters<typeof filterEvents>[0];
    assert.equal(filterEvents(events, 'containerRegistry', 'DigestInfoStored').length, 3);
    assert.equal(filterEvents(events, 'containerRegistry', 'ManifestDigestUpdated').length, 1);

    for (const reference of ['1.0', image.manifest.digest]) {
      const pulled = await fetch(`${t.url}/v2/acme/web/manifests/${reference}`);
      assert.equal(pulled.status, 200);
      assert.equal(pulled.headers.get('content-type'), OCI_MANIFEST);
      assert.equal(pulled.headers.get('docker-content-digest'), image.manifest.digest);
      assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), image.manifest.bytes);
      const head = await fetch(`${t.url}/v2/acme/web/manifests/${reference}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(image.manifest.size));
    }
  });

  it('a replica with its own data dir pulls through chain storage alone', async () => {
    const image = makeImage([randomBlob(2048)]);
    await pushImage(t.url, 'acme/replicated', 'v1', image);
    const replica = await t.startReplica();
    const manifest = await fetch(`${replica.url}/v2/acme/replicated/manifests/v1`);
    assert.equal(manifest.status, 200);
    assert.deepEqual(Buffer.from(await manifest.arrayBuffer()), image.manifest.bytes);
    const layer = await fetch(`${replica.url}/v2/acme/replicated/blobs/${image.layers[0].digest}`);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);
  });

  it('pushes a Docker schema 2 manifest and serves it with its own media type, and refuses one without the mediaType its format requires', async () => {
    const layer = randomBlob(500);
    const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux', docker: true }));
    const type = 'application/vnd.docker.distribution.manifest.v2+json';
    const manifest = blobOf(JSON.stringify({
      schemaVersion: 2,
      mediaType: type,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer.digest, size: layer.size }],
    }));
    for (const blob of [config, layer]) assert.equal((await pushBlob(t.url, 'acme/docker', blob)).status, 201);
    assert.equal((await pushManifest(t.url, 'acme/docker', 'latest', manifest, type)).status, 201);
    const pulled = await fetch(`${t.url}/v2/acme/docker/manifests/latest`);
    assert.equal(pulled.headers.get('content-type'), type);
    // Without the field the format requires, a replica (or this gateway after a restart) would
    // read the same bytes as OCI: refused, naming the fix.
    const { mediaType: _dropped, ...fieldless } = JSON.parse(Buffer.from(manifest.bytes).toString()) as Record<string, unknown>;
    const refused = await pushManifest(t.url, 'acme/docker', 'fieldless', blobOf(JSON.stringify(fieldless)), type);
    assert.equal(refused.status, 400);
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, /has no "mediaType": add "mediaType": "application\/vnd\.docker\.distribution\.manifest\.v2\+json"/);
  });

  it('takes the media type from Content-Type when the manifest has none (umoci)', async () => {
    const layer = randomBlob(100);
    const config = blobOf('{"os":"linux","architecture":"arm64"}');
    const manifest = blobOf(JSON.stringify({ schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }] }));
    for (const blob of [config, layer]) await pushBlob(t.url, 'acme/umoci', blob);
    assert.equal((await pushManifest(t.url, 'acme/umoci', 'v1', manifest, OCI_MANIFEST)).status, 201);
    const pulled = await fetch(`${t.url}/v2/acme/umoci/manifests/v1`);
    assert.equal(pulled.headers.get('content-type'), OCI_MANIFEST);
  });

  it('pushes a multi-arch index whose children are pushed by digest, without moving any tag', async () => {
    const amd = makeImage([randomBlob(700)]);
    const arm = makeImage([randomBlob(800)]);
    for (const image of [amd, arm]) await pushImage(t.url, 'acme/multi', image.manifest.digest, image);
    // Children pushed by digest are recorded as Json digest info; no tag "latest" appears.
    assert.equal((await digestInfo(t.chain.api, amd.manifest.digest))?.digestType, 'Json');
    assert.equal(await manifestDigest(t.chain.api, { repo: 'acme', image: 'multi' }), undefined);

    const index = blobOf(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: amd.manifest.digest, size: amd.manifest.size, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, digest: arm.manifest.digest, size: arm.manifest.size, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    }));
    assert.equal((await pushManifest(t.url, 'acme/multi', 'v2', index, OCI_INDEX)).status, 201);
    const pulled = await fetch(`${t.url}/v2/acme/multi/manifests/v2`);
    assert.equal(pulled.headers.get('content-type'), OCI_INDEX);
    const child = await fetch(`${t.url}/v2/acme/multi/manifests/${arm.manifest.digest}`);
    assert.equal(child.status, 200);
    assert.deepEqual(Buffer.from(await child.arrayBuffer()), arm.manifest.bytes);
  });

  it('pushes a Docker manifest list and serves it with its media type', async () => {
    const child = makeImage([randomBlob(300)]);
    await pushImage(t.url, 'acme/dlist', child.manifest.digest, child);
    const type = 'application/vnd.docker.distribution.manifest.list.v2+json';
    const list = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: type, manifests: [{ mediaType: OCI_MANIFEST, digest: child.manifest.digest, size: child.manifest.size, platform: { architecture: 'amd64', os: 'linux' } }] }));
    assert.equal((await pushManifest(t.url, 'acme/dlist', 'v1', list, type)).status, 201);
    const pulled = await fetch(`${t.url}/v2/acme/dlist/manifests/v1`);
    assert.equal(pulled.headers.get('content-type'), type);
    assert.equal(pulled.headers.get('docker-content-digest'), list.digest);
  });

  it('refuses an index whose child manifests were never pushed', async () => {
    const missing = makeImage([randomBlob(10)]);
    const index = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: missing.manifest.digest, size: missing.manifest.size }] }));
    const response = await pushManifest(t.url, 'acme/dlist', 'broken', index, OCI_INDEX);
    assert.equal(response.status, 400);
    assert.equal((await ociErrors(response))[0].code, 'MANIFEST_BLOB_UNKNOWN');
  });

  it('refuses a manifest whose blobs were never pushed, and records nothing', async () => {
    const image = makeImage([randomBlob(64)]);
    await pushBlob(t.url, 'acme/partial', image.config);
    const response = await pushManifest(t.url, 'acme/partial', 'v1', image.manifest);
    assert.equal(response.status, 400);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(error.message, new RegExp(image.layers[0].digest));
    assert.equal(await manifestDigest(t.chain.api, { repo: 'acme', image: 'partial', tag: 'v1' }), undefined);
  });

  it('names the first missing blobs of a manifest that lacks thousands, not every one', async () => {
    const image = makeImage(Array.from({ length: 3000 }, (_, i) => blobOf(`never pushed ${i}`)));
    const response = await pushManifest(t.url, 'acme/partial', 'many', image.manifest);
    assert.equal(response.status, 400);
    const text = await response.text();
    assert.ok(text.length < 20_000, `the refusal is ${text.length} bytes`);
    const [error] = (JSON.parse(text) as { errors: { code: string; message: string; detail: unknown[] }[] }).errors;
    assert.equal(error.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(error.message, /references 3001 blob\(s\) or manifest\(s\) that acme\/partial does not have \(sha256:[0-9a-f]{64}(, sha256:[0-9a-f]{64}){9} and 2991 more\): push them/);
    assert.equal(error.detail.length, 100);
  });

  it('takes a tag whose chain record is no sha256 digest ("../../leak") for no tag, echoing nothing of it', async () => {
    const api = t.chain.api;
    for (const [tag, digest] of [['dots', '../../leak'], ['long', `sha256:${'a'.repeat(2000)}`]]) {
      await submitTx(api, api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('acme', 'junk', tag, digest, 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'), t.keys.alice);
      const response = await fetch(`${t.url}/v2/acme/junk/manifests/${tag}`, { headers: { Accept: OCI_MANIFEST } });
      assert.equal(response.status, 404);
      const [error] = await ociErrors(response);
      assert.equal(error.code, 'MANIFEST_UNKNOWN');
      assert.ok(!error.message.includes(digest.slice(0, 20)), `the answer echoes the record: ${error.message}`);
      assert.match(error.message, new RegExp(`\\b${tag}\\b`));
    }
  });

  it('refuses a manifest pushed under a digest that is not its own', async () => {
    const image = makeImage([randomBlob(64)]);
    for (const blob of [image.config, ...image.layers]) await pushBlob(t.url, 'acme/wrong', blob);
    const response = await pushManifest(t.url, 'acme/wrong', digestOf('something else'), image.manifest);
    assert.equal(response.status, 400);
    assert.equal((await ociErrors(response))[0].code, 'DIGEST_INVALID');
  });

  it('refuses invalid manifests with MANIFEST_INVALID', async () => {
    const cases: [string, string][] = [
      ['not json', OCI_MANIFEST],
      ['{"schemaVersion":1}', OCI_MANIFEST],
      ['{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}', OCI_MANIFEST],
      ['{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}', OCI_MANIFEST],
      ['{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:zz","size":1},"layers":[]}', OCI_MANIFEST],
      ['{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:' + 'a'.repeat(64) + '","size":-1},"layers":[]}', OCI_MANIFEST],
      ['{"schemaVersion":1,"name":"x"}', 'application/vnd.docker.distribution.manifest.v1+prettyjws'],
      ['[]', OCI_MANIFEST],
    ];
    for (const [body, type] of cases) {
      const response = await pushManifest(t.url, 'acme/invalid', 'v1', blobOf(body), type);
      assert.equal(response.status, 400, body);
      assert.equal((await ociErrors(response))[0].code, 'MANIFEST_INVALID', body);
    }
  });

  it('refuses manifests over the size limit with 413', async () => {
    const big = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [], annotations: { pad: 'x'.repeat(4 * 1024 * 1024) } }));
    const response = await pushManifest(t.url, 'acme/big', 'v1', big, OCI_INDEX);
    assert.equal(response.status, 413);
    assert.equal((await ociErrors(response))[0].code, 'SIZE_INVALID');
  });

  it('answers MANIFEST_UNKNOWN for unknown tags and digests, and UNSUPPORTED for DELETE', async () => {
    const byTag = await fetch(`${t.url}/v2/acme/web/manifests/nope`);
    assert.equal(byTag.status, 404);
    assert.equal((await ociErrors(byTag))[0].code, 'MANIFEST_UNKNOWN');
    const byDigest = await fetch(`${t.url}/v2/acme/web/manifests/${digestOf('nothing')}`);
    assert.equal(byDigest.status, 404);
    assert.equal((await ociErrors(byDigest))[0].code, 'MANIFEST_UNKNOWN');
    const head = await fetch(`${t.url}/v2/acme/web/manifests/nope`, { method: 'HEAD' });
    assert.equal(head.status, 404);
    const removed = await fetch(`${t.url}/v2/acme/web/manifests/1.0`, { method: 'DELETE' });
    assert.equal(removed.status, 405);
    const [error] = await ociErrors(removed);
    assert.equal(error.code, 'UNSUPPORTED');
    assert.match(error.message, /chain/);
  });

  it('answers NAME_UNKNOWN when the space does not exist', async () => {
    const image = makeImage([randomBlob(10)]);
    const response = await pushBlob(t.url, 'nospace/web', image.config);
    assert.equal(response.status, 404);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'NAME_UNKNOWN');
    assert.match(error.message, /create/);
  });
});
