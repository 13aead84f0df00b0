// A chain of UnixFS file nodes each holding bytes of its own and linking one child: what a
// stranger can add to a shared IPFS node and record, thousands of levels deep, to make every walk
// of it cost. Its bytes are those of every level, top first (a node's data precedes its links').
import type { CID } from 'multiformats/cid';
import { ipfsModules } from '../../../src/ipfs/esm';

export interface ChainBlock {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/**
 * `depth` levels below the root, level i holding `data(i)` and linking the level below
 * `linksPerNode` times; the blocks root last. `content` is the file's bytes with one link a node
 * (with more, each level repeats the file below it, 2^depth times over with two).
 */
export async function deepChain(depth: number, data: (level: number) => Uint8Array = (level) => new Uint8Array([level % 256]), linksPerNode = 1): Promise<{ root: CID; blocks: ChainBlock[]; content: Uint8Array }> {
  const m = await ipfsModules();
  const blocks: ChainBlock[] = [];
  let child: { cid: CID; size: number } | undefined;
  const parts: Uint8Array[] = [];
  for (let level = depth; level >= 0; level--) {
    const own = data(level);
    parts.unshift(own);
    const unixfs = new m.UnixFS({ type: 'file', data: own });
    const links = child ? Array.from({ length: linksPerNode }, () => child!) : [];
    for (const link of links) unixfs.addBlockSize(BigInt(link.size));
    const bytes = m.dagPb.encode(m.dagPb.prepare({ Data: unixfs.marshal(), Links: links.map((link) => ({ Hash: link.cid, Tsize: link.size })) }));
    const cid = m.CID.createV1(m.dagPb.code, await m.sha256.digest(bytes));
    blocks.push({ cid, bytes });
    child = { cid, size: (child?.size ?? 0) * linksPerNode + own.byteLength };
  }
  return { root: blocks[blocks.length - 1].cid, blocks, content: Buffer.concat(parts) };
}
