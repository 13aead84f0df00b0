// A space owner cannot make every referrers request cost a lookup of thousands of made-up
// manifests. Recording an OCI index on chain whose children exist nowhere makes each child a
// manifest of the repository; the referrers API looked up every one of them on every request,
// one after another, and never remembered a failure (a local read and chain reads each, for
// anonymous callers). Now failed lookups are remembered for a minute, a request looks up at most
// MAX_REFERRER_LOOKUPS unknown manifests (the rest is linked as the next page), and honest
// referrers are still listed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { addManifest, submitTx } from '../../src/chain';
import { parseName } from '../../src/gateway/oci/reference';
import { blobOf, json, makeImage, OCI_INDEX, OCI_MANIFEST, pushBlob, pushImage, pushManifest, randomBlob, type Blob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

/** Made-up children of the flooding index: far more than one request may look up. */
const CHILDREN = 3_000;
/** What one request may look up (src/gateway/handlers/referrers.ts MAX_REFERRER_LOOKUPS). */
const MAX_LOOKUPS = 512;
/** Per-digest chain reads one manifest lookup makes (ImageDigestToCid and DigestInfoStorage). */
const READS_PER_LOOKUP = 2;

describe('referrers of a repository whose owner recorded an index of thousands of made-up manifests', () => {
  let t: TestGateway;
  const image = makeImage([randomBlob(256)]);
  const empty = blobOf('{}');
  let reads = 0;

  const artifact = (type: string, payload: string): { layer: Blob; manifest: Blob } => {
    const layer = blobOf(payload);
    const manifest = blobOf(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: type,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: empty.digest, size: empty.size },
      layers: [{ mediaType: 'text/plain', digest: layer.digest, size: layer.size }],
      subject: { mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size },
    }));
    return { layer, manifest };
  };
  const pushArtifact = async (a: { layer: Blob; manifest: Blob }) => {
    await pushBlob(t.url, 'acme/app', a.layer);
    assert.equal((await pushManifest(t.url, 'acme/app', a.manifest.digest, a.manifest)).status, 201);
  };
  const sbom = artifact('application/spdx+json', 'sbom of app');
  const signature = artifact('application/vnd.example.signature', 'signature of app');

  /** Every page of the referrers answer, following `Link: <…>; rel="next"` as clients do. */
  const referrers = async (query = ''): Promise<{ digests: string[]; pages: number; reads: number }> => {
    const before = reads;
    const digests: string[] = [];
    let url: string | undefined = `${t.url}/v2/acme/app/referrers/${image.manifest.digest}${query}`;
    let pages = 0;
    while (url) {
      const response = await fetch(url);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), OCI_INDEX);
      pages += 1;
      digests.push(...(await json(response)).manifests.map((m: { digest: string }) => m.digest));
      const link = response.headers.get('link');
      if (link) {
        const match = /^<([^>]+)>; rel="next"$/.exec(link);
        assert.ok(match, `a spec Link header: ${link}`);
        url = new URL(match[1], url).toString();
      } else url = undefined;
      assert.ok(pages <= CHILDREN, 'the pages end');
    }
    return { digests: digests.sort(), pages, reads: reads - before };
  };

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/app', '1.0', image);
    await pushBlob(t.url, 'acme/app', empty);
    await pushArtifact(sbom);
    // Alice, who owns acme, records on chain an index of CHILDREN manifests that exist nowhere.
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: Array.from({ length: CHILDREN }, () => ({ mediaType: OCI_MANIFEST, digest: `sha256:${randomBytes(32).toString('hex')}`, size: 500 })),
    }));
    const cid = (await t.store.put([index])).cid;
    await submitTx(t.chain.api, addManifest(t.chain.api, { repo: 'acme', image: 'app', tag: 'flood', digest: blobOf(index).digest, cid }), t.keys.alice);
    // Count the per-digest chain reads the gateway makes from here on.
    const chain = t.gateway.gateway.context.resolver.chain as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const method of ['imageManifestCid', 'digestInfo']) {
      const original = chain[method].bind(chain);
      chain[method] = (...args: unknown[]) => {
        reads += 1;
        return original(...args);
      };
    }
    // The repository now holds the made-up manifests (the walk reads the chain's tags).
    const name = parseName('acme/app');
    const deadline = Date.now() + 60_000;
    while ((await t.gateway.gateway.context.contents.manifests(name)).length < CHILDREN) {
      assert.ok(Date.now() < deadline, 'the flooding index is walked');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  after(async () => {
    await t?.close();
  });

  it('looks up a bounded number of manifests per request, and each failed one once', async () => {
    const cold = await referrers();
    assert.deepEqual(cold.digests, [sbom.manifest.digest]);
    // Whatever the walk left unknown is looked up at most MAX_LOOKUPS per page, each once.
    assert.ok(cold.reads <= CHILDREN * READS_PER_LOOKUP, `${cold.reads} chain reads for ${CHILDREN} made-up manifests`);
    assert.ok(cold.reads <= cold.pages * MAX_LOOKUPS * READS_PER_LOOKUP, `${cold.reads} chain reads over ${cold.pages} pages`);
    // Asked again and again (past the walk's interval too), nothing is looked up again.
    let again = 0;
    for (let i = 0; i < 6; i++) {
      if (i === 3) await new Promise((resolve) => setTimeout(resolve, 2_500));
      const warm = await referrers();
      assert.deepEqual(warm.digests, [sbom.manifest.digest]);
      assert.equal(warm.pages, 1, 'a known repository answers in one page');
      again += warm.reads;
    }
    assert.ok(again <= 10, `${again} chain reads for 6 more requests (without the bound: ${6 * CHILDREN * READS_PER_LOOKUP})`);
  });

  it('still lists honest referrers at once, filtered by artifactType', async () => {
    await pushArtifact(signature);
    const all = await referrers();
    assert.deepEqual(all.digests, [sbom.manifest.digest, signature.manifest.digest].sort());
    assert.equal(all.pages, 1);
    const filtered = await referrers('?artifactType=application/vnd.example.signature');
    assert.deepEqual(filtered.digests, [signature.manifest.digest]);
    assert.ok(all.reads + filtered.reads <= 10, `${all.reads + filtered.reads} chain reads`);
  });
});
