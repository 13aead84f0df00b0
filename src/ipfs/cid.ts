// CID input checks and the import parameters both implementations share.
import type { CID } from 'multiformats/cid';
import { InvalidCidError } from './errors';
import type { IpfsModules } from './esm';

const DAG_PB = 0x70;
const RAW = 0x55;

/**
 * The chunking Kubo uses by default for `ipfs add --cid-version 1` (which implies
 * `--raw-leaves`): fixed 256 KiB chunks, raw leaves, a balanced DAG with at most 174 links per
 * node, sha2-256, a one-chunk file stored as the raw leaf itself, and no mode or mtime. The
 * embedded store imports with exactly these, and the Kubo store sends them as flags, so a file
 * gets the same CID from either. (Helia's defaults and Kubo's `unixfs-v1-2025` profile use 1 MiB
 * chunks and 1024 links: other CIDs for the same bytes.) The links per node are not an add flag
 * but Kubo's Import.UnixFSFileMaxLinks setting: a node where it is not 174 gives other CIDs for
 * files of more than 174 chunks (43.5 MiB). Bytes are still right either way; only dedup across
 * stores suffers.
 */
export const KUBO_IMPORT = {
  chunkSize: 262_144,
  chunker: 'size-262144',
  maxLinksPerNode: 174,
  cidVersion: 1,
  rawLeaves: true,
} as const;

/**
 * The CIDv1 for a blob CID string. CIDv0 (`Qm…`) is accepted (others may have written it on
 * chain) and converted; only UnixFS codecs (dag-pb, raw) can name a file.
 */
export function parseBlobCid(modules: IpfsModules, input: unknown): CID {
  if (typeof input !== 'string') {
    throw new InvalidCidError(String(input), `expected a CID string, got ${input === null ? 'null' : typeof input}`);
  }
  const text = input.trim();
  if (text === '') throw new InvalidCidError(input, 'it is empty');
  let cid: CID;
  try {
    cid = modules.CID.parse(text);
  } catch (error) {
    throw new InvalidCidError(input, `${(error as Error).message}; expected CIDv1 base32 like bafy… or CIDv0 like Qm…`);
  }
  if (cid.code !== DAG_PB && cid.code !== RAW) {
    throw new InvalidCidError(input, `codec 0x${cid.code.toString(16)} cannot name a UnixFS file (dag-pb or raw expected)`);
  }
  return cid.toV1();
}

/**
 * The canonical text form used in results and keys: CIDv1, base32, as one flat string.
 * multiformats builds the text a character at a time, and V8 keeps a string built so as a chain
 * of pieces until something flattens it: about 1.5 KB for a 59-character CID, where a flat copy
 * takes about 110 bytes (measured). The sets and maps of CIDs kept here (a file's seen blocks,
 * the children of recorded DAGs, up to a million of them) would pay that 14 times over.
 */
export function cidText(cid: CID): string {
  return Buffer.from(cid.toV1().toString(), 'latin1').toString('latin1');
}

/**
 * A CID as a key of sets and maps that live only in memory: its CIDv1's bytes as a one-byte
 * string, flat, and shorter than cidText. Each CID a CAR or a node brings is a new object, so
 * cidText would encode its base32 anew for every block on a pull's busiest path.
 */
export function cidKey(cid: CID): string {
  const bytes = cid.toV1().bytes;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
