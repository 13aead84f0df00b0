// The processor's batch coalescing (src/processor/batch-coalescing.ts): blocks fetched while a
// batch is handled come out together, in order, never above the limit, and errors and early
// stops reach both sides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchLookahead, coalesceBatches, type FinalizedBatch } from '../../src/processor/batch-coalescing';

/** Splits of `size` consecutive block numbers from 1 to `total`, the last one at the head. */
async function* splits(total: number, size: number, delayMs = 0): AsyncGenerator<FinalizedBatch<number>> {
  for (let from = 1; from <= total; from += size) {
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const blocks = Array.from({ length: Math.min(size, total - from + 1) }, (_, i) => from + i);
    yield { blocks, isHead: from + size > total };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a slow consumer gets everything fetched meanwhile in one batch, up to the limit, in order', async () => {
  const seen: number[][] = [];
  for await (const batch of coalesceBatches(splits(1000, 10), 250)) {
    seen.push(batch.blocks);
    await sleep(20); // the handler at work: the source keeps fetching
  }
  const all = seen.flat();
  assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i + 1), 'every block once, in order');
  assert.ok(seen.every((blocks) => blocks.length <= 250), `a batch went over the limit: ${seen.map((b) => b.length)}`);
  assert.ok(seen.length < 20, `${seen.length} batches: fetched splits were not merged`);
  assert.ok(seen.some((blocks) => blocks.length > 10), 'no batch holds more than one split');
});

test('isHead comes from the last merged split', async () => {
  const heads: boolean[] = [];
  for await (const batch of coalesceBatches(splits(95, 10), 1000)) {
    heads.push(batch.isHead);
    await sleep(10);
  }
  assert.equal(heads.at(-1), true);
  assert.ok(heads.slice(0, -1).every((head) => head === false));
});

test('a fast consumer gets the source batches unchanged', async () => {
  const seen: number[] = [];
  for await (const batch of coalesceBatches(splits(50, 10, 5), 500)) seen.push(batch.blocks.length);
  assert.deepEqual(seen, [10, 10, 10, 10, 10]);
});

test('a source error reaches the consumer after the batches before it', async () => {
  async function* failing(): AsyncGenerator<FinalizedBatch<number>> {
    yield { blocks: [1, 2], isHead: false };
    throw new Error('rpc went away');
  }
  const seen: number[] = [];
  await assert.rejects(async () => {
    for await (const batch of coalesceBatches(failing(), 100)) seen.push(...batch.blocks);
  }, /rpc went away/);
  assert.deepEqual(seen, [1, 2]);
});

test('a consumer that stops (a handler error) is not held up by a source waiting for new blocks', async () => {
  async function* endless(): AsyncGenerator<FinalizedBatch<number>> {
    yield { blocks: [1], isHead: true };
    await new Promise(() => undefined); // waits for a new head that never comes
  }
  const started = Date.now();
  await assert.rejects(async () => {
    for await (const _ of coalesceBatches(endless(), 100)) throw new Error('handler failed');
  }, /handler failed/);
  assert.ok(Date.now() - started < 1000, 'the error took too long to come through');
});

test('a batch taken ahead is the one handed over next, and later blocks go into the batch after it', async () => {
  const lookahead = new BatchLookahead<number>();
  const seen: number[][] = [];
  const takenAhead: number[][] = [];
  for await (const batch of coalesceBatches(splits(300, 10), 100, lookahead)) {
    assert.deepEqual(batch.blocks, takenAhead.shift() ?? batch.blocks, 'the runner got another batch than the one taken ahead');
    seen.push(batch.blocks);
    await lookahead.filled();
    const next = lookahead.takeNext();
    if (next) {
      takenAhead.push(next.blocks);
      assert.equal(lookahead.takeNext(), next, 'taking again before the hand-over gives the same batch');
    }
    await sleep(5);
  }
  assert.deepEqual(seen.flat(), Array.from({ length: 300 }, (_, i) => i + 1), 'every block once, in order');
  assert.ok(seen.length >= 3 && seen.slice(1, -1).every((blocks) => blocks.length === 100), `filled() waits for whole batches: ${seen.map((b) => b.length)}`);
  assert.equal(lookahead.takeNext(), undefined, 'nothing is taken once the stream is done');
});

test('filled() settles when the source ends short of a whole batch', async () => {
  const lookahead = new BatchLookahead<number>();
  const iterator = coalesceBatches(splits(25, 10, 2), 100, lookahead)[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  await lookahead.filled();
  const rest = lookahead.takeNext();
  assert.deepEqual([...(first.value?.blocks ?? []), ...(rest?.blocks ?? [])], Array.from({ length: 25 }, (_, i) => i + 1));
  assert.deepEqual((await iterator.next()).value?.blocks, rest?.blocks);
  assert.equal((await iterator.next()).done, true);
});
