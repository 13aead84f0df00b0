// A manifest may list thousands of references, and checking one costs a lookup (for a blob not
// verified yet, reading and hashing it; then a chain read). What can be refused without looking
// anything up is refused first: more references than one chain transaction could record, a child
// of an index that claims no manifest type; and references the repository does not hold are
// found (a cheap local question) before any is read. The recorder is real, against the dev chain;
// the repository and its content are counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { ChainRecorder } from '../../src/gateway/push/chain-recorder';
import { publishManifest } from '../../src/gateway/push/publish-manifest';
import { parseManifest } from '../../src/gateway/oci/manifest';
import { MEDIA_TYPES } from '../../src/gateway/oci/media-types';
import { parseName } from '../../src/gateway/oci/reference';
import { OciError } from '../../src/gateway/errors/oci-error';
import type { GatewayContext } from '../../src/gateway/context';
import { DigestHolds } from '../../src/gateway/storage/digest-holds';

let t: TestChain;
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });

before(async () => {
  t = await startTestChain();
});
after(async () => t.close());

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const layer = (i: number) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digest(i), size: 10 });

/** Counts every lookup a push makes; `held` says which digests the repository holds. */
function countingContext(held: (digest: string) => boolean) {
  const counts = { holds: 0, reads: 0, chainReads: 0 };
  const ctx = {
    recorder: new ChainRecorder(t.api, keyring.addFromUri('//Gateway')),
    contents: { holds: async (_name: unknown, d: string) => (counts.holds++, held(d)) },
    content: {
      blob: async () => (counts.reads++, { size: 10, cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' }),
      manifest: async () => {
        counts.reads++;
        throw new OciError('MANIFEST_UNKNOWN', 'unknown');
      },
      blobAsManifest: async () => {
        counts.reads++;
        throw new OciError('MANIFEST_UNKNOWN', 'unknown');
      },
    },
    chain: { digestInfo: async () => (counts.chainReads++, undefined) },
    local: { holds: new DigestHolds() },
    // Reached only once every check passed.
    store: {
      put: async () => {
        throw new Error('checks passed: storing the manifest');
      },
    },
  } as unknown as GatewayContext;
  return { ctx, counts };
}

function push(body: Record<string, unknown>, mediaType: string) {
  const bytes = Buffer.from(JSON.stringify(body));
  return {
    name: parseName('acme/app'),
    reference: { kind: 'tag' as const, tag: 'v1' } as { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string },
    digest: digest(999_999_999),
    bytes,
    mediaType,
    manifest: parseManifest(body as never, mediaType),
    permit: { space: { owner: keyring.addFromUri('//Alice').address } as never, account: undefined },
  };
}

const image = (layers: number) => push({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digest(0), size: 10 }, layers: Array.from({ length: layers }, (_, i) => layer(i + 1)) }, MEDIA_TYPES.ociManifest);

test('more references than one chain transaction could record are refused before any is looked up', async () => {
  const { ctx, counts } = countingContext(() => true);
  await assert.rejects(publishManifest(ctx, image(12_000)), (error: unknown) => {
    assert.ok(error instanceof OciError, String(error));
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, /up to 12001 digest record\(s\) and the tag .* up to 12002 calls, and the chain runs at most 10922 in one batch: nothing was recorded or paid for/);
    return true;
  });
  assert.deepEqual(counts, { holds: 0, reads: 0, chainReads: 0 });
});

test('a reference the repository does not hold is refused before any other is read and hashed', async () => {
  const missing = digest(3_000);
  const { ctx, counts } = countingContext((d) => d !== missing);
  await assert.rejects(publishManifest(ctx, image(3_000)), (error: unknown) => {
    assert.ok(error instanceof OciError, String(error));
    assert.equal(error.code, 'MANIFEST_BLOB_UNKNOWN');
    assert.match(error.message, new RegExp(`references 1 blob\\(s\\) or manifest\\(s\\) that acme/app does not have \\(${missing}\\)`));
    return true;
  });
  assert.equal(counts.reads, 0, 'no blob was read');
  assert.equal(counts.chainReads, 0, 'no chain record was read');
});

test('an index child that claims no manifest type is refused before any lookup', async () => {
  const manifests = Array.from({ length: 2_000 }, (_, i) => ({ mediaType: MEDIA_TYPES.ociManifest as string, digest: digest(i + 1), size: 10 }));
  manifests.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digest(5_000), size: 10 });
  const { ctx, counts } = countingContext(() => true);
  await assert.rejects(publishManifest(ctx, push({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }, MEDIA_TYPES.ociIndex)), (error: unknown) => {
    assert.ok(error instanceof OciError, String(error));
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, /manifests\[2000\] has media type "application\/vnd.oci.image.layer.v1.tar", which is no manifest type/);
    return true;
  });
  assert.deepEqual(counts, { holds: 0, reads: 0, chainReads: 0 });
});

test('a manifest within the bounds goes through every check, also pushed by digest without a tag', async () => {
  const { ctx, counts } = countingContext(() => true);
  const byDigest = { ...image(3), reference: { kind: 'digest' as const, digest: digest(999_999_999) } };
  await assert.rejects(publishManifest(ctx, byDigest), /checks passed: storing the manifest/);
  assert.deepEqual(counts, { holds: 4, reads: 4, chainReads: 4 });
});
