// What happened to an extrinsic in the block that holds it: its position, the block number and
// the events of its phase. Fetched by block hash, so the answer is the same on any node.
import type { ApiPromise } from '@polkadot/api';
import type { EventRecord } from '@polkadot/types/interfaces';

export interface Inclusion {
  readonly blockHash: string;
  readonly blockNumber: number;
  readonly txHash: string;
  /** The position of the extrinsic in the block. */
  readonly index: number;
  readonly events: EventRecord[];
}

export async function readInclusion(api: ApiPromise, blockHash: string, txHash: string): Promise<Inclusion> {
  const [signed, atBlock] = await Promise.all([api.rpc.chain.getBlock(blockHash), api.at(blockHash)]);
  const index = signed.block.extrinsics.findIndex((extrinsic) => extrinsic.hash.toHex() === txHash);
  if (index < 0) throw new Error(`block ${blockHash} was reported to include ${txHash}, but it does not; the node is inconsistent, try another node`);
  const records = (await atBlock.query.system.events()) as unknown as EventRecord[];
  const events = records.filter(({ phase }) => phase.isApplyExtrinsic && phase.asApplyExtrinsic.toNumber() === index);
  return { blockHash, blockNumber: signed.block.header.number.toNumber(), txHash, index, events };
}
