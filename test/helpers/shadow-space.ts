// The name-squatting attack, done as an attacker would over RPC: a second space with an existing
// name, created in a block chosen so that its id (NextSpaceId + block number) sorts before (or
// after) the space the pallet writes the name to now.
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { createSpace, getSpace, nextSpaceId, sortsBefore, spacesByName } from '../../src/chain';
import { settledHead } from './devnet';

export interface ShadowSpace {
  readonly id: string;
  readonly blockNumber: number;
}

const newBlock = (api: ApiPromise, params: { count?: number; extrinsics?: string[] }) => api.rpc('dev_newBlock' as never, params as never);

export async function createShadowSpace(api: ApiPromise, attacker: KeyringPair, name: string, options: { sortsFirst?: boolean } = {}): Promise<ShadowSpace> {
  const sortsFirst = options.sortsFirst ?? true;
  const [writer] = await spacesByName(api, name);
  if (!writer) throw new Error(`no space is named ${name} yet: there is nothing to shadow`);
  // Immortal, so it stays valid while empty blocks are built up to the chosen one.
  const signed = await createSpace(api, name).signAsync(attacker, { era: 0 });
  const next = BigInt(await nextSpaceId(api));
  await settledHead(api);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  let target: number | undefined;
  for (let block = best + 1; block < best + 200 && target === undefined; block++) {
    if (sortsBefore(next + BigInt(block), writer.id) === sortsFirst) target = block;
  }
  if (target === undefined) throw new Error('no block in the next 200 gives the wanted order');
  if (target - best - 1 > 0) await newBlock(api, { count: target - best - 1 });
  await newBlock(api, { extrinsics: [signed.toHex()] });
  // One more block, so the one with the space is final (the chain finalizes one behind).
  await newBlock(api, { count: 1 });
  const id = (next + BigInt(target)).toString();
  if (!(await getSpace(api, id))) throw new Error(`the shadow space ${id} was not created in block ${target}`);
  return { id, blockNumber: target };
}
