// UnixFS blocks built by hand, for tests that need DAGs no importer would write: links repeated,
// sizes that do not add up, directories where a file's blocks should be.
import type { CID } from 'multiformats/cid';
import { ipfsModules } from '../../../src/ipfs/esm';

export interface Block {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

export async function rawBlock(bytes: Uint8Array): Promise<Block> {
  const m = await ipfsModules();
  return { cid: m.CID.createV1(m.raw.code, await m.sha256.digest(bytes)), bytes };
}

/**
 * A dag-pb node of UnixFS `type` linking `links` in order; a file's links each say they hold
 * `size` bytes of it (whether or not they do).
 */
export async function unixfsNode(type: 'file' | 'directory', links: readonly { cid: CID; size: number; name?: string }[]): Promise<Block> {
  const m = await ipfsModules();
  const unixfs = new m.UnixFS({ type });
  if (type === 'file') for (const link of links) unixfs.addBlockSize(BigInt(link.size));
  const bytes = m.dagPb.encode(m.dagPb.prepare({ Data: unixfs.marshal(), Links: links.map((link) => ({ Hash: link.cid, Tsize: link.size, ...(link.name ? { Name: link.name } : {}) })) }));
  return { cid: m.CID.createV1(m.dagPb.code, await m.sha256.digest(bytes)), bytes };
}
