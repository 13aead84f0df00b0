// Discovery: tag lists with n/last pagination, the catalog, and the referrers API with its
// artifactType filter; each answered through chain storage when there is no index.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { blobOf, digestOf, json, makeImage, ociErrors, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, pushManifest, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('tags, catalog and referrers', () => {
  let t: TestGateway;
  const image = makeImage([randomBlob(256)]);
  before(async () => {
    t = await startTestGateway();
    for (const tag of ['v3', 'v1', 'latest', 'v2']) await pushImage(t.url, 'acme/listed', tag, image);
    await pushImage(t.url, 'acme/other', 'one', makeImage([randomBlob(16)]));
  });
  after(async () => {
    await t?.close();
  });

  it('lists tags sorted, and pages them with n and last and a Link header', async () => {
    let response = await fetch(`${t.url}/v2/acme/listed/tags/list`);
    assert.deepEqual(await json(response), { name: 'acme/listed', tags: ['latest', 'v1', 'v2', 'v3'] });
    response = await fetch(`${t.url}/v2/acme/listed/tags/list?n=2`);
    assert.deepEqual((await json(response)).tags, ['latest', 'v1']);
    assert.equal(response.headers.get('link'), '</v2/acme/listed/tags/list?n=2&last=v1>; rel="next"');
    response = await fetch(`${t.url}/v2/acme/listed/tags/list?n=2&last=v1`);
    assert.deepEqual((await json(response)).tags, ['v2', 'v3']);
    assert.equal(response.headers.get('link'), null);
    response = await fetch(`${t.url}/v2/acme/listed/tags/list?n=0`);
    assert.deepEqual((await json(response)).tags, []);
  });

  it('lists tags from chain storage on a replica that pushed nothing', async () => {
    const replica = await t.startReplica();
    const response = await fetch(`${replica.url}/v2/acme/listed/tags/list`);
    assert.deepEqual((await json(response)).tags, ['latest', 'v1', 'v2', 'v3']);
    const catalog = await fetch(`${replica.url}/v2/_catalog`);
    assert.deepEqual((await json(catalog)).repositories, ['acme/listed', 'acme/other']);
  });

  it('refuses a bad n, and answers NAME_UNKNOWN for an image without tags', async () => {
    const bad = await fetch(`${t.url}/v2/acme/listed/tags/list?n=abc`);
    assert.equal(bad.status, 400);
    assert.equal((await ociErrors(bad))[0].code, 'PAGINATION_NUMBER_INVALID');
    const unknown = await fetch(`${t.url}/v2/acme/none/tags/list`);
    assert.equal(unknown.status, 404);
    assert.equal((await ociErrors(unknown))[0].code, 'NAME_UNKNOWN');
  });

  it('lists no tags, with 200, for a repository whose manifests were pushed by digest only', async () => {
    // After the NAME_UNKNOWN case: a manifest pushed by digest is recorded for the space (the
    // chain keeps no image for it), so every repository of the space holds it from then on.
    const byDigest = makeImage([randomBlob(64)]);
    assert.equal((await pushImage(t.url, 'acme/digest-only', byDigest.manifest.digest, byDigest)).status, 201);
    const response = await fetch(`${t.url}/v2/acme/digest-only/tags/list`);
    assert.equal(response.status, 200);
    assert.deepEqual(await json(response), { name: 'acme/digest-only', tags: [] });
  });

  it('lists the catalog with pagination', async () => {
    let response = await fetch(`${t.url}/v2/_catalog`);
    assert.deepEqual((await json(response)).repositories, ['acme/listed', 'acme/other']);
    response = await fetch(`${t.url}/v2/_catalog?n=1`);
    assert.deepEqual((await json(response)).repositories, ['acme/listed']);
    assert.equal(response.headers.get('link'), '</v2/_catalog?n=1&last=acme%2Flisted>; rel="next"');
  });

  it('finds artifacts by subject through the referrers API, filtered by artifactType', async () => {
    const empty = blobOf('{}');
    await pushBlob(t.url, 'acme/listed', empty);
    const subject = { mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size };
    const artifact = (type: string, payload: string) => {
      const layer = blobOf(payload);
      return {
        layer,
        manifest: blobOf(JSON.stringify({
          schemaVersion: 2,
          mediaType: OCI_MANIFEST,
          artifactType: type,
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
          layers: [{ mediaType: 'text/plain', digest: layer.digest, size: layer.size }],
          subject,
          annotations: { 'org.example.note': payload },
        })),
      };
    };
    const sbom = artifact('application/spdx+json', 'sbom of listed');
    const signature = artifact('application/vnd.example.signature', 'signature of listed');
    for (const a of [sbom, signature]) {
      await pushBlob(t.url, 'acme/listed', a.layer);
      const response = await pushManifest(t.url, 'acme/listed', a.manifest.digest, a.manifest);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('oci-subject'), image.manifest.digest);
    }

    let response = await fetch(`${t.url}/v2/acme/listed/referrers/${image.manifest.digest}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), OCI_INDEX);
    let index = await json(response);
    assert.equal(index.mediaType, OCI_INDEX);
    assert.deepEqual(index.manifests.map((m: { digest: string }) => m.digest).sort(), [sbom.manifest.digest, signature.manifest.digest].sort());
    const listed = index.manifests.find((m: { digest: string }) => m.digest === sbom.manifest.digest);
    assert.deepEqual(listed, { mediaType: OCI_MANIFEST, digest: sbom.manifest.digest, size: sbom.manifest.size, artifactType: 'application/spdx+json', annotations: { 'org.example.note': 'sbom of listed' } });

    response = await fetch(`${t.url}/v2/acme/listed/referrers/${image.manifest.digest}?artifactType=application/spdx%2Bjson`);
    assert.equal(response.headers.get('oci-filters-applied'), 'artifactType');
    index = await json(response);
    assert.deepEqual(index.manifests.map((m: { digest: string }) => m.digest), [sbom.manifest.digest]);

    // A replica without the index lists none: chain storage does not say who recorded a manifest
    // by digest, so anyone's could be listed as the owner's (test/gateway/trust.test.ts shows a
    // replica with the index listing them).
    const replica = await t.startReplica();
    index = await json(await fetch(`${replica.url}/v2/acme/listed/referrers/${image.manifest.digest}`));
    assert.deepEqual(index.manifests, []);

    response = await fetch(`${t.url}/v2/acme/listed/referrers/${digestOf('no referrers')}`);
    assert.deepEqual((await json(response)).manifests, []);
    response = await fetch(`${t.url}/v2/acme/listed/referrers/sha256:bad`);
    assert.equal(response.status, 400);
    assert.equal((await ociErrors(response))[0].code, 'DIGEST_INVALID');
  });
});
