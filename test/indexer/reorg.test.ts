// Reorgs: records made on a branch that the dev chain's fork RPC orphans leave the index, and the
// new branch's records appear — for a 1-block and a 10-block reorg (finality lag 12, so both
// branches stay unfinalized and the processor sees them as hot blocks).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let a: DevAccounts;

before(async () => {
  a = await devAccounts();
  chain = await startTestChain({ finalityLag: 12 });
  pg = await startTestPostgres();
  await submit(chain.api.tx.containerRegistry.createSpace('acme'), a.alice);
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl: await pg.newDatabase('reorg') });
  await indexer.waitForHead(await bestHash(chain.api), 60_000);
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

async function bestHash(api: ApiPromise): Promise<string> {
  return (await api.rpc.chain.getHeader()).hash.toHex();
}

/** A signed extrinsic for a block built on `parent` (immortal, with the signer's nonce there). */
async function signedAt(api: ApiPromise, parent: string, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<string> {
  const { nonce } = (await (await api.at(parent)).query.system.account(signer.address)) as unknown as { nonce: { toNumber(): number } };
  return (await tx.signAsync(signer, { nonce: nonce.toNumber(), era: 0 })).toHex();
}

async function newBlock(params: { parent?: string; count?: number; extrinsics?: string[] }): Promise<string> {
  return (await chain.api.rpc('dev_newBlock' as never, params as never)) as unknown as string;
}

const push = (tag: string, digest: string) => chain.api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('acme', 'web', tag, digest, `bafy-${digest}`);

async function tagDigests(): Promise<Record<string, string>> {
  const { tags } = await indexer.query('{ tags(orderBy: name_ASC) { name digest } }');
  return Object.fromEntries(tags.map((t: any) => [t.name, t.digest]));
}

test('a 1-block reorg: the orphaned record leaves, the new branch\'s record appears', async () => {
  const fork = await bestHash(chain.api);
  const orphan = await newBlock({ parent: fork, extrinsics: [await signedAt(chain.api, fork, push('one', 'sha256:orphan1'), a.alice)] });
  await indexer.waitForHead(orphan);
  assert.deepEqual(await tagDigests(), { one: 'sha256:orphan1' });

  const x = await signedAt(chain.api, fork, push('one', 'sha256:kept1'), a.alice);
  await newBlock({ parent: fork, extrinsics: [x] });
  const head = await newBlock({ count: 1 });
  await indexer.waitForHead(head);
  assert.deepEqual(await tagDigests(), { one: 'sha256:kept1' });
  const { tagUpdates } = await indexer.query('{ tagUpdates { digest blockHash } }');
  assert.equal(tagUpdates.length, 1, 'the orphaned update is gone from the history');
  assert.equal(tagUpdates[0].digest, 'sha256:kept1');
});

test('a 10-block reorg: ten orphaned blocks of records leave, the longer branch\'s appear', async () => {
  const fork = await bestHash(chain.api);
  let parent = fork;
  for (let i = 0; i < 10; i++) {
    parent = await newBlock({ parent, extrinsics: [await signedAt(chain.api, parent, push(`t${i}`, `sha256:old${i}`), a.alice)] });
  }
  await indexer.waitForHead(parent);
  const before = await tagDigests();
  assert.equal(before.t9, 'sha256:old9');
  assert.equal(Object.keys(before).filter((k) => k.startsWith('t')).length, 10);

  parent = fork;
  for (let i = 0; i < 11; i++) {
    parent = await newBlock({ parent, extrinsics: i < 3 ? [await signedAt(chain.api, parent, push(`n${i}`, `sha256:new${i}`), a.alice)] : [] });
  }
  assert.equal(await bestHash(chain.api), parent, 'the longer branch is best');
  await indexer.waitForHead(parent);
  assert.deepEqual(await tagDigests(), { n0: 'sha256:new0', n1: 'sha256:new1', n2: 'sha256:new2', one: 'sha256:kept1' });
  const { spaces } = await indexer.query('{ spaces { tagCount imageCount } }');
  assert.deepEqual(spaces, [{ tagCount: 4, imageCount: 1 }], 'counters were rolled back with the rows');
});
