// The pallet's add_space_member pushes onto the space's member list without looking for the
// account there first and emits MemberAdded each time: adding a member again lists them again
// (there is no error for it, and no event that removes a member). The index mirrors that list:
// one SpaceMember per entry at its position, and memberCount its length. What must never happen
// is an entry counted twice by the index itself: a batch applied again after a restart, a
// MemberAdded of an orphaned block that stays counted after a reorg, or positions that drift from
// the chain's. Here the same account is added again and again (in one extrinsic too), the
// processor is stopped and started, and a block adding a member is orphaned; after each step
// the index's list is the chain's, entry by entry.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import { getSpace } from '../../src/chain/space-readers';
import { settledHead, startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { submit } from './helpers/submit';

let chain: TestChain;
let pg: TestPostgres;
let dbUrl: string;
let indexer: TestIndexer;
let a: DevAccounts;
let spaceId: string;

before(async () => {
  a = await devAccounts();
  // Blocks stay unfinalized for a while, so that the processor sees them as hot and a fork can orphan one.
  chain = await startTestChain({ finalityLag: 12 });
  pg = await startTestPostgres();
  dbUrl = await pg.newDatabase('repeated_member_added');
  const created = await submit(chain.api.tx.containerRegistry.createSpace('acme'), a.alice);
  spaceId = created.events.find(({ event }) => event.method === 'SpaceCreated')!.event.data[0].toString();
});

after(async () => {
  await indexer?.close();
  await pg?.close();
  await chain?.close();
});

const addMember = (who: KeyringPair) => chain.api.tx.containerRegistry.addSpaceMember(spaceId, who.address);

async function best(api: ApiPromise): Promise<string> {
  return (await api.rpc.chain.getHeader()).hash.toHex();
}

async function newBlock(params: { parent?: string; count?: number; extrinsics?: string[] }): Promise<string> {
  return (await chain.api.rpc('dev_newBlock' as never, params as never)) as unknown as string;
}

async function signedAt(parent: string, tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<string> {
  const { nonce } = (await (await chain.api.at(parent)).query.system.account(signer.address)) as unknown as { nonce: { toNumber(): number } };
  return (await tx.signAsync(signer, { nonce: nonce.toNumber(), era: 0 })).toHex();
}

/** The index's member list and count of the space next to the chain's list at block `hash`. */
async function assertIndexIsChain(hash: string, expectedLength: number): Promise<void> {
  await indexer.waitForHead(hash, 60_000);
  const onChain = (await getSpace(await chain.api.at(hash), spaceId))!.members;
  assert.equal(onChain.length, expectedLength, 'the chain lists the member as often as it was added');
  const { spaceById } = await indexer.query(`query($id: String!) { spaceById(id: $id) {
    memberCount members(orderBy: position_ASC, limit: 1000) { id position isOwner account { id } }
  } }`, { id: spaceId });
  assert.equal(spaceById.memberCount, onChain.length, 'memberCount is the length of the list on chain');
  assert.deepEqual(spaceById.members.map((m: any) => m.account.id), onChain, 'one entry per entry on chain, in its order');
  assert.deepEqual(spaceById.members.map((m: any) => m.position), onChain.map((_, i) => i), 'positions are the chain\'s, none repeated');
  assert.deepEqual(spaceById.members.map((m: any) => m.isOwner), onChain.map((_, i) => i === 0), 'only the entry the space was created with is the owner\'s');
  assert.equal(new Set(spaceById.members.map((m: any) => m.id)).size, onChain.length, 'each entry is its own MemberAdded');
}

test('an account added again, alone and twice in one extrinsic, is listed as the chain lists it', async () => {
  await submit(addMember(a.charlie), a.alice);
  await submit(chain.api.tx.utility.batchAll([addMember(a.charlie), addMember(a.charlie), addMember(a.bob), addMember(a.alice)]), a.alice);
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  // owner, charlie ×3, bob, the owner again
  await assertIndexIsChain(await settledHead(chain.api), 6);
});

test('a MemberAdded in an orphaned block leaves the count; the new branch\'s counts once', async () => {
  const fork = await best(chain.api);
  const orphan = await newBlock({ parent: fork, extrinsics: [await signedAt(fork, addMember(a.charlie), a.alice)] });
  await assertIndexIsChain(orphan, 7);
  const kept = await newBlock({ parent: fork, extrinsics: [await signedAt(fork, addMember(a.dave), a.alice)] });
  const head = await newBlock({ parent: kept, count: 1 });
  assert.equal(await best(chain.api), head, 'the new branch is best');
  await assertIndexIsChain(head, 7);
});

test('stopped and started again, the processor counts no entry twice, hot or finalized', async () => {
  await indexer.close();
  await submit(addMember(a.charlie), a.alice);
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  await assertIndexIsChain(await settledHead(chain.api), 8);
  await indexer.close();
  // While the processor is down, every block it had as hot becomes final.
  const head = await newBlock({ count: 13 });
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl });
  await assertIndexIsChain(head, 8);
  const { squidStatus } = await indexer.query('{ squidStatus { height finalizedHeight } }');
  assert.ok(squidStatus.finalizedHeight > 0 && squidStatus.finalizedHeight < squidStatus.height);
});
