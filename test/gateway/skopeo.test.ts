// skopeo end to end, through the token flow with a login token as the password: a multi-layer
// image built with umoci (busybox + 1 KiB, 5 MiB and 50 MiB random layers) pushed and pulled
// back byte-identical, inspect, list-tags, a multi-arch index, and an artifact with a subject
// found through the referrers API. Skips when skopeo or umoci is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginToken } from '../../src/gateway';
import { buildImage, type LayoutManifest, readBlob, tagInLayout, writeBlob } from './helpers/oci-layout';
import { missingTools, run } from './helpers/tools';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const skip = missingTools(['skopeo', 'umoci', 'tar', 'busybox'], 'skopeo umoci busybox-static');
if (skip) console.log(`skopeo tests skipped: ${skip}`);

describe('skopeo', { skip }, () => {
  let t: TestGateway;
  let work: string;
  let layout: string;
  let image: LayoutManifest;
  let creds: string;
  let host: string;

  before(async () => {
    t = await startTestGateway({ auth: {} });
    work = mkdtempSync(join(tmpdir(), 'hcr-skopeo-'));
    layout = join(work, 'layout');
    image = await buildImage(work, layout, 'v1', { randomSizes: [1024, 5 * 1024 * 1024, 50 * 1024 * 1024] });
    creds = `${t.keys.alice.address}:${await createLoginToken(t.keys.alice, t.gateway.service)}`;
    host = new URL(t.url).host;
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 300_000 });

  it('pushes a multi-layer image and pulls it back byte-identical', async () => {
    await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:v1`, `docker://${host}/acme/busybox:v1`);
    const out = join(work, 'pulled');
    await skopeo('copy', '--src-tls-verify=false', `docker://${host}/acme/busybox:v1`, `dir:${out}`);
    const manifestBytes = readBlob(layout, image.digest);
    assert.deepEqual(readFileSync(join(out, 'manifest.json')), manifestBytes);
    const manifest = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: { digest: string; size: number }[] };
    assert.equal(manifest.layers.length, 4);
    for (const descriptor of [manifest.config, ...manifest.layers]) {
      const hex = descriptor.digest.slice(7);
      assert.deepEqual(readFileSync(join(out, hex)), readBlob(layout, descriptor.digest), descriptor.digest);
    }
    assert.equal(readdirSync(out).filter((f) => /^[0-9a-f]{64}$/.test(f)).length, 5);
  });

  it('inspects the image, raw and parsed, and lists its tags', async () => {
    const parsed = JSON.parse((await skopeo('inspect', '--tls-verify=false', `docker://${host}/acme/busybox:v1`)).stdout) as { Digest: string; Layers: string[]; Architecture: string; Os: string };
    assert.equal(parsed.Digest, image.digest);
    assert.equal(parsed.Layers.length, 4);
    assert.equal(parsed.Architecture, 'amd64');
    const raw = (await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/acme/busybox:v1`)).stdout;
    assert.equal(raw, readBlob(layout, image.digest).toString());
    const tags = JSON.parse((await skopeo('list-tags', '--tls-verify=false', `docker://${host}/acme/busybox`)).stdout) as { Repository: string; Tags: string[] };
    assert.deepEqual(tags.Tags, ['v1']);
  });

  it('pushes and pulls a multi-arch index', async () => {
    const arm = await buildImage(work, layout, 'arm', { randomSizes: [2048], architecture: 'arm64' });
    const index = tagInLayout(layout, 'multi', 'application/vnd.oci.image.index.v1+json', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...image, platform: { architecture: 'amd64', os: 'linux' } },
        { ...arm, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    });
    await skopeo('copy', '--all', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:multi`, `docker://${host}/acme/busybox:multi`);
    const raw = (await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${host}/acme/busybox:multi`)).stdout;
    assert.equal(raw, readBlob(layout, index.digest).toString());
    const out = join(work, 'pulled-multi');
    await skopeo('copy', '--all', '--src-tls-verify=false', `docker://${host}/acme/busybox:multi`, `oci:${out}:multi`);
    assert.deepEqual(readBlob(out, arm.digest), readBlob(layout, arm.digest));
    const armParsed = JSON.parse((await skopeo('inspect', '--override-arch', 'arm64', '--tls-verify=false', `docker://${host}/acme/busybox:multi`)).stdout) as { Digest: string; Architecture: string };
    assert.equal(armParsed.Architecture, 'arm64');
    const tags = JSON.parse((await skopeo('list-tags', '--tls-verify=false', `docker://${host}/acme/busybox`)).stdout) as { Tags: string[] };
    assert.deepEqual(tags.Tags.sort(), ['multi', 'v1']);
  });

  it('pushes an artifact with a subject, found through the referrers API', async () => {
    const empty = writeBlob(layout, '{}');
    const payload = writeBlob(layout, JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'busybox' }));
    const artifact = tagInLayout(layout, 'sbom', 'application/vnd.oci.image.manifest.v1+json', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/spdx+json',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', ...empty },
      layers: [{ mediaType: 'application/spdx+json', ...payload }],
      subject: image,
    });
    await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', creds, `oci:${layout}:sbom`, `docker://${host}/acme/busybox:sbom`);
    const response = await fetch(`${t.url}/v2/acme/busybox/referrers/${image.digest}?artifactType=application/spdx%2Bjson`);
    const referrers = (await response.json()) as { manifests: { digest: string; artifactType: string }[] };
    assert.deepEqual(referrers.manifests.map((m) => [m.digest, m.artifactType]), [[artifact.digest, 'application/spdx+json']]);
  });
});
