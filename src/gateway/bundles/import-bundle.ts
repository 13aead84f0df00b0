// Loading an offline bundle into a gateway's store, all or nothing. First every manifest and blob
// is put together from its blocks, each checked against its CID, and checked against its digest
// and size; every image is checked complete; every block no item reached is checked against its
// CID too (a changed byte anywhere refuses the file); and, when the chain can be reached, the
// record is checked against it (the block on this chain, each name's owner and each tag's digest
// at that block). Only then is anything stored: the content pinned, the gateway's records of it
// written (local-blobs.ts) and the record kept (imported-records.ts) for answering while the
// chain cannot be reached; the records all or none (staged-records.ts), and the pins this import
// took released if they cannot be written.
//
// Nothing in the file is trusted beyond what is checked: which repositories content belongs to
// comes from the tags that reach it, never from the record's own say; sizes are bounded before
// anything is read into memory; and every block is checked against its CID each time it is read
// from the file, since the file may change while it is imported.
import { constants } from 'node:fs';
import { type FileHandle, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CID } from 'multiformats/cid';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../../ipfs';
import { dagBlocks } from '../../ipfs/dag-blocks';
import { dagCborModule, ipfsModules, type IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, fileSize } from '../../ipfs/file-node';
import { DEFAULT_MANIFEST_LIMIT_BYTES, inferMediaType, parseManifest, parseManifestJson } from '../oci/manifest';
import { parseName } from '../oci/reference';
import type { ChainReader } from '../resolve/chain-reader';
import { checkCarHeader, MAX_CAR_SECTION_BYTES } from '../peers/car-stream';
import { DEFAULT_MAX_BLOB_BYTES } from '../../limits/upload-admission';
import { LocalBlobs } from '../storage/local-blobs';
import { type BundleContent, BundleError, type BundleRecord, type BundleTag, JSON_CODEC, parseBundleRecord } from './bundle-record';
import type { ImportedBundle } from './imported-records';
import { ImportPinsJournal } from './import-pins-journal';
import { type ImportPin, releaseImportPins } from './release-import-pins';
import { RecordWriteError, StagedRecords } from './staged-records';
import { cidText } from '../../ipfs/cid';

export interface ImportProgress {
  (line: string): void;
}

/**
 * The import was asked to stop (`signal`) before it began to write its records: nothing of it is
 * kept (the pins it took are released, the blocks it wrote left for the store's collection).
 */
export class ImportStoppedError extends Error {
  constructor() {
    super('the import was stopped before it finished: nothing was imported, and the content it had stored so far is no longer pinned; run it again to import the bundle');
    this.name = 'ImportStoppedError';
  }
}

/** Throws ImportStoppedError once `signal` asks the import to stop. */
type StopCheck = () => void;

export interface ImportResult {
  readonly recordCid: string;
  readonly record: BundleRecord;
  readonly blocks: number;
  readonly bytes: number;
  /** Whether the record was checked against the chain (false: it could not be reached). */
  readonly confirmed: boolean;
}

interface Located {
  readonly offset: number;
  readonly length: number;
  /** Found to hold the bytes its CID names: a later read that does not has seen the file change. */
  checked: boolean;
}

type ReadBlock = (cid: CID) => Promise<Uint8Array | undefined>;

/** A CAR header is a few roots (a bundle's, one): a longer one is not a header. */
const MAX_HEADER_BYTES = 64 * 1024;
/** A section's length (a varint of 7 bytes at most) and its CID (a sha2-256 one is 36 bytes) fit in this. */
const SECTION_HEAD_BYTES = 256;
/**
 * Blocks a bundle may hold. Each costs the import an entry in memory (about 200 bytes) before
 * anything is checked, so a file of millions of tiny blocks would exhaust it; this many 256 KiB
 * leaves (what `ipfs add` and this registry write) are a terabyte.
 */
export const MAX_BUNDLE_BLOCKS = 4_000_000;
/**
 * Blocks in a row, in the walk of one file, that hold none of its bytes: the nodes on the way
 * down to the next leaf, a few per level. Nodes that only link nodes without bytes, each linking
 * the next twice over, would otherwise cost a walk of 2^depth blocks, read from a file of a few
 * kilobytes, for a file whose record gives it any size (the peers' walk has the same bound).
 */
const MAX_BLOCKS_WITHOUT_BYTES = 64;

/**
 * Imports `file` into `store`, keeping the gateway's state under `dataDir`. `chain` checks the
 * record when given (pass undefined when the chain cannot be reached). BundleError, with
 * nothing stored, for a bundle that fails any check. `signal` stops it, with ImportStoppedError
 * and nothing kept, at any point before its records are written (that last step is short and
 * all or none: it is finished, not cut).
 */
export async function importBundle(file: string, options: { store: BlobStore; dataDir: string; chain?: ChainReader; progress?: ImportProgress; maxBlobBytes?: number; signal?: AbortSignal }): Promise<ImportResult> {
  const progress = options.progress ?? (() => undefined);
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_MAX_BLOB_BYTES;
  const stopIfAsked: StopCheck = () => {
    if (options.signal?.aborted) throw new ImportStoppedError();
  };
  const m = await ipfsModules();
  // Opened once, for the index and every read after it: opened again by name, the path could by
  // then name something else (a pipe put in its place would hold the import for ever).
  const handle = await openBundle(file);
  try {
    const { located, roots, bytes } = await indexCar(handle, file, m, stopIfAsked);
    progress(`found ${located.size} blocks (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
    // Checked on every read, the checks' and the store's alike: the file may be changed between
    // them (a share or a medium someone else writes to), and a block stored under its CID must
    // hold the bytes the CID names.
    const read: ReadBlock = async (cid) => {
      const at = located.get(cidText(cid));
      if (!at) return undefined;
      return readChecked(handle, m, cid, at, file);
    };
    if (roots.length !== 1 || roots[0].code !== JSON_CODEC) throw new BundleError('the CAR\'s root is not a bundle record: this is not a bundle made by hcr export');
    const recordBytes = await read(roots[0]);
    if (!recordBytes) throw new BundleError('the bundle\'s record block is missing: the file is cut short or altered; nothing was imported');
    const record = parseBundleRecord(recordBytes, (text) => m.CID.parse(text));
    const { repositories, references } = await checkContent(m, record, read, progress, maxBlobBytes, stopIfAsked);
    await checkUnread(handle, m, located, file, stopIfAsked);
    progress(`every one of the ${located.size} blocks holds the bytes its CID names`);
    const checkedTags = options.chain ? await checkChain(record, options.chain, progress) : undefined;
    const confirmed = checkedTags !== undefined;
    if (!options.chain) progress('the chain is not reachable: the record is kept unconfirmed; the gateway answers from it only while the chain cannot be reached, and the chain decides once it can');

    // Every check passed: store and pin everything, then record it, so that a block found
    // changed while storing leaves no record claiming the content is here.
    stopIfAsked();
    // Each pin is written down before it is taken, so that an import killed before it could
    // release them does not keep them for good (import-pins-journal.ts).
    const journal = await ImportPinsJournal.create(join(options.dataDir, 'gateway')).catch((error: unknown) => {
      throw recordWriteError(options.dataDir, error);
    });
    // Left for the cleanup when a pin could not be released now, or when a failed commit left
    // records that may point at the content (the cleanup releases only the pins no record holds).
    let journalStays = false;
    const release = async (pins: readonly ImportPin[]) => {
      if (!(await releaseImportPins(pins, options.store, join(options.dataDir, 'gateway')))) journalStays = true;
    };
    try {
      const pinnedHere = await storeContent(m, record, read, options.store, progress, stopIfAsked, release, journal);
      const recordCid = roots[0].toString();
      // Kept with the repositories the tags establish, which is what imported-records answers from.
      const checked: BundleRecord = { ...record, content: record.content.map((item) => ({ ...item, repositories: [...repositories.get(item.digest)!] })) };
      const kept: ImportedBundle = { recordCid, record: checked, importedAt: new Date().toISOString(), confirmed };
      // The gateway serves content by digest in the repositories its records name, whether or not
      // the chain is reachable later: only tags the chain confirmed name them. What an unconfirmed
      // import (or a contested name's tags) reaches is served from the kept record, and only while
      // the chain cannot be asked.
      const attributed = repositoriesFromTags(record.content, checkedTags ?? [], references);
      try {
        // The last point at which a stop is taken: past it, the records are written whole.
        stopIfAsked();
        await writeRecords(options.dataDir, record.content, attributed, kept);
      } catch (error) {
        // Records a failed commit could not put back may point at the content: its pins stay.
        if (error instanceof RecordWriteError) {
          journalStays = true;
          throw new RecordWriteError(`the gateway's records of the import could not all be written or put back under ${join(options.dataDir, 'gateway')}: ${error.message}`);
        }
        // Pins without records would hold the content with nothing to serve or ever release it.
        await release(pinnedHere);
        if (error instanceof ImportStoppedError) throw error;
        throw recordWriteError(options.dataDir, error);
      }
      progress(`imported ${record.content.length} manifests and blobs for ${record.tags.length} tags, as of block #${record.chain.block.number}`);
      return { recordCid, record: checked, blocks: located.size, bytes, confirmed };
    } finally {
      journal.stop();
      if (!journalStays) await journal.remove().catch(() => undefined);
    }
  } finally {
    await handle.close();
  }
}

/**
 * The gateway's records of the import, all or none (staged-records.ts): each item's digest → CID
 * (for the repositories `attributed` gives it, or none) merged with the record the gateway already
 * has of it, and the kept bundle record.
 */
async function writeRecords(dataDir: string, content: readonly BundleContent[], attributed: Map<string, Set<string>>, kept: ImportedBundle): Promise<void> {
  const gatewayDir = join(dataDir, 'gateway');
  const staged = await StagedRecords.open(gatewayDir);
  try {
    const current = new LocalBlobs(join(gatewayDir, 'blobs'));
    const next = new LocalBlobs(staged.folder('blobs'));
    for (const item of content) {
      // Merged in the staging folder from the record as it is, so LocalBlobs' own rules of merging apply.
      const known = await current.get(item.digest);
      if (known) await next.put(known);
      const blob = { digest: item.digest, cid: item.cid, size: item.size, committedAt: Date.now(), kind: item.kind };
      const owners = attributed.get(item.digest)!;
      if (owners.size === 0) await next.keep(blob);
      for (const repository of owners) await next.commit(blob, repository);
      await next.markReferenced([item.digest]);
    }
    await writeFile(join(staged.folder('imported'), `${kept.recordCid}.json`), JSON.stringify(kept), { flag: 'wx' });
    await staged.commit();
  } finally {
    await staged.discard();
  }
}

/** What a failed write of the records says: the cause, that nothing was kept, and what to do. */
function recordWriteError(dataDir: string, error: unknown): RecordWriteError {
  const cause = error as NodeJS.ErrnoException;
  const where = cause.path ? ` at ${cause.path}` : '';
  const fix = cause.code === 'ENOSPC' || cause.code === 'EDQUOT'
    ? `free space on the disk of ${dataDir}`
    : `check that ${join(dataDir, 'gateway')} and its folders blobs/ and imported/ are folders this user may write to${where ? ` (the failure was${where})` : ''}`;
  return new RecordWriteError(`the gateway's records of the import could not be written under ${join(dataDir, 'gateway')} (${cause.message}); no record was changed and nothing this import pinned stays pinned: ${fix}, then import again`);
}

/**
 * Stores and pins every item; if one fails (or the import is asked to stop, checked at every
 * block), the pins this import took are released before the error goes on. Returns the CIDs it
 * pinned that were not pinned before.
 */
async function storeContent(m: IpfsModules, record: BundleRecord, read: ReadBlock, store: BlobStore, progress: ImportProgress, stopIfAsked: StopCheck, release: (pins: readonly ImportPin[]) => Promise<void>, journal: ImportPinsJournal): Promise<ImportPin[]> {
  const pinnedHere: ImportPin[] = [];
  try {
    for (const [index, item] of record.content.entries()) {
      const cid = m.CID.parse(item.cid);
      const wasPinned = await store.isPinned(item.cid);
      const pin = { digest: item.digest, cid: item.cid };
      if (!wasPinned) await journal.add(pin);
      let changed: BundleError | ImportStoppedError | undefined;
      try {
        await store.putBlocks(item.cid, (async function* () {
          try {
            for await (const block of dagBlocks(m, cid, async (c) => read(c))) {
              stopIfAsked();
              yield { cid: block.cid, bytes: block.bytes };
            }
          } catch (error) {
            if (error instanceof BundleError || error instanceof ImportStoppedError) changed = error;
            throw error;
          }
        })());
      } catch (error) {
        // The store may wrap what the blocks' source threw; the reason is the block that changed.
        throw changed ?? error;
      }
      if (!wasPinned) pinnedHere.push(pin);
      progress(`stored ${index + 1} of ${record.content.length}: ${item.digest} (${item.size} bytes)`);
    }
  } catch (error) {
    // The blocks already written stay unpinned, for the store's collection to remove.
    await release(pinnedHere);
    throw error;
  }
  return pinnedHere;
}

/**
 * Where each block lies in the file (sha2-256 CIDs only), found from the sections' heads alone:
 * the bytes are checked when they are read (readChecked), so the file is read once for the checks,
 * not twice. Read section by section with reads of known, bounded sizes: the file's own lengths (of its
 * header, of a CID's hash) are not taken as how much to buffer, so a header or CID that says it
 * is gigabytes long cannot make the import hold the rest of a large file in memory.
 */
/** The bundle, open for reading: a regular file (it is read twice, checked and then stored: a pipe or device cannot be read again). */
async function openBundle(file: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    // Without blocking: a pipe named as the bundle would wait for a writer before its refusal below.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new BundleError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of a bundle written by hcr export; nothing was imported`);
  }
  const isFile = await handle.stat().then((stats) => stats.isFile(), () => false);
  if (!isFile) {
    await handle.close();
    throw new BundleError(`${file} is not a regular file: copy the bundle to a file and import that; nothing was imported`);
  }
  return handle;
}

async function indexCar(handle: FileHandle, file: string, m: IpfsModules, stopIfAsked: StopCheck): Promise<{ located: Map<string, Located>; roots: CID[]; bytes: number }> {
  const notCar = (why: string) => new BundleError(`${file} is not a CAR file (${why}): give a bundle written by hcr export; nothing was imported`);
  const located = new Map<string, Located>();
  let bytes = 0;
  try {
    const fileBytes = (await handle.stat()).size;
    const head = Buffer.alloc(SECTION_HEAD_BYTES);
    const readHead = async (at: number) => head.subarray(0, (await handle.read(head, 0, SECTION_HEAD_BYTES, at)).bytesRead);
    const header = varintAt(await readHead(0));
    if (!header || header.value === 0 || header.value > MAX_HEADER_BYTES) throw notCar(`its header is ${header ? `${header.value} bytes, not 1 to ${MAX_HEADER_BYTES}` : 'missing'}`);
    if (header.length + header.value > fileBytes) throw notCar('the file ends inside its header');
    const headerBytes = Buffer.alloc(header.value);
    await handle.read(headerBytes, 0, header.value, header.length);
    const dagCbor = await dagCborModule();
    let roots: CID[];
    try {
      roots = checkCarHeader((b) => dagCbor.decode(b), headerBytes).map((root) => {
        const cid = m.CID.asCID(root);
        if (!cid) throw new Error('a root is not a CID');
        return cid;
      });
    } catch (error) {
      throw notCar((error as Error).message);
    }
    for (let at = header.length + header.value; at < fileBytes; ) {
      stopIfAsked();
      const sectionHead = await readHead(at);
      const length = varintAt(sectionHead);
      if (!length || length.value === 0) throw new BundleError(`${file} is not a whole CAR file (the section at byte ${at} has no valid length); nothing was imported`);
      let cid: CID;
      try {
        [cid] = m.CID.decodeFirst(sectionHead.subarray(length.length));
      } catch (error) {
        throw new BundleError(`${file} is not a whole CAR file (the section at byte ${at} does not start with a CID: ${(error as Error).message}); nothing was imported`);
      }
      const blockOffset = at + length.length + cid.bytes.byteLength;
      const blockLength = length.value - cid.bytes.byteLength;
      // A section's length is the file's word: bounded before anything is allocated for it.
      if (blockLength > MAX_CAR_SECTION_BYTES) {
        throw new BundleError(`block ${cid} says it is ${blockLength} bytes, more than any block (${MAX_CAR_SECTION_BYTES} bytes at most): the bundle is corrupt or altered; make it again with hcr export; nothing was imported`);
      }
      if (blockLength < 0 || blockOffset + blockLength > fileBytes) throw new BundleError(`block ${cid} is cut short: the file ends early; nothing was imported`);
      const key = cidText(cid);
      if (located.size >= MAX_BUNDLE_BLOCKS && !located.has(key)) {
        throw new BundleError(`${file} holds more than ${MAX_BUNDLE_BLOCKS} blocks, more than hcr export writes for a terabyte: the bundle is corrupt or altered; export fewer images per bundle; nothing was imported`);
      }
      if (cid.multihash.code !== m.sha256.code) throw alteredBlock(cid);
      const section: Located = { offset: blockOffset, length: blockLength, checked: false };
      // A block's bytes are checked when they are first read (the walk of its item, or the
      // check of blocks no item reached); a second section of the same CID is read by neither,
      // so it is checked here.
      if (located.has(key)) await readChecked(handle, m, cid, section, file);
      else located.set(key, section);
      bytes += blockLength;
      at = blockOffset + blockLength;
    }
    return { located, roots, bytes };
  } catch (error) {
    if (error instanceof BundleError || error instanceof ImportStoppedError) throw error;
    throw new BundleError(`${file} is not a whole CAR file (${(error as Error).message}); nothing was imported`);
  }
}

/**
 * A block's bytes, read from the file and checked against its CID, every time: the file may change
 * while it is imported. A block not checked before is the file's own fault; one checked before
 * has changed since.
 */
async function readChecked(handle: FileHandle, m: IpfsModules, cid: CID, at: Located, file: string): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(at.length);
  const { bytesRead } = await handle.read(buffer, 0, at.length, at.offset);
  if (bytesRead === at.length && m.CID.createV1(cid.code, await m.sha256.digest(buffer)).equals(cid.toV1())) {
    at.checked = true;
    return buffer;
  }
  if (!at.checked) throw alteredBlock(cid);
  throw new BundleError(`block ${cid} changed in ${file} while it was being imported: it no longer holds the bytes its CID names; import a copy nothing else writes to; nothing was imported`);
}

function alteredBlock(cid: CID): BundleError {
  return new BundleError(`block ${cid} does not hold the bytes its CID names: the bundle was altered; nothing was imported`);
}

/** Checks the blocks that no manifest or blob reached (an honest bundle has none): a changed byte anywhere refuses the file. */
async function checkUnread(handle: FileHandle, m: IpfsModules, located: Map<string, Located>, file: string, stopIfAsked: StopCheck): Promise<void> {
  for (const [key, at] of located) {
    if (at.checked) continue;
    stopIfAsked();
    await readChecked(handle, m, m.CID.parse(key), at, file);
  }
}

/** An unsigned LEB128 varint at the front of `bytes` (7 bytes at most: no honest length is longer), or undefined. */
function varintAt(bytes: Uint8Array): { value: number; length: number } | undefined {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.byteLength, 7); i++) {
    value += (bytes[i] & 0x7f) * 2 ** (7 * i);
    if ((bytes[i] & 0x80) === 0) return { value, length: i + 1 };
  }
  return undefined;
}

/**
 * Each manifest and blob rebuilt from its blocks matches its digest and size; each image is
 * complete; every item is reached from a tag. Returns the repositories each item belongs to:
 * those of the tags that reach it (through an index's children to their config and layers).
 */
async function checkContent(m: IpfsModules, record: BundleRecord, read: ReadBlock, progress: ImportProgress, maxBlobBytes: number, stopIfAsked: StopCheck): Promise<{ repositories: Map<string, Set<string>>; references: Map<string, string[]> }> {
  const byDigest = new Map(record.content.map((item) => [item.digest, item]));
  const references = new Map<string, string[]>();
  for (const item of record.content) {
    // A manifest is buffered to be parsed: no larger than a gateway takes one.
    if (item.kind === 'manifest' && item.size > DEFAULT_MANIFEST_LIMIT_BYTES) {
      throw new BundleError(`${item.digest} is recorded as a manifest of ${item.size} bytes, more than the ${DEFAULT_MANIFEST_LIMIT_BYTES} a gateway accepts for one: the bundle was altered; nothing was imported`);
    }
    // A blob is hashed whole before its digest can refuse it, and a DAG may link one leaf of the
    // file any number of times: a record giving a blob a petabyte would have the import hash a
    // petabyte read from a few megabytes. No larger than a gateway takes in a push.
    if (item.kind === 'blob' && item.size > maxBlobBytes) {
      throw new BundleError(`${item.digest} is recorded as a blob of ${item.size} bytes, more than the ${maxBlobBytes} this gateway accepts for one (gateway.limits.uploads.maxBlobBytes; hcr import --max-blob-bytes): raise it if the blob is real; nothing was imported`);
    }
    const hash = createHash('sha256');
    let size = 0;
    let barren = 0;
    const manifestBytes: Buffer[] = [];
    try {
      await checkDeclaredSize(m, item, read);
      for await (const block of dagBlocks(m, m.CID.parse(item.cid), async (cid) => read(cid))) {
        stopIfAsked();
        const data = block.node.kind === 'raw' ? block.node.bytes : block.node.data;
        barren = data?.byteLength ? 0 : barren + 1;
        if (barren > MAX_BLOCKS_WITHOUT_BYTES) {
          throw new BundleError(`${barren} blocks in a row under ${item.cid} hold none of ${item.digest}'s bytes: no importer writes a file so, and walking it could take without end; the bundle was altered; nothing was imported`);
        }
        if (!data) continue;
        size += data.byteLength;
        // A DAG can link one block many times over; its bytes are counted against the record's
        // size as they come, not after the walk.
        if (size > item.size) throw new BundleError(`the blocks under ${item.cid} hold more than the ${item.size} bytes the record gives ${item.digest}: the bundle was altered; nothing was imported`);
        hash.update(data);
        if (item.kind === 'manifest') manifestBytes.push(Buffer.from(data));
      }
    } catch (error) {
      if (error instanceof BundleError || error instanceof ImportStoppedError) throw error;
      throw new BundleError(`${item.digest} cannot be put together from the bundle (${(error as Error).message}): a block is missing; nothing was imported`);
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== item.digest || size !== item.size) {
      throw new BundleError(`the bytes under ${item.cid} are ${actual} (${size} bytes), not ${item.digest} (${item.size} bytes) as the record says; nothing was imported`);
    }
    if (item.kind === 'manifest') {
      let referenced: string[];
      try {
        const body = parseManifestJson(Buffer.concat(manifestBytes));
        const parsed = parseManifest(body, inferMediaType(body));
        referenced = [...parsed.blobs, ...parsed.children].map((d) => d.digest);
      } catch {
        throw new BundleError(`${item.digest} is recorded as a manifest but is not one; nothing was imported`);
      }
      const missing = referenced.filter((digest) => !byDigest.has(digest));
      if (missing.length) throw new BundleError(`manifest ${item.digest} references ${missing.join(', ')}, which the bundle lacks; nothing was imported`);
      references.set(item.digest, referenced);
    }
  }
  for (const tag of record.tags) {
    parseName(tag.repository);
    if (byDigest.get(tag.digest)?.kind !== 'manifest') throw new BundleError(`${tag.repository}:${tag.tag} points at ${tag.digest}, which the bundle does not hold as a manifest; nothing was imported`);
  }
  const repositories = repositoriesFromTags(record.content, record.tags, references);
  const unreached = record.content.filter((item) => repositories.get(item.digest)!.size === 0);
  if (unreached.length) {
    throw new BundleError(`no tag in the bundle reaches ${unreached.map((item) => item.digest).join(', ')}: hcr export bundles only what its tags reference, so the bundle was altered; nothing was imported`);
  }
  progress(`every manifest and blob matches its digest, and every image is complete (${record.content.length} in all)`);
  return { repositories, references };
}

/** The root's own word on the file's size, against the record's, before any of it is walked. */
async function checkDeclaredSize(m: IpfsModules, item: BundleContent, read: ReadBlock): Promise<void> {
  const root = m.CID.parse(item.cid);
  const bytes = await read(root);
  if (!bytes) return; // dagBlocks says which block is missing.
  const declared = fileSize(decodeFileNode(m, root, bytes));
  if (declared !== item.size) throw new BundleError(`${item.cid} says it is a file of ${declared} bytes, but the record says ${item.digest} is ${item.size} bytes: the bundle was altered; nothing was imported`);
}

/**
 * The most (item, repository) pairs the tags of one bundle may give: far more than any export
 * (an item is in few repositories), while a record of a few megabytes could otherwise name tens
 * of thousands of repositories each reaching tens of thousands of items, billions of pairs to
 * work out, keep and write before anything else refused it.
 */
export const MAX_ITEM_REPOSITORY_PAIRS = 1_000_000;

/**
 * Each item's repositories: those of the tags whose manifests reach it. The record's own
 * `repositories` is not taken: the chain check confirms tags, not what the record says belongs
 * where, and a gateway serves content by digest in the repositories recorded here.
 */
function repositoriesFromTags(content: readonly BundleContent[], tags: readonly BundleTag[], references: Map<string, string[]>): Map<string, Set<string>> {
  const repositories = new Map(content.map((item) => [item.digest, new Set<string>()]));
  let pairs = 0;
  for (const tag of tags) {
    const frontier = [tag.digest];
    while (frontier.length > 0) {
      const digest = frontier.pop()!;
      const owners = repositories.get(digest)!;
      if (owners.has(tag.repository)) continue;
      if (++pairs > MAX_ITEM_REPOSITORY_PAIRS) {
        throw new BundleError(`the bundle's tags put its manifests and blobs in more than ${MAX_ITEM_REPOSITORY_PAIRS} (item, repository) pairs, far more than hcr export writes: the bundle was altered, or export fewer repositories per bundle; nothing was imported`);
      }
      owners.add(tag.repository);
      frontier.push(...(references.get(digest) ?? []));
    }
  }
  return repositories;
}

/**
 * The record as the chain has it: the block on this chain, each name's owner and each uncontested
 * tag at that block. Returns the tags it confirmed: a contested name's tags are not, whether or
 * not the record names its space (chain storage does not say which space wrote them).
 */
async function checkChain(record: BundleRecord, chain: ChainReader, progress: ImportProgress): Promise<BundleTag[]> {
  const { block, genesisHash } = record.chain;
  if (genesisHash !== chain.genesisHash) throw new BundleError(`the bundle was made on the chain with genesis ${genesisHash}, not this one (${chain.genesisHash}); nothing was imported`);
  const hash = await chain.blockHash(block.number);
  if (hash !== block.hash) throw new BundleError(`block #${block.number} of this chain is ${hash ?? 'not there yet'}, not ${block.hash} as the bundle says; nothing was imported`);
  const contested = new Set<string>();
  for (const space of record.spaces) {
    const claim = await chain.claimAtBlock(space.name, block.hash);
    if (!claim || claim.owner.id !== space.id || claim.owner.owner !== space.owner) {
      throw new BundleError(`the bundle says space ${space.id} (owner ${space.owner}) owned ${JSON.stringify(space.name)} at block #${block.number}, but the chain says ${claim ? `space ${claim.owner.id} (owner ${claim.owner.owner})` : 'no space had that name'}; nothing was imported`);
    }
    if (claim.contested) contested.add(space.name);
  }
  const checked: BundleTag[] = [];
  for (const tag of record.tags) {
    const name = parseName(tag.repository);
    if (!record.spaces.some((space) => space.name === name.repo) && (await chain.claimAtBlock(name.repo, block.hash))?.contested) contested.add(name.repo);
    if (contested.has(name.repo)) continue;
    const { digest } = await chain.tagAtBlock(name, tag.tag, block.hash);
    if (digest !== tag.digest) {
      throw new BundleError(`the bundle says ${tag.repository}:${tag.tag} was ${tag.digest} at block #${block.number}, but the chain says ${digest ?? 'it had no such tag'}; nothing was imported`);
    }
    checked.push(tag);
  }
  progress(`the record matches the chain at block #${block.number}${contested.size ? ` (the tags of contested names ${[...contested].join(', ')} are the index's to confirm)` : ''}`);
  return checked;
}
