// The peers' CAR reader against CARs written by @ipld/car: the same blocks whatever the chunking
// of the stream, views rather than copies where a block lies in one chunk, and a clear refusal
// of what is not a CAR (cut short, a section longer than any block, a header that is not one).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { CarFormatError, carSections, checkCarHeader } from '../../src/gateway/peers/car-stream';
import { carModule, dagCborModule, ipfsModules } from '../../src/ipfs/esm';

async function carOf(blockSizes: number[]) {
  const m = await ipfsModules();
  const { CarWriter } = await carModule();
  const blocks = await Promise.all(blockSizes.map(async (size) => {
    const bytes = randomBytes(size);
    return { cid: m.CID.createV1(m.raw.code, await m.sha256.digest(bytes)), bytes: new Uint8Array(bytes) };
  }));
  const { writer, out } = CarWriter.create([blocks[0].cid]);
  const parts: Uint8Array[] = [];
  const collecting = (async () => {
    for await (const part of out) parts.push(part);
  })();
  for (const block of blocks) await writer.put(block);
  await writer.close();
  await collecting;
  return { blocks, car: Buffer.concat(parts) };
}

async function* chunked(bytes: Uint8Array, sizes: () => number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; ) {
    const size = Math.max(1, sizes());
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

async function read(source: AsyncIterable<Uint8Array>, options?: { maxSectionBytes?: number }) {
  const m = await ipfsModules();
  const { decode } = await dagCborModule();
  const out: { cid: string; bytes: Uint8Array }[] = [];
  for await (const section of carSections(m, source, { ...options, onHeader: (header) => checkCarHeader(decode, header) })) out.push({ cid: section.cid.toString(), bytes: section.bytes });
  return out;
}

describe('the peers\' CAR reader', () => {
  test('reads the blocks @ipld/car wrote, however the stream is cut into chunks', async () => {
    const { blocks, car } = await carOf([262_144, 1, 70_000, 262_144, 5]);
    const expected = blocks.map((b) => ({ cid: b.cid.toString(), bytes: Buffer.from(b.bytes) }));
    for (const sizes of [() => car.byteLength, () => 1, () => 7, () => 65_536, () => 1 + Math.floor(Math.random() * 100_000)]) {
      const got = await read(chunked(car, sizes));
      assert.deepEqual(got.map((b) => ({ cid: b.cid, bytes: Buffer.from(b.bytes) })), expected);
    }
  });

  test('a block inside one chunk is a view of it, not a copy', async () => {
    const { car } = await carOf([5000, 6000]);
    const [first] = await read(chunked(car, () => car.byteLength));
    assert.equal(first.bytes.buffer, car.buffer, 'the block shares the chunk\'s memory');
  });

  test('a block over chunks that follow one another in one buffer is a view of it; over separate chunks, one copy', async () => {
    const { blocks, car } = await carOf([262_144, 262_144]);
    // Chunks read one after another into one buffer, as the peers' HTTP reader reads a socket.
    const adjacent = await read(chunked(car, () => 65_536));
    assert.equal(adjacent[1].bytes.buffer, car.buffer, 'the block is a view of the buffer its chunks lie in');
    assert.deepEqual(Buffer.from(adjacent[1].bytes), Buffer.from(blocks[1].bytes));
    // The same chunks, each in memory of its own: the block spans them and is gathered once.
    const separate = await read((async function* () {
      for await (const chunk of chunked(car, () => 65_536)) yield new Uint8Array(chunk);
    })());
    assert.notEqual(separate[1].bytes.buffer, car.buffer);
    assert.deepEqual(Buffer.from(separate[1].bytes), Buffer.from(blocks[1].bytes));
  });

  test('a block sent as a write apart from its CID is a view of that write, and its CID a copy of its own', async () => {
    const { blocks, car } = await carOf([1000, 300_000]);
    const m = await ipfsModules();
    // As this registry's trustless gateway writes a section: its length and CID, then its bytes.
    const cidBytes = blocks[1].cid.bytes;
    const start = car.byteLength - blocks[1].bytes.byteLength;
    const parts = [new Uint8Array(car.subarray(0, start)), new Uint8Array(car.subarray(start))];
    const sections: { cid: import('multiformats/cid').CID; bytes: Uint8Array }[] = [];
    for await (const section of carSections(m, (async function* () {
      yield* parts;
    })())) sections.push(section);
    assert.equal(sections[1].bytes.buffer, parts[1].buffer, 'the block\'s bytes are the write\'s');
    assert.equal(sections[1].bytes.byteLength, blocks[1].bytes.byteLength);
    assert.ok(sections[1].cid.equals(blocks[1].cid));
    assert.notEqual(sections[1].cid.bytes.buffer, parts[0].buffer, 'the CID keeps no chunk alive');
    assert.equal(sections[1].cid.bytes.byteLength, cidBytes.byteLength);
  });

  test('holds a section sent a byte per chunk, each in memory of its own, in a few buffers rather than a view per byte', async () => {
    const { blocks, car } = await carOf([1024 * 1024]);
    const m = await ipfsModules();
    const before = process.memoryUsage();
    let peak = 0;
    const source = (async function* () {
      for (let at = 0; at < car.byteLength; at++) {
        // A copy of each byte: no two chunks share memory, as a chunked answer's tiny pieces would not.
        yield new Uint8Array([car[at]]);
        if (at % 65_536 === 0) {
          const now = process.memoryUsage();
          peak = Math.max(peak, now.heapUsed + now.arrayBuffers - before.heapUsed - before.arrayBuffers);
        }
      }
    })();
    const sections = [];
    for await (const section of carSections(m, source)) sections.push(section);
    assert.deepEqual(Buffer.from(sections[0].bytes), Buffer.from(blocks[0].bytes));
    assert.ok(peak < 80 * 1024 * 1024, `reading a 1 MiB section a byte at a time took ${(peak / 1024 / 1024).toFixed(0)} MiB more memory`);
  });

  test('a CAR cut short, a section longer than any block, and a header that is not one are refused', async () => {
    const { car } = await carOf([100_000, 100_000]);
    await assert.rejects(read(chunked(car.subarray(0, car.byteLength - 10), () => 4096)), (error: Error) => error instanceof CarFormatError && /the stream ends inside block 1 \(\d+ of its \d+ bytes came\)/.test(error.message));
    await assert.rejects(read(chunked(car, () => 4096), { maxSectionBytes: 50_000 }), (error: Error) => error instanceof CarFormatError && /block 0 claims \d+ bytes; a section holds 1 to 50000/.test(error.message));
    // A length that announces terabytes: refused before anything is buffered.
    const header = car.subarray(0, 1 + car[0]);
    const huge = Buffer.concat([header, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])]);
    await assert.rejects(read(chunked(huge, () => 3)), /block 0 claims \d+ bytes/);
    await assert.rejects(read(chunked(Buffer.from('{"not":"a car"}'), () => 100)), CarFormatError);
    await assert.rejects(read(chunked(Buffer.alloc(0), () => 1)), /the stream is empty/);
    const { encode } = await dagCborModule();
    const v2 = encode({ version: 2, roots: [] });
    await assert.rejects(read(chunked(Buffer.concat([Buffer.from([v2.byteLength]), v2]), () => 100)), /the CAR is version 2; only version 1/);
  });

  test('stops reading its source when the reader stops early', async () => {
    const { car } = await carOf([1000, 1000, 1000]);
    let returned = false;
    const source = (async function* () {
      try {
        yield* chunked(car, () => 500);
      } finally {
        returned = true;
      }
    })();
    const m = await ipfsModules();
    for await (const section of carSections(m, source)) {
      assert.ok(section.bytes.byteLength > 0);
      break;
    }
    assert.equal(returned, true);
  });
});
