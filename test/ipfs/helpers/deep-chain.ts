// A chain of UnixFS file nodes each holding bytes of its own and linking one child: what a
// stranger can add to a shared IPFS node and record, thousands of levels deep, to make every walk
// of it cost. Its bytes are those of every level, top first (a node's data precedes its links').
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { EmbeddedBlobStore } from '../../../src/ipfs';
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

export interface DeepBlobStore {
  readonly store: EmbeddedBlobStore;
  /** The blob's bytes and digest. */
  readonly content: Buffer;
  readonly digest: string;
  /** Its CID as a chain 200 levels deep (the blocks stored as a shared node holds what anyone adds), and as the importer makes it. */
  readonly deep: string;
  readonly good: string;
  close(): Promise<void>;
}

/** An embedded store holding one blob (200 levels of 64 bytes: 12,864 bytes) both as a too-deep chain and as an import. */
export async function deepBlobStore(): Promise<DeepBlobStore> {
  const chain = await deepChain(200, (level) => new Uint8Array(64).fill(level % 256));
  const content = Buffer.from(chain.content);
  const work = mkdtempSync(join(tmpdir(), 'deep-blob-'));
  const store = await EmbeddedBlobStore.open(join(work, 'ipfs'));
  await store.putBlockSet((async function* () { yield* chain.blocks; })());
  return {
    store,
    content,
    digest: `sha256:${createHash('sha256').update(content).digest('hex')}`,
    deep: chain.root.toString(),
    good: (await store.put([chain.content])).cid,
    async close() {
      await store.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
