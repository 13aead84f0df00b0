// Offline bundles written by hand, block by block, for tests of what an import refuses: the CAR
// framing hcr export uses, with whatever record and blocks a test wants (including ones no export
// would write).
import { writeFileSync } from 'node:fs';
import type { CID } from 'multiformats/cid';
import { JSON_CODEC } from '../../../src/gateway/bundles/bundle-record';
import { carBlock, carHeader } from '../../../src/ipfs/car';
import { ipfsModules } from '../../../src/ipfs/esm';
import { type Block, unixfsNode } from './dag';

export { type Block, rawBlock } from './dag';

/** A UnixFS file node linking `links` in order, each saying it holds `size` bytes of the file. */
export async function fileNode(links: readonly { cid: CID; size: number }[]): Promise<Block & { size: number }> {
  return { ...(await unixfsNode('file', links)), size: links.reduce((sum, link) => sum + link.size, 0) };
}

/** Writes `record` as the root block, then `blocks`; returns the record's CID. */
export async function writeBundle(file: string, record: unknown, blocks: readonly Block[]): Promise<string> {
  const m = await ipfsModules();
  const recordBytes = Buffer.from(JSON.stringify(record));
  const recordCid = m.CID.createV1(JSON_CODEC, await m.sha256.digest(recordBytes));
  writeFileSync(file, Buffer.concat([await carHeader([recordCid]), ...carBlock(recordCid, recordBytes), ...blocks.flatMap((block) => carBlock(block.cid, block.bytes))]));
  return recordCid.toString();
}
