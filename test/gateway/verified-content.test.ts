// The gateway's memory of verified manifests: a manifest remembered again (pushed again, or read
// by two requests at once) takes its place once, so the cache keeps holding what fits in it, and
// the least recently used goes first; the referrers facts of manifests read stay within their own
// bound.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
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

test('a manifest read again stays remembered when others come: the least recently used goes first', async () => {
  const lookedFor: string[] = [];
  const resolver = { manifestCandidates: async (_name: unknown, digest: string) => (lookedFor.push(digest), []) } as unknown as Resolver;
  const content = new VerifiedContent({ store: {} as GatewayBlobStore, verified: {} as VerifiedPairs, resolver, cache: {} as BlobCache, manifestLimit: 4 * 1024 * 1024 });
  const name = parseName('acme/web');
  // 32 MiB of manifests: as many as are kept.
  const kept = Array.from({ length: 32 }, () => manifestOf(randomBytes(1024 * 1024 - 64)));
  for (const manifest of kept) content.remember(manifest);
  assert.equal(await content.manifest(name, kept[0].digest), kept[0], 'the oldest, read again');
  content.remember(manifestOf(randomBytes(1024 * 1024)));
  assert.equal(await content.manifest(name, kept[0].digest), kept[0]);
  await assert.rejects(content.manifest(name, kept[1].digest), /no manifest/);
  assert.deepEqual(lookedFor, [kept[1].digest], 'only the least recently used was let go');
});

test('the referrers facts of manifests are kept within a bound: the most recent stay, the oldest are read again', async () => {
  // 48 manifests of 1 MiB of annotations each, more than the 32 MiB of manifests kept whole, read
  // from a store that counts its reads.
  const manifests = new Map<string, Buffer>();
  const digests: string[] = [];
  for (let i = 0; i < 48; i++) {
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 }, layers: [], annotations: { note: randomBytes(512 * 1024).toString('hex') } }));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    manifests.set(digest, bytes);
    digests.push(digest);
  }
  let reads = 0;
  const resolver = { manifestCandidates: async (_name: unknown, digest: string) => [{ cid: digest, source: 'a test record' }] } as unknown as Resolver;
  const store = { get: async (cid: string) => { reads += 1; return Readable.from([manifests.get(cid)!]); } } as unknown as GatewayBlobStore;
  const verified = { markVerified: () => undefined, markMismatch: () => undefined } as unknown as VerifiedPairs;
  // Room for the facts of about 12 of them (each takes about 2 MiB as UTF-16).
  const content = new VerifiedContent({ store, verified, resolver, cache: {} as BlobCache, manifestLimit: 4 * 1024 * 1024, factsCacheBytes: 24 * 1024 * 1024 });
  const name = parseName('acme/web');
  const factsOf = async (digest: string) => {
    const facts = await content.facts(name, digest);
    assert.equal(facts?.digest, digest);
    assert.equal(facts?.annotations?.note.length, 1024 * 1024);
  };
  for (const digest of digests) await factsOf(digest);
  assert.equal(reads, digests.length);
  // The most recent are answered from memory.
  reads = 0;
  for (const digest of digests.slice(-8)) await factsOf(digest);
  assert.equal(reads, 0, 'the facts of the latest manifests were read again');
  // The oldest were let go, by the manifests kept whole and by the facts: read again, and right.
  for (const digest of digests.slice(0, 8)) await factsOf(digest);
  assert.equal(reads, 8, 'the facts of every manifest ever read are kept');
});
