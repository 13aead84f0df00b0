// The gateway's memory of verified manifests: a manifest remembered again (pushed again, or read
// by two requests at once) takes its place once, so the cache keeps holding what fits in it.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseName } from '../../src/gateway/oci/reference';
import type { Resolver } from '../../src/gateway/resolve/resolver';
import { type VerifiedManifest, VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import type { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';

function manifestOf(bytes: Buffer): VerifiedManifest {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return { digest, cid: 'bafkreiexample', bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json', parsed: { mediaType: 'application/vnd.oci.image.manifest.v1+json', kind: 'image', blobs: [], children: [] } };
}

test('a manifest remembered many times counts once, and the manifests that fit stay remembered', async () => {
  // Nothing is read from the chain or IPFS here: a manifest not remembered is a failure.
  const resolver = { manifestCandidates: async () => assert.fail('a remembered manifest was looked for again') } as unknown as Resolver;
  const content = new VerifiedContent({ store: {} as GatewayBlobStore, verified: {} as VerifiedPairs, resolver, cache: {} as BlobCache, manifestLimit: 4 * 1024 * 1024 });
  const again = manifestOf(randomBytes(1024 * 1024));
  for (let i = 0; i < 100; i++) content.remember(again);
  // 30 MiB of other manifests, within the 32 MiB kept.
  const others = Array.from({ length: 29 }, () => manifestOf(randomBytes(1024 * 1024)));
  for (const manifest of others) content.remember(manifest);
  const name = parseName('acme/web');
  for (const manifest of [again, ...others]) assert.equal(await content.manifest(name, manifest.digest), manifest);
});
