// The processor's state thread (src/processor/state-thread): batches prepared there are the ones
// the main thread prepares, its reads are answered by the main thread, and a failure on either
// side reaches the handler as an error instead of a hang. Reads come from an in-memory reader
// here (the same interface the batch's transaction answers); the write statements come from the
// real model on a real Postgres.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOrmConfig } from '@subsquid/typeorm-config';
import { DataSource } from 'typeorm';
import '../../src/indexer/register-ts-sources';
import { runMigrations } from '../../src/indexer/migrations';
import { PROJECT_ROOT } from '../../src/indexer/project-paths';
import { Account, Space } from '../../src/model';
import type { RegistryAction } from '../../src/processor/actions';
import { chainBytes } from '../../src/processor/bytes';
import { createBatchPreparer, stateThreadFromEnv, type BatchPreparer } from '../../src/processor/state-thread/batch-preparer';
import type { EntityReader } from '../../src/processor/state/entity-reader';
import type { BatchInput, PreparedBatch } from '../../src/processor/state/prepare-batch';
import { type WriteSpecs, writeSpecs } from '../../src/processor/state/write-specs';
import { decodeBinaryArray } from './helpers/binary-array';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';

let pg: TestPostgres;
let source: DataSource;
let specs: WriteSpecs;
const threads: BatchPreparer[] = [];

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('specs');
  await runMigrations(dbUrl);
  process.env.DB_URL = dbUrl;
  source = new DataSource(createOrmConfig({ projectDir: PROJECT_ROOT }));
  await source.initialize();
  specs = writeSpecs(source.manager);
});

after(async () => {
  await Promise.all(threads.map((thread) => thread.close()));
  await source?.destroy();
  await pg?.close();
});

const key = (n: number) => `0x${n.toString(16).padStart(2, '0').repeat(32)}`;
const text = (value: string) => chainBytes(`0x${Buffer.from(value).toString('hex')}`);

function ctx(block: number, index: number) {
  return {
    eventId: `${String(block).padStart(10, '0')}-${index}`, blockNumber: block, blockHash: key(200 + (block % 50)), timestamp: new Date(1_700_000_000_000 + block * 6_000),
    extrinsicIndex: index, extrinsicHash: key(100 + index), signer: key(1), origin: key(1), proxy: null,
  };
}

/** A space owned by key(1), a member, a manifest push and a digest record, from block `block` on. */
function actions(block: number, spaceId: string): RegistryAction[] {
  return [
    { kind: 'spaceCreated', ctx: ctx(block, 0), spaceId, owner: key(1), name: text(`acme-${spaceId}`) },
    { kind: 'memberAdded', ctx: ctx(block, 1), spaceId, member: key(2) },
    { kind: 'manifestPushed', ctx: ctx(block + 1, 0), who: key(1), repoName: text(`acme-${spaceId}`), imageName: text('web'), tag: text('latest'), digest: text('sha256:aa'), cid: text('bafyweb'), pushedBy: null },
    { kind: 'digestInfoStored', ctx: ctx(block + 1, 1), who: key(1), digest: chainBytes('0xff00'), digestType: 'File', cid: text('bafylayer'), pushedBy: null },
  ];
}

/** Holds what the index already has; counts the reads asked of it. */
function memoryReader(spaces: Space[] = []) {
  const calls: string[] = [];
  const reader: EntityReader = {
    async emptyTables(kinds) {
      calls.push('emptyTables');
      return kinds.map((kind) => !(kind === 'spaces' || kind === 'accounts') || spaces.length === 0);
    },
    async byIds(kind, ids) {
      calls.push(`byIds:${kind}`);
      if (kind !== 'accounts') return [];
      return spaces.map((space) => space.owner).filter((owner) => ids.includes(owner.id)) as never;
    },
    async spaces({ ids, owners, names }) {
      calls.push('spaces');
      return spaces.filter((space) => ids.includes(space.id) || owners.includes(space.owner.id) || names.some((name) => name.hex === space.nameHex));
    },
  };
  return { reader, calls };
}

function preparers(): [BatchPreparer, BatchPreparer] {
  const pair: [BatchPreparer, BatchPreparer] = [createBatchPreparer('main', 100), createBatchPreparer('worker', 100)];
  threads.push(pair[1]);
  return pair;
}

/** A column array's bytes, comparable with deepEqual. */
const columnBytes = (column: Uint8Array) => Buffer.from(column).toString('hex');
const readable = (batch: PreparedBatch) => ({ ...batch, writes: batch.writes.map((write) => ({ ...write, chunks: write.chunks.map((chunk) => chunk.map(columnBytes)) })) });
/** The chunk's rows, put back together from its column arrays. */
const chunkRows = (chunk: Uint8Array[]) => {
  const columns = chunk.map(decodeBinaryArray);
  return columns[0].map((_, i) => columns.map((column) => column[i]));
};

const input = (first: number, last: number, batch: RegistryAction[], hot = false): BatchInput => ({ first, last, hot, actions: batch });

test('the state thread prepares the same writes as the main thread, batch after batch, with the same reads', async () => {
  const [main, worker] = preparers();
  const batches = [input(1, 10, actions(1, '1')), input(11, 20, actions(11, '2')), input(21, 21, actions(21, '3'), true)];
  const mainReader = memoryReader();
  const workerReader = memoryReader();
  const results: PreparedBatch[] = [];
  for (const batch of batches) {
    const expected = await main.prepare(batch, mainReader.reader, specs);
    const got = await worker.prepare(batch, workerReader.reader, specs);
    assert.deepEqual(readable(got), readable(expected));
    for (const write of got.writes) {
      const spec = specs[`${write.entity}:${write.mode}`];
      for (const chunk of write.chunks) {
        assert.equal(chunk.length, spec.columns.length, `${write.entity}: one array per column`);
        const lengths = new Set(chunk.map((column) => decodeBinaryArray(column).length));
        assert.equal(lengths.size, 1, `${write.entity}: every column array has a value for every row`);
      }
    }
    results.push(got);
  }
  assert.deepEqual(workerReader.calls, mainReader.calls);
  const entities = (i: number) => results[i].writes.map((write) => write.entity);
  assert.deepEqual(entities(0), ['Account', 'Space', 'Image', 'Manifest', 'Tag', 'Blob', 'SpaceMember', 'TagUpdate', 'DigestInfoRecord']);
  assert.ok(!entities(1).includes('Account'), 'the second batch took its accounts from the cache instead of inserting them again');
  const modes = (i: number) => results[i].writes.map((write) => `${write.entity}:${write.mode}`);
  assert.ok(modes(0).every((mode) => mode.endsWith(':insert')), `the first batch made every row it writes, so it only inserts: ${modes(0)}`);
  assert.ok(modes(1).includes('Blob:upsert') && !modes(1).includes('Blob:insert'), `the blob recorded again comes from the cache and is upserted: ${modes(1)}`);
  assert.ok(modes(1).includes('Space:insert') && !modes(1).includes('Space:upsert'), `the space the second batch creates is inserted: ${modes(1)}`);
  assert.ok(results[0].writes.every((write) => write.ids === undefined), 'a finalized batch carries no ids');
  assert.ok(results[2].writes.every((write) => write.ids && write.ids.length > 0), 'a hot batch carries the ids the change tracker needs');
  assert.ok(entities(2).includes('Account'), 'a hot batch does not use the cache');
});

test('the state thread reads what the cache lacks through the main thread, and gets model instances', async () => {
  const [, worker] = preparers();
  const owner = new Account({ id: '5C4hrfjw9DjXZTzV3MwzrrAr9P6MJhSrvBntqnUuXBpDJLcz', publicKey: key(1) });
  const existing = new Space({ id: '7', name: 'old', nameHex: '0x6f6c64', owner, isNameOwner: true, takesNameWrites: true, shadowOf: null, nameTakenBy: null, memberCount: 1, imageCount: 0, tagCount: 0, manifestCount: 0, digestInfoCount: 0, blockNumber: 5, blockHash: key(9), timestamp: new Date(0), updatedAtBlock: 5, updatedAt: new Date(0) });
  const { reader, calls } = memoryReader([existing]);
  // A member for space 7 and a push by its owner: the space must come from the reader.
  const batch = actions(30, '9').slice(1).map((action) => (action.kind === 'memberAdded' ? { ...action, spaceId: '7' } : action));
  const result = await worker.prepare(input(30, 31, batch), reader, specs);
  assert.ok(calls.includes('spaces'), `reads asked for: ${calls.join(', ')}`);
  const space = result.writes.find((write) => write.entity === 'Space');
  assert.ok(space, 'the loaded space was written back');
  const row = chunkRows(space.chunks[0])[0];
  assert.ok(row.includes('7') && row.includes(2), `space 7 now has two members: ${JSON.stringify(row)}`);
});

test('a failed read fails the batch with its message, and the next batch goes through', async () => {
  const [, worker] = preparers();
  const failing: EntityReader = { ...memoryReader().reader, emptyTables: async () => { throw new Error('connection to Postgres lost'); } };
  await assert.rejects(worker.prepare(input(1, 10, actions(1, '1')), failing, specs), /connection to Postgres lost/);
  const retried = await worker.prepare(input(1, 10, actions(1, '1')), memoryReader().reader, specs);
  assert.ok(retried.writes.some((write) => write.entity === 'Space'));
});

test('a batch the state thread cannot prepare is refused with the reason', async () => {
  const [, worker] = preparers();
  const broken = [{ kind: 'spaceCreated', ctx: ctx(1, 0), spaceId: '1', owner: key(1), name: undefined }] as unknown as RegistryAction[];
  await assert.rejects(worker.prepare(input(1, 1, broken), memoryReader().reader, specs), /Cannot read properties of undefined \(reading 'hex'\)/);
});

test('PROCESSOR_STATE_THREAD chooses the thread and refuses anything else', () => {
  assert.equal(stateThreadFromEnv({}), 'worker');
  assert.equal(stateThreadFromEnv({ PROCESSOR_STATE_THREAD: 'main' }), 'main');
  assert.throws(() => stateThreadFromEnv({ PROCESSOR_STATE_THREAD: 'yes' }), /PROCESSOR_STATE_THREAD="yes" is not "worker" or "main"/);
});
