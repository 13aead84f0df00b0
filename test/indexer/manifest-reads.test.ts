// How the content indexer reads a manifest digest's recorded CIDs when strangers recorded many
// that no one serves (each costs a lookup's whole timeout on Kubo): a few at a time from both ends
// of the records, the rest stopped once one matches; an attempt ends at its time budget naming
// what it did not read, and each attempt starts further along, so the owner's CID is read in the
// end however many were recorded around it. The bytes come from a real embedded IPFS store; the
// CIDs no one serves answer as a Kubo lookup that finds nothing does: not before the read's deadline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { type BlobStore, BlobStoreUnavailableError, EmbeddedBlobStore, type GetOptions } from '../../src/ipfs';
import { ipfsModules } from '../../src/ipfs/esm';
import { type ReadOutcome, readingOrder, readVerified } from '../../src/content-index/read-manifest';

describe('reading a manifest from many recorded CIDs', () => {
  let dir: string;
  let store: EmbeddedBlobStore;
  let manifest: Buffer;
  let digest: string;
  let honest: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-manifest-reads-'));
    store = await EmbeddedBlobStore.open(dir);
    manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', note: randomBytes(8).toString('hex') }));
    digest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    honest = (await store.put([manifest])).cid;
  });
  after(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** CIDs of bytes no one holds. */
  const unserved = async (count: number) => {
    const m = await ipfsModules();
    return Promise.all(Array.from({ length: count }, async () => m.CID.createV1(m.raw.code, await m.sha256.digest(randomBytes(16))).toString()));
  };

  /** The store, with `hanging` CIDs answering as a lookup that finds nothing: only when the read is given up on. */
  const withLookups = (hanging: Set<string>, counts: { asked: number; stopped: number }): BlobStore =>
    Object.assign(Object.create(store) as BlobStore, {
      get: (cid: string, options: GetOptions = {}): Promise<Readable> => {
        if (!hanging.has(cid)) return store.get(cid, options);
        counts.asked++;
        return new Promise<Readable>((_, reject) =>
          options.signal?.addEventListener('abort', () => {
            counts.stopped++;
            reject(new Error('the lookup was given up on'));
          }),
        );
      },
    });

  it('reads from both ends of the records, a few at once: the owner\'s CID recorded before a flood is read first, and the other reads stopped', async () => {
    // Newest first, as the index lists them: twelve of a stranger's, then the owner's, the oldest.
    const flood = await unserved(12);
    const counts = { asked: 0, stopped: 0 };
    const started = Date.now();
    const outcome = await readVerified(withLookups(new Set(flood), counts), digest, [...flood, honest], [], { maxBytes: 4 * 1024 * 1024, timeoutMs: 20_000 });
    assert.equal(outcome.kind, 'verified');
    assert.equal(outcome.kind === 'verified' && outcome.cid, honest);
    // Read one after another, newest first, each unserved CID would cost its 20 s timeout.
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.ok(counts.asked <= 3, `asked for ${counts.asked} unserved CIDs`);
    assert.equal(counts.stopped, counts.asked, 'the reads still waiting are stopped once one matches');
  });

  it('ends an attempt at its budget naming what it did not read, and a later attempt reads further along until the owner\'s CID', async () => {
    const before = await unserved(15);
    const afterwards = await unserved(15);
    const cids = [...afterwards, honest, ...before];
    const counts = { asked: 0, stopped: 0 };
    const lookups = withLookups(new Set([...before, ...afterwards]), counts);
    const options = { maxBytes: 4 * 1024 * 1024, timeoutMs: 30_000, budgetMs: 300, readsAtOnce: 2 };
    const started = Date.now();
    const first = await readVerified(lookups, digest, cids, [], options);
    assert.ok(Date.now() - started < 10_000, `the attempt took ${Date.now() - started} ms, past its budget`);
    assert.equal(first.kind, 'unavailable');
    assert.match(first.kind === 'unavailable' ? first.reason : '', /not read within this attempt's 0\.3 s.*29 more recorded CIDs not read within this attempt's 0\.3 s/);
    let attempt = 1;
    for (let outcome: ReadOutcome = first; outcome.kind !== 'verified'; outcome = await readVerified(lookups, digest, cids, [], { ...options, attempt })) {
      attempt++;
      assert.ok(attempt <= Math.ceil(cids.length / 6) + 1, `the owner's CID was not read within ${attempt} attempts`);
    }
    // Every candidate comes first in some attempt: the order is a rotation of one sequence.
    const order = readingOrder(cids, 0, 6);
    assert.deepEqual([...order].sort(), [...cids].sort());
    assert.deepEqual(readingOrder(cids, 1, 6), [...order.slice(6), ...order.slice(0, 6)]);
  });

  it('still stops at once, naming IPFS, when IPFS cannot be reached', async () => {
    const [other] = await unserved(1);
    const down = Object.assign(Object.create(store) as BlobStore, {
      get: async () => {
        throw new BlobStoreUnavailableError('IPFS at http://127.0.0.1:9 cannot be reached');
      },
    });
    await assert.rejects(readVerified(down, digest, [other, honest], [], { maxBytes: 1024, timeoutMs: 5_000 }), BlobStoreUnavailableError);
  });
});
