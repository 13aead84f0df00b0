// Restarting with the same data dir continues the same chain with its state; a data dir from
// another chain is refused with the fix; a record cut short by a crash is dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { startTestChain } from '../helpers/devnet';
import { startDevnet } from '../../src/devnet/node';

const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');

async function finalized(tx: { signAndSend: Function }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    tx.signAndSend(alice, (r: { status: { isFinalized: boolean } }) => r.status.isFinalized && resolve()).catch(reject);
  });
}

test('a restart with the same data dir continues the same chain and state', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-persist-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));

  const first = await startTestChain({ dataDir });
  await finalized(first.api.tx.containerRegistry.createSpace('persisted'));
  const genesis = first.api.genesisHash.toHex();
  const best = (await first.api.rpc.chain.getHeader()).toJSON();
  const finalizedHash = (await first.api.rpc.chain.getFinalizedHead()).toHex();
  const spaces = (await first.api.query.containerRegistry.spaces.entries()).map(([k, v]) => [k.args[0].toString(), v.toJSON()]);
  await first.close();

  const second = await startTestChain({ dataDir });
  t.after(() => second.close());
  assert.equal(second.api.genesisHash.toHex(), genesis);
  assert.deepEqual((await second.api.rpc.chain.getHeader()).toJSON(), best);
  assert.equal((await second.api.rpc.chain.getFinalizedHead()).toHex(), finalizedHash);
  const again = (await second.api.query.containerRegistry.spaces.entries()).map(([k, v]) => [k.args[0].toString(), v.toJSON()]);
  assert.deepEqual(again, spaces);
  assert.equal(again.length, 1);

  // It keeps going from there: Alice's nonce survived, so her next extrinsic is accepted.
  await finalized(second.api.tx.system.remark('after restart'));
  const header = await second.api.rpc.chain.getHeader();
  assert.ok(header.number.toNumber() > Number(best.number));
});

test('a data dir holding another chain is refused with the fix', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-foreign-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const devnet = await startDevnet({ port: 0, dataDir });
  await devnet.close();
  const log = join(dataDir, 'chain', 'blocks.jsonl');
  const lines = readFileSync(log, 'utf8').split('\n');
  lines[0] = JSON.stringify({ type: 'genesis', hash: '0x' + 'ab'.repeat(32), specVersion: 1 });
  writeFileSync(log, lines.join('\n'));
  await assert.rejects(startDevnet({ port: 0, dataDir }), /data dir holds a chain with genesis 0xabab.*Start with another --data-dir, or move .*blocks\.jsonl away/s);
});

test('a block record cut short by a crash is dropped; the chain before it loads', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-torn-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startTestChain({ dataDir });
  await finalized(first.api.tx.system.remark('before the crash'));
  const best = (await first.api.rpc.chain.getHeader()).hash.toHex();
  await first.close();
  appendFileSync(join(dataDir, 'chain', 'blocks.jsonl'), '{"type":"block","hash":"0x12');

  const second = await startTestChain({ dataDir });
  t.after(() => second.close());
  assert.equal((await second.api.rpc.chain.getHeader()).hash.toHex(), best);
  await finalized(second.api.tx.system.remark('after the crash'));
  const lines = readFileSync(join(dataDir, 'chain', 'blocks.jsonl'), 'utf8').trimEnd().split('\n');
  for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), 'every line of the log is whole again');
});
