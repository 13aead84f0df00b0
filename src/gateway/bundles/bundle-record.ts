// What an offline bundle says about the chain: the block its facts were read at, who owned each
// space name then, each tag's manifest digest, and every manifest and blob with the CID it was
// recorded under and who recorded it. It travels as the CAR's root block (JSON), ahead of the
// content's blocks; an importer checks it against those blocks, and against the chain when it can
// reach it.
import type { CID } from 'multiformats/cid';
import { isSha256Digest, parseName, parseReference } from '../oci/reference';

export const BUNDLE_FORMAT = 'hcr-bundle/1';
/** The multicodec of plain JSON: the record block's codec. */
export const JSON_CODEC = 0x0200;

export interface BlockRef {
  readonly number: number;
  readonly hash: string;
}

export interface BundleSpace {
  /** The space name (repo_name). */
  readonly name: string;
  /** The space that owns the name (docs/name-ownership.md) and its owner, at the block. */
  readonly id: string;
  readonly owner: string;
}

export interface BundleTag {
  /** `<space>/<image>`. */
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** Who recorded this tag's current digest (the index knows; null without one). */
  readonly recordedBy: string | null;
}

export interface BundleContent {
  readonly digest: string;
  readonly cid: string;
  readonly kind: 'manifest' | 'blob';
  /** The file's size in bytes. */
  readonly size: number;
  /** The repositories it was taken from: it belongs to them. */
  readonly repositories: string[];
  readonly recordedBy: string | null;
}

export interface BundleRecord {
  readonly format: typeof BUNDLE_FORMAT;
  readonly chain: { readonly genesisHash: string; readonly block: BlockRef };
  readonly exportedAt: string;
  readonly spaces: BundleSpace[];
  readonly tags: BundleTag[];
  readonly content: BundleContent[];
}

export class BundleError extends Error {
  override readonly name = 'BundleError';
}

/** Why `check` refuses, or undefined when it does not. */
function refusalOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const isBlockHash = (value: unknown): boolean => typeof value === 'string' && /^0x[0-9a-f]{64}$/.test(value);

/** The record from its block's bytes, checked field by field: a bundle is untrusted input. */
export function parseBundleRecord(bytes: Uint8Array, parseCid: (text: string) => CID): BundleRecord {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new BundleError('the bundle\'s record is not JSON: this is not a bundle made by hcr export');
  }
  const record = value as BundleRecord;
  const fail = (what: string) => {
    throw new BundleError(`the bundle's record is malformed (${what}): make the bundle again with hcr export`);
  };
  if (record?.format !== BUNDLE_FORMAT) fail(`format ${JSON.stringify(record?.format)}, expected ${BUNDLE_FORMAT}`);
  // The block goes out again in X-HCR-As-Of-Block and the genesis is compared with the chain's:
  // each must be a hash as a node spells one (a line feed in a header would fail every answer).
  if (!isBlockHash(record.chain?.genesisHash) || !Number.isSafeInteger(record.chain?.block?.number) || record.chain.block.number < 0 || !isBlockHash(record.chain.block.hash)) {
    fail('chain: the genesis and block hashes are 0x and 64 hex digits, the block number a whole number');
  }
  if (!Array.isArray(record.spaces) || !Array.isArray(record.tags) || !Array.isArray(record.content)) fail('spaces, tags or content');
  for (const space of record.spaces) if (typeof space?.name !== 'string' || typeof space.id !== 'string' || typeof space.owner !== 'string') fail('a space');
  for (const tag of record.tags) {
    if (typeof tag?.repository !== 'string' || typeof tag.tag !== 'string' || !isSha256Digest(String(tag.digest))) fail('a tag');
    // Names and tags as a request would have to spell them: no registry name is anything else.
    const problem = refusalOf(() => parseName(tag.repository)) ?? (tag.tag.includes(':') ? `tag ${JSON.stringify(tag.tag)} is a digest, not a tag` : refusalOf(() => parseReference(tag.tag)));
    if (problem) fail(problem);
  }
  // Each once, as hcr export writes them: an item listed again would be read and hashed again
  // (a bundle holding one large blob could list it a hundred thousand times over), and a name
  // given twice would say two things of it.
  const once = (what: string, keys: string[]) => {
    const seen = new Set<string>();
    for (const key of keys) {
      if (seen.has(key)) fail(`${what} ${JSON.stringify(key.slice(0, 200))} is listed more than once`);
      seen.add(key);
    }
  };
  once('space', record.spaces.map((space) => space.name));
  // A tag twice with one digest is taken once (exports whose selections overlapped wrote it so);
  // with two, the record says two things of it.
  const tags = new Map<string, BundleTag>();
  for (const tag of record.tags) {
    const key = `${tag.repository}:${tag.tag}`;
    const known = tags.get(key);
    if (known && known.digest !== tag.digest) fail(`tag ${JSON.stringify(key.slice(0, 200))} is listed with two digests`);
    if (!known) tags.set(key, tag);
  }
  for (const item of record.content) {
    if (!isSha256Digest(String(item?.digest)) || (item.kind !== 'manifest' && item.kind !== 'blob') || !Number.isSafeInteger(item.size) || !Array.isArray(item.repositories)) fail(`content ${JSON.stringify(item?.digest)}`);
    try {
      parseCid(item.cid);
    } catch {
      fail(`the CID of ${item.digest}`);
    }
  }
  once('content', record.content.map((item) => item.digest));
  return { ...record, tags: [...tags.values()] };
}
