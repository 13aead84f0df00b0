// Which blocks this gateway can stand behind. Its stores check sha2-256 (every import here makes
// it, peers' blocks are checked against it, and Kubo's block/get answers are hashed again), but
// pass other hash functions on as the node gave them: served as immutable for a year, a proxy's
// page would pass for such a block. An identity CID holds its block in itself, and a CAR never
// carries it (the specification: the parent that links it already holds its bytes).
import type { CID } from 'multiformats/cid';

const SHA2_256 = 0x12;
const IDENTITY = 0x00;

export const isIdentity = (cid: CID): boolean => cid.multihash.code === IDENTITY;

/** Why `cid`'s block cannot be served verified; undefined when it can. */
export function unverifiable(cid: CID): string | undefined {
  const code = cid.multihash.code;
  if (code === SHA2_256 || code === IDENTITY) return undefined;
  return `its hash function 0x${code.toString(16)} is one this gateway cannot check its store's answers against: it serves sha2-256 (and identity) CIDs`;
}
