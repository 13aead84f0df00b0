// What the content indexer keeps of a manifest's bytes: which manifests are artifacts and of
// what kind, files with their titles, sizes, an index's platforms (attestations left out), and
// bytes that are no manifest refused with the reason.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { manifestFacts, NotAManifestError } from '../../src/content-index/manifest-facts';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const manifest = (config: string, extra: Record<string, unknown> = {}) => bytes({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: config, digest: digest('c'), size: 2 },
  layers: [
    { mediaType: 'application/octet-stream', digest: digest('a'), size: 3_000_000_000, annotations: { 'org.opencontainers.image.title': 'firmware.bin' } },
    { mediaType: 'text/plain', digest: digest('b'), size: 10 },
  ],
  ...extra,
});

describe('manifest facts', () => {
  test('an artifact: its artifactType, files with titles, and sizes past 2 GiB', () => {
    const facts = manifestFacts(manifest('application/vnd.oci.empty.v1+json', { artifactType: 'application/vnd.example.firmware.v1', annotations: { 'com.example.board': 'a' } }));
    assert.equal(facts.artifactType, 'application/vnd.example.firmware.v1');
    assert.equal(facts.kind, 'image');
    assert.equal(facts.totalSize, 3_000_000_012n);
    assert.deepEqual(facts.files?.map((f) => [f.title, f.size]), [['firmware.bin', '3000000000'], [null, '10']]);
    assert.deepEqual(facts.annotations, { 'com.example.board': 'a' });
  });

  test("a config of the artifact's own type names its kind; container images are no artifacts", () => {
    assert.equal(manifestFacts(manifest('application/vnd.cncf.helm.config.v1+json')).artifactType, 'application/vnd.cncf.helm.config.v1+json');
    assert.equal(manifestFacts(manifest('application/vnd.oci.image.config.v1+json')).artifactType, null);
    assert.equal(manifestFacts(manifest('application/vnd.docker.container.image.v1+json', { mediaType: 'application/vnd.docker.distribution.manifest.v2+json' })).artifactType, null);
    assert.equal(manifestFacts(manifest('application/vnd.oci.empty.v1+json')).artifactType, null);
  });

  test("an index: its children and platforms, buildx's attestations not counted as platforms", () => {
    const facts = manifestFacts(bytes({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('1'), size: 500, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('2'), size: 501, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('3'), size: 502, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    }));
    assert.equal(facts.kind, 'index');
    assert.deepEqual(facts.platforms, ['linux/amd64', 'linux/arm/v7']);
    assert.deepEqual(facts.children?.map((c) => c.platform), ['linux/amd64', 'linux/arm/v7', 'unknown/unknown']);
    assert.equal(facts.totalSize, null);
  });

  test('bytes that are no manifest are refused, saying why', () => {
    for (const [input, reason] of [
      [Buffer.from('plain text'), /not valid JSON/],
      [bytes({ schemaVersion: 1 }), /schemaVersion must be 2/],
      [bytes({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', layers: [] }), /must have a "config"/],
    ] as const) {
      assert.throws(() => manifestFacts(input), (error: Error) => error instanceof NotAManifestError && reason.test(error.message));
    }
  });
});
