// A CID recorded for a manifest whose content no store here can serve as a file (a DAG deeper
// than any import makes: InvalidCidError) is no manifest "still propagating": a CID names its
// content for good, so retrying cannot help. A manifest read marks the pair as blob reads do,
// passes it over for the next candidate, and with none left answers a 404 naming each CID and
// why. An outage marks nothing and stays the retryable answer it was.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BlobStoreUnavailableError, EmbeddedBlobStore } from '../../src/ipfs';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { parseName } from '../../src/gateway/oci/reference';
import type { Candidate, Resolver } from '../../src/gateway/resolve/resolver';
import { VerifiedContent } from '../../src/gateway/resolve/verified-content';
import type { BlobCache } from '../../src/gateway/storage/blob-cache';
import type { GatewayBlobStore } from '../../src/gateway/storage/blob-store';
import { VerifiedPairs } from '../../src/gateway/storage/verified-pairs';
import { deepChain } from '../ipfs/helpers/deep-chain';
import type { GatewayContext } from '../../src/gateway/context';
import { instrumentGatewayContext } from '../../src/observability/gateway-hooks';
import { GatewayMetrics } from '../../src/observability/gateway-metrics';

const LEVELS = 200;

/** An OCI image manifest padded with trailing spaces to a byte a level of a too-deep chain and more. */
function manifestBytes(): Buffer {
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 };
  const json = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [] });
  return Buffer.from(json.padEnd(Math.max(json.length, (LEVELS + 1) * 2), ' '));
}

describe('a manifest CID whose content is unusable', () => {
  let store: EmbeddedBlobStore;
  let work: string;
  let bytes: Buffer;
  let digest: string;
  /** The manifest's bytes as a chain 200 levels deep, and as the importer adds them. */
  let deep: string;
  let good: string;
  /** A CID no store here has (content still propagating, as far as anyone can tell). */
  let absent: string;
  let pairs = 0;
  const name = parseName('acme/web');
  const stranger = { source: 'a stranger\'s record' };

  before(async () => {
    bytes = manifestBytes();
    digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    // Level i holds the i-th piece of the manifest: the chain's content is the manifest's bytes.
    const per = Math.floor(bytes.length / (LEVELS + 1));
    const piece = (level: number) => new Uint8Array(level === LEVELS ? bytes.subarray(level * per) : bytes.subarray(level * per, (level + 1) * per));
    const chain = await deepChain(LEVELS, piece);
    assert.deepEqual(Buffer.from(chain.content), bytes);
    work = mkdtempSync(join(tmpdir(), 'unusable-manifests-'));
    store = await EmbeddedBlobStore.open(join(work, 'ipfs'));
    await store.putBlockSet((async function* () { yield* chain.blocks; })());
    deep = chain.root.toString();
    good = (await store.put([bytes])).cid;
    // Another file's CID, taken from a store this test then throws away.
    const other = await EmbeddedBlobStore.open(join(work, 'other'));
    absent = (await other.put([Buffer.from('not here')])).cid;
    await other.close();
  });

  after(async () => {
    await store?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** VerifiedContent over the store, with `candidates` for the manifest, counting the store's reads. */
  function setUp(candidates: Candidate[], over?: (cid: string) => Promise<Readable>) {
    const reads: string[] = [];
    const counted = {
      stat: (cid: string) => store.stat(cid),
      get: (cid: string) => {
        reads.push(cid);
        return over ? over(cid) : store.get(cid);
      },
    } as unknown as GatewayBlobStore;
    const resolver = { manifestCandidates: async () => candidates } as unknown as Resolver;
    const verified = new VerifiedPairs(join(work, `pairs-${++pairs}.log`));
    const cache = { enabled: false, size: () => undefined } as unknown as BlobCache;
    return { reads, verified, content: new VerifiedContent({ store: counted, verified, resolver, cache, manifestLimit: 4 * 1024 * 1024 }) };
  }

  const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail('the manifest was served'), (error: Error) => error);

  it('with only an unusable CID, answers 404 naming the CID and why, not "may still be propagating"', async () => {
    const { verified, content } = setUp([{ cid: deep, ...stranger }]);
    const error = await failure(content.manifest(name, digest));
    const wire = toOciError(error);
    assert.equal(wire.status, 404);
    assert.equal(wire.code, 'MANIFEST_UNKNOWN');
    assert.match(error.message, new RegExp(deep));
    assert.match(error.message, /more than 128 levels deep/);
    assert.match(error.message, /push the manifest again/);
    assert.doesNotMatch(error.message, /propagating|retry/);
    assert.deepEqual((wire.detail as { unusable: { cid: string }[] }).unusable.map((u) => u.cid), [deep]);
    assert.equal(verified.isMismatch(digest, deep), true, 'the unusable pair is remembered');
  });

  it('counts an unusable CID on /metrics apart from content that failed its check', async () => {
    const { verified, content } = setUp([{ cid: deep, ...stranger }]);
    const metrics = new GatewayMetrics();
    instrumentGatewayContext({ verified, content, uploads: { startedBefore: async () => [] } } as unknown as GatewayContext, metrics);
    await failure(content.manifest(name, digest));
    const text = await metrics.registry.metrics();
    assert.match(text, /^hcr_gateway_unusable_cids_total 1$/m);
    assert.match(text, /^hcr_gateway_verification_failures_total 0$/m);
  });

  it('a later read passes the unusable CID over without walking it again, and still says why', async () => {
    const { reads, content } = setUp([{ cid: deep, ...stranger }]);
    await failure(content.manifest(name, digest));
    const before = reads.length;
    const error = await failure(content.manifest(name, digest));
    assert.equal(reads.length, before, 'the unusable CID was read again');
    assert.match(error.message, /more than 128 levels deep/);
    assert.doesNotMatch(error.message, /propagating/);
  });

  it('an unusable CID beside one IPFS does not have names both: the unusable one and why, the other as absent', async () => {
    const { content } = setUp([{ cid: deep, ...stranger }, { cid: absent, source: 'the owner\'s record' }]);
    const error = await failure(content.manifest(name, digest));
    assert.equal(toOciError(error).status, 404);
    assert.match(error.message, new RegExp(`${deep} from a stranger's record: .*more than 128 levels deep`));
    assert.match(error.message, new RegExp(`IPFS has none of the others \\(${absent}\\)`));
  });

  it('an unusable CID before a good one: the manifest is served from the good one', async () => {
    const { verified, content } = setUp([{ cid: deep, ...stranger }, { cid: good, source: 'the push' }]);
    const manifest = await content.manifest(name, digest);
    assert.equal(manifest.cid, good);
    assert.deepEqual(manifest.bytes, bytes);
    assert.equal(verified.isMismatch(digest, deep), true);
  });

  it('a read failing because IPFS is down marks nothing and stays the retryable outage', async () => {
    let down = true;
    const flaky = async (cid: string) => (down ? new Readable({ read() { this.destroy(new BlobStoreUnavailableError('IPFS API http://127.0.0.1:5001 is unreachable')); } }) : store.get(cid));
    const { verified, content } = setUp([{ cid: good, source: 'the push' }], flaky);
    const error = await failure(content.manifest(name, digest));
    assert.equal(toOciError(error).status, 503);
    assert.equal(verified.isMismatch(digest, good), false, 'an outage marked the pair');
    down = false;
    assert.equal((await content.manifest(name, digest)).cid, good);
  });

  it('a CID IPFS does not have is still the retry-later of content propagating', async () => {
    const { content } = setUp([{ cid: absent, source: 'the owner\'s record' }]);
    const error = await failure(content.manifest(name, digest));
    assert.match(error.message, /may still be propagating, retry later/);
  });
});
