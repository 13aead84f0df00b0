// The embedded store's write gate: the garbage collector's sweep waits for block writes under
// way, and block writes wait for the sweep.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { WriteGate } from '../../src/ipfs/embedded/write-gate';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

it('a sweep starts only after the writes under way, and writes that arrive meanwhile wait for it', async () => {
  const gate = new WriteGate();
  const order: string[] = [];
  const slowWrite = deferred();
  const first = gate.write(async () => {
    order.push('write 1 starts');
    await slowWrite.promise;
    order.push('write 1 ends');
  });
  const sweepBody = deferred();
  const sweep = gate.exclusive(async () => {
    order.push('sweep starts');
    await sweepBody.promise;
    order.push('sweep ends');
  });
  await tick();
  const second = gate.write(async () => {
    order.push('write 2');
  });
  await tick();
  assert.deepEqual(order, ['write 1 starts'], 'the sweep began while a write was under way');
  slowWrite.resolve();
  await tick();
  await tick();
  assert.deepEqual(order, ['write 1 starts', 'write 1 ends', 'sweep starts'], 'a write ran during the sweep');
  sweepBody.resolve();
  await Promise.all([first, sweep, second]);
  assert.deepEqual(order, ['write 1 starts', 'write 1 ends', 'sweep starts', 'sweep ends', 'write 2']);
});

it('a failed write or sweep does not leave the gate shut', async () => {
  const gate = new WriteGate();
  await assert.rejects(gate.write(async () => Promise.reject(new Error('disk full'))), /disk full/);
  await assert.rejects(gate.exclusive(async () => Promise.reject(new Error('readdir failed'))), /readdir failed/);
  assert.equal(await gate.write(async () => 'written'), 'written');
  assert.equal(await gate.exclusive(async () => 'swept'), 'swept');
});
