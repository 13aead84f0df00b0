// The one test suite every BlobStore implementation must pass (like distribution's
// testsuites.Driver). A test file calls blobStoreSuite() with a factory for its implementation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlobStore } from '../../src/ipfs/blob-store';
import { BlobNotFoundError, InvalidCidError } from '../../src/ipfs/errors';
import { CHUNK, collect, digestOf, GeneratedBytes, MiB, pieces, sha256 } from './helpers/bytes';
import { buildDag, each } from './helpers/dag';
import { measurePeak } from './helpers/memory';
import { ipfsModules } from '../../src/ipfs/esm';

const RAW_CODE = 0x55;

/** The CIDv1 of `bytes` under `codec`, as the stores make them (sha2-256). */
async function cidOfBytes(codec: number, bytes: Uint8Array): Promise<string> {
  const m = await ipfsModules();
  return m.CID.createV1(codec, await m.sha256.digest(bytes)).toString();
}
import { randomBytes } from 'node:crypto';

export interface StoreFixture {
  readonly store: BlobStore;
  /** Closes the store and opens another on the same data; returns it (and uses it from now on). */
  reopen(): Promise<BlobStore>;
  /** Closes everything and removes temporary data. */
  cleanup(): Promise<void>;
}

/** Well formed, but nothing in any test stores it: the sha256 of "absent" as a raw leaf. */
const ABSENT_CID = 'bafkreic22obqjnjvykmh3pjemv6buenyqsme75qa3hzytxvq2ttdj7xhsi';
const BAD_CIDS = [
  'not-a-cid', '', 'bafy123', 'Qm',
  // dag-cbor: a valid CID, but it cannot name a file
  'bafyreic22obqjnjvykmh3pjemv6buenyqsme75qa3hzytxvq2ttdj7xhsi',
];

async function readAll(store: BlobStore, cid: string, range?: { offset?: number; length?: number }): Promise<Buffer> {
  return collect(await store.get(cid, range));
}

export function blobStoreSuite(name: string, open: () => Promise<StoreFixture>): void {
  describe(`BlobStore: ${name}`, { timeout: 300_000 }, () => {
    let fixture: StoreFixture;
    let store: BlobStore;
    before(async () => {
      fixture = await open();
      store = fixture.store;
    });
    after(() => fixture?.cleanup());

    describe('put and get round trip byte for byte', () => {
      const sizes: [string, number][] = [
        ['empty', 0], ['1 byte', 1], ['small', 1000], ['exactly one chunk', CHUNK], ['one chunk + 1', CHUNK + 1],
      ];
      for (const [label, size] of sizes) {
        it(label, async () => {
          const bytes = randomBytes(size);
          const put = await store.put([bytes]);
          assert.equal(put.size, size);
          assert.deepEqual(await readAll(store, put.cid), bytes);
          assert.deepEqual(await store.stat(put.cid), { size });
        });
      }

      it('~20 MiB of random bytes from a Readable-like stream', async () => {
        const source = new GeneratedBytes(20 * MiB + 12_345, 64 * 1024 + 7);
        const put = await store.put(source);
        assert.equal(put.size, source.total);
        assert.deepEqual(await digestOf(await store.get(put.cid)), { sha256: source.digest(), size: source.total });
      });
    });

    it('returns CIDv1 in base32: raw leaf for one chunk, dag-pb above', async () => {
      const one = await store.put([randomBytes(CHUNK)]);
      const many = await store.put([randomBytes(CHUNK * 2 + 5)]);
      assert.match(one.cid, /^bafkrei[a-z2-7]{52}$/);
      assert.match(many.cid, /^bafybei[a-z2-7]{52}$/);
    });

    it('gives the same CID for the same content, however the stream is cut', async () => {
      const bytes = randomBytes(3 * CHUNK + 77);
      const whole = await store.put([bytes]);
      const cut = await store.put(pieces(bytes, 1000));
      const again = await store.put(pieces(bytes, CHUNK + 1));
      assert.equal(cut.cid, whole.cid);
      assert.equal(again.cid, whole.cid);
      assert.notEqual((await store.put([Buffer.concat([bytes, Buffer.from([0])])])).cid, whole.cid);
    });

    describe('ranges', () => {
      const bytes = randomBytes(3 * CHUNK + 1234);
      let cid: string;
      before(async () => {
        cid = (await store.put([bytes])).cid;
      });
      const cases: [string, { offset?: number; length?: number }, Buffer][] = [
        ['start', { offset: 0, length: 10 }, bytes.subarray(0, 10)],
        ['across a chunk boundary', { offset: CHUNK - 5, length: 10 }, bytes.subarray(CHUNK - 5, CHUNK + 5)],
        ['middle, several chunks', { offset: 1000, length: 2 * CHUNK }, bytes.subarray(1000, 1000 + 2 * CHUNK)],
        ['offset only: to the end', { offset: 2 * CHUNK + 3 }, bytes.subarray(2 * CHUNK + 3)],
        ['the end', { offset: bytes.length - 10, length: 10 }, bytes.subarray(bytes.length - 10)],
        ['past the end: cut at the end', { offset: bytes.length - 5, length: 100 }, bytes.subarray(bytes.length - 5)],
        ['offset at the end: empty', { offset: bytes.length }, Buffer.alloc(0)],
        ['offset past the end: empty', { offset: bytes.length + 100, length: 5 }, Buffer.alloc(0)],
        ['zero length: empty', { offset: 100, length: 0 }, Buffer.alloc(0)],
        ['whole file by length', { offset: 0, length: bytes.length }, bytes],
      ];
      for (const [label, range, expected] of cases) {
        it(label, async () => assert.deepEqual(await readAll(store, cid, range), expected));
      }

      it('ranges of a one-chunk raw leaf', async () => {
        const small = randomBytes(100);
        const leaf = (await store.put([small])).cid;
        assert.deepEqual(await readAll(store, leaf, { offset: 10, length: 20 }), small.subarray(10, 30));
        assert.deepEqual(await readAll(store, leaf, { offset: 90, length: 20 }), small.subarray(90));
      });

      it('refuses negative or fractional numbers', async () => {
        await assert.rejects(store.get(cid, { offset: -1 }), RangeError);
        await assert.rejects(store.get(cid, { length: 1.5 }), RangeError);
      });
    });

    describe('has, pin, stat', () => {
      it('has is true after put and false for content never stored', async () => {
        const { cid } = await store.put([randomBytes(2 * CHUNK)]);
        assert.equal(await store.has(cid), true);
        assert.equal(await store.has(ABSENT_CID), false);
      });

      it('pins content put without a pin, and pinning twice is fine', async () => {
        const { cid } = await store.put([randomBytes(CHUNK + 10)], { pin: false });
        assert.equal(await store.has(cid), true);
        await store.pin(cid);
        await store.pin(cid);
        assert.equal(await store.has(cid), true);
      });

      it('unpins, and unpinning what holds no pin is fine', async () => {
        const { cid } = await store.put([randomBytes(CHUNK + 20)]);
        assert.equal(await store.isPinned(cid), true);
        await store.unpin(cid);
        assert.equal(await store.isPinned(cid), false);
        await store.unpin(cid);
        await store.pin(cid);
        assert.equal(await store.isPinned(cid), true);
        const loose = await store.put([randomBytes(CHUNK + 30)], { pin: false });
        assert.equal(await store.isPinned(loose.cid), false);
      });

      it('stat gives the file size, not the DAG size', async () => {
        const { cid } = await store.put([randomBytes(5 * CHUNK + 3)]);
        assert.deepEqual(await store.stat(cid), { size: 5 * CHUNK + 3 });
      });

      it('accepts the CIDv0 spelling of dag-pb content and answers in CIDv1', async () => {
        const bytes = randomBytes(CHUNK + 1);
        const { cid } = await store.put([bytes]);
        const { CID } = await import('multiformats/cid');
        const v0 = CID.parse(cid).toV0().toString();
        assert.match(v0, /^Qm/);
        assert.deepEqual(await readAll(store, v0), bytes);
        assert.equal(await store.has(v0), true);
      });
    });

    describe('typed errors', () => {
      it('an unknown CID is BlobNotFoundError for get, stat and pin', async () => {
        await assert.rejects(store.get(ABSENT_CID), BlobNotFoundError);
        await assert.rejects(store.stat(ABSENT_CID), BlobNotFoundError);
        await assert.rejects(store.pin(ABSENT_CID), BlobNotFoundError);
      });

      for (const bad of BAD_CIDS) {
        it(`${JSON.stringify(bad)} is InvalidCidError everywhere`, async () => {
          await assert.rejects(store.get(bad), InvalidCidError);
          await assert.rejects(store.has(bad), InvalidCidError);
          await assert.rejects(store.pin(bad), InvalidCidError);
          await assert.rejects(store.unpin(bad), InvalidCidError);
          await assert.rejects(store.isPinned(bad), InvalidCidError);
          await assert.rejects(store.stat(bad), (error: Error) => error instanceof InvalidCidError && error.message.includes('not a usable blob CID'));
        });
      }

      it('a failing source rejects put with the source error', async () => {
        async function* failing() {
          yield randomBytes(CHUNK * 2);
          throw new Error('disk went away');
        }
        await assert.rejects(store.put(failing()), /disk went away/);
        await store.ping();
      });

      it('a cancelled put rejects and the store keeps working', async () => {
        const controller = new AbortController();
        async function* slow() {
          yield randomBytes(CHUNK);
          controller.abort();
          await new Promise((resolve) => setTimeout(resolve, 50));
          yield randomBytes(CHUNK);
        }
        await assert.rejects(store.put(slow(), { signal: controller.signal }));
        assert.equal((await store.put([Buffer.from('after')])).size, 5);
      });

      it('a reader that stops early leaves the store working', async () => {
        const { cid } = await store.put(new GeneratedBytes(8 * MiB));
        const stream = await store.get(cid);
        for await (const _chunk of stream) break;
        assert.equal(stream.destroyed, true);
        assert.equal((await store.stat(cid)).size, 8 * MiB);
      });
    });

    describe('blocks', () => {
      // 176 chunks: more than one node's 174 links, so the DAG has two levels of nodes.
      const size = 176 * CHUNK - 1000;
      let bytes: Buffer;
      let cid: string;
      before(async () => {
        bytes = randomBytes(size);
        cid = (await store.put([bytes])).cid;
      });

      it('walks a file depth-first: root first, every block its CID\'s bytes, the leaves in file order', async () => {
        const blocks = [];
        for await (const block of store.blocks(cid)) blocks.push(block);
        assert.equal(blocks[0].cid.toString(), cid);
        for (const block of blocks) assert.equal(await cidOfBytes(block.cid.code, block.bytes), block.cid.toString(), `block ${block.cid} holds other bytes`);
        const leaves = blocks.filter((block) => block.cid.code === RAW_CODE);
        assert.equal(leaves.length, Math.ceil(size / CHUNK));
        assert.ok(blocks.length > leaves.length + 1, 'two levels of nodes above the leaves');
        assert.deepEqual(Buffer.concat(leaves.map((leaf) => leaf.bytes)), bytes);
      });

      it('walks only the blocks a byte range needs', async () => {
        const start = 100 * CHUNK + 5;
        const blocks = [];
        for await (const block of store.blocks(cid, { range: { start, end: start + CHUNK } })) blocks.push(block);
        const leaves = blocks.filter((block) => block.cid.code === RAW_CODE);
        assert.equal(leaves.length, 2, 'a chunk-long range across a chunk boundary touches two leaves');
        assert.deepEqual(Buffer.concat(leaves.map((leaf) => leaf.bytes)), bytes.subarray(100 * CHUNK, 102 * CHUNK));
        assert.ok(blocks.length < 8, `${blocks.length} blocks for one chunk of bytes`);
      });

      it('serves any block by its CID once a walk reached it, and BlobNotFoundError for one it lacks', async () => {
        const seen = [];
        for await (const block of store.blocks(cid, { range: { start: 0, end: 1 } })) seen.push(block);
        for (const block of seen) assert.deepEqual(Buffer.from(await store.getBlock(block.cid.toString())), Buffer.from(block.bytes));
        await assert.rejects(store.getBlock(ABSENT_CID), BlobNotFoundError);
        await assert.rejects(store.getBlock('not-a-cid'), InvalidCidError);
      });

      it('stores a DAG built elsewhere and pins it, or refuses to pin one with a block missing', async () => {
        const other = randomBytes(3 * CHUNK + 17);
        const dag = await buildDag(other);
        const put = await store.putBlocks(dag.root, each(dag.blocks));
        assert.deepEqual(put, { cid: dag.root, size: other.byteLength });
        assert.equal(await store.isPinned(dag.root), true);
        assert.deepEqual(await readAll(store, dag.root), other);
        const incomplete = await buildDag(randomBytes(3 * CHUNK + 18));
        await assert.rejects(store.putBlocks(incomplete.root, each(incomplete.blocks.slice(1))), BlobNotFoundError);
        assert.equal(await store.isPinned(incomplete.root), false);
      });
    });

    it('keeps content and pins across a reopen', async () => {
      const bytes = randomBytes(2 * CHUNK + 9);
      const { cid } = await store.put([bytes]);
      store = await fixture.reopen();
      assert.equal(await store.has(cid), true);
      assert.deepEqual(await readAll(store, cid), bytes);
    });

    it('streams a 200 MiB blob in and out with memory far below its size', { timeout: 240_000 }, async (t) => {
      // RSS is what is asserted: heap figures include chunks already read but not yet collected.
      const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
      const total = 200 * MiB;
      const source = new GeneratedBytes(total);
      const { result: put, peak: putPeak } = await measurePeak(() => store.put(source));
      assert.equal(put.size, total);
      const { result: out, peak: getPeak } = await measurePeak(async () => digestOf(await store.get(put.cid)));
      assert.deepEqual(out, { sha256: source.digest(), size: total });
      for (const [what, peak] of [['put', putPeak], ['get', getPeak]] as const) {
        t.diagnostic(`${what}: peak growth rss ${mib(peak.rssGrowth)}, heap ${mib(peak.heapGrowth)}`);
        assert.ok(peak.rssGrowth < 100 * MiB, `${what} of ${mib(total)} grew RSS by ${mib(peak.rssGrowth)}`);
      }
      // A reader that stalls must not make the store read ahead into memory meanwhile.
      const { peak: stalled } = await measurePeak(async () => {
        let first = true;
        for await (const _chunk of await store.get(put.cid, { offset: 0, length: 64 * MiB })) {
          if (first) await new Promise((resolve) => setTimeout(resolve, 1_000));
          first = false;
        }
      });
      t.diagnostic(`stalled reader: peak growth rss ${mib(stalled.rssGrowth)}, heap ${mib(stalled.heapGrowth)}`);
      assert.ok(stalled.rssGrowth < 32 * MiB, `a stalled reader of 64 MiB grew RSS by ${mib(stalled.rssGrowth)}`);
    });

    it('handles concurrent puts of the same and different content', async () => {
      const bytes = randomBytes(3 * CHUNK);
      const results = await Promise.all([store.put([bytes]), store.put(pieces(bytes, 4096)), store.put([randomBytes(CHUNK * 2)])]);
      assert.equal(results[0].cid, results[1].cid);
      assert.notEqual(results[0].cid, results[2].cid);
      assert.equal(sha256(await readAll(store, results[0].cid)), sha256(bytes));
    });
  });
}
