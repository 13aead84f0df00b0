// A manifest PUT after validation: every referenced blob and child manifest must be in the
// repository (uploaded or mounted there, or part of a manifest already in it) and match its
// digest and descriptor, the manifest goes to IPFS, and the records go on chain in one proxied
// batch: every digest whose chain record is not the owner's verified CID, with a statement of who
// pushed. Only then is anything marked as referenced.
import { ChainTxError, type DigestType } from '../../chain';
import { ChainUnavailableError } from '../errors/from-internal';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import type { Descriptor, ParsedManifest } from '../oci/manifest';
import { MANIFEST_KINDS } from '../oci/media-types';
import type { RepositoryName } from '../oci/reference';
import { NotAManifestError, type VerifiedBlob, type VerifiedManifest } from '../resolve/verified-content';
import { boundedMap } from '../bounded-map';
import type { ChainRecorder, PushRecords } from './chain-recorder';
import type { PushPermit } from './push-policy';

/** As long as the CIDv1 the store gives a manifest (base32 sha256, `bafy…`/`bafk…`): the CID before it is known. */
const CID_STAND_IN = `bafybei${'a'.repeat(52)}`;

/** Missing references named in a refusal's message, and listed in its detail. */
const MISSING_NAMED_IN_MESSAGE = 10;
const MISSING_IN_DETAIL = 100;

/** Reference checks (chain lookups, and hashing for blobs not verified yet) run this many at a time. */
const REFERENCE_CHECKS_IN_FLIGHT = 8;

export interface ManifestPush {
  readonly name: RepositoryName;
  readonly reference: { kind: 'tag'; tag: string } | { kind: 'digest'; digest: string };
  readonly digest: string;
  readonly bytes: Buffer;
  readonly mediaType: string;
  readonly manifest: ParsedManifest;
  readonly permit: PushPermit;
}

interface Present {
  readonly digest: string;
  readonly cid: string;
  readonly type: DigestType;
}

export async function publishManifest(ctx: GatewayContext, push: ManifestPush): Promise<{ cid: string }> {
  if (!ctx.recorder) throw new OciError('DENIED', 'this gateway is a read-only replica (started without a key)');
  // From the check that the references are here to their marking as referenced, seconds later
  // (the chain's): a cleanup sweep taking an old unreferenced blob in between would leave the
  // chain pointing at bytes this gateway then deletes.
  const digests = [push.digest, ...push.manifest.blobs.map((b) => b.digest), ...push.manifest.children.map((c) => c.digest)];
  return ctx.local.holds.holding(digests, () => publishHeld(ctx, ctx.recorder!, push));
}

async function publishHeld(ctx: GatewayContext, recorder: ChainRecorder, push: ManifestPush): Promise<{ cid: string }> {
  const owner = push.permit.space.owner;
  const records = (toRecord: Present[], manifestCid: string): PushRecords => {
    const all = push.reference.kind === 'digest' ? [...toRecord, { digest: push.digest, cid: manifestCid, type: 'Json' as const }] : toRecord;
    const seen = new Set<string>();
    const digests = all.filter((r) => !seen.has(r.digest) && seen.add(r.digest));
    const head = push.reference.kind === 'tag' ? { image: push.name.image, tag: push.reference.tag, digest: push.digest, cid: manifestCid } : undefined;
    return { owner, repo: push.name.repo, digests, head, pushedBy: push.permit.account };
  };
  // What can be refused without a lookup is refused first: a manifest may list thousands of
  // references, and each check costs a lookup (a hash for a blob not verified yet, a chain read).
  const blobs = unique(push.manifest.blobs);
  const children = unique(push.manifest.children);
  push.manifest.children.forEach(checkChildType);
  recorder.checkFitsAtMost(records([...blobs.map((b) => standIn(b, 'File')), ...children.map((c) => standIn(c, 'Json'))], CID_STAND_IN));
  const present = await presentReferences(ctx, push.name, blobs, children);
  const needed = await boundedMap(present, REFERENCE_CHECKS_IN_FLIGHT, (item) => needsRecord(ctx, owner, item));
  const toRecord = present.filter((_item, index) => needed[index]);
  // Measured before the manifest is stored: a push the chain could never take (too many records
  // for one transaction) must not leave its bytes pinned in IPFS, where no upload session or
  // local record would ever release them, each refused PUT of a new variant adding up to the
  // manifest limit.
  recorder.checkFits(records(toRecord, CID_STAND_IN));
  const stored = await storeManifest(ctx, push.bytes);
  let recorded: PushRecords;
  try {
    ctx.verified.markVerified(push.digest, stored.cid);
    recorded = records(toRecord, stored.cid);
    await recorder.record(recorded);
  } catch (error) {
    await releaseRefused(ctx, push.digest, stored, error);
    throw error;
  } finally {
    stored.done();
  }

  const now = Date.now();
  await ctx.local.commit({ digest: push.digest, cid: stored.cid, size: push.bytes.length, committedAt: now, kind: 'manifest' }, push.name.full);
  await ctx.local.markReferenced([push.digest, ...present.map((p) => p.digest)], now);
  for (const record of recorded.digests) ctx.ownerRecords.add(owner, record.digest, record.cid);
  ctx.content.remember({ digest: push.digest, cid: stored.cid, bytes: push.bytes, mediaType: push.mediaType, parsed: push.manifest });
  ctx.contents.vouchManifest(push.name, push.digest, push.manifest);
  rememberTag(ctx, push);
  return { cid: stored.cid };
}

/** A reference as the worst case would record it: every one, with a CID as long as the store's. */
function standIn(descriptor: Descriptor, type: DigestType): Present {
  return { digest: descriptor.digest, cid: CID_STAND_IN, type };
}

/**
 * What the manifest references, each in this repository (uploaded or mounted here, or part of a
 * manifest already in it) and matching its descriptor: blobs by size, child manifests by size and
 * by parsing as a manifest of the media type their descriptor claims. Whether the repository
 * holds each is asked of all first (a cheap, local question), so a manifest naming references
 * that are not here is refused before any is read and hashed.
 */
async function presentReferences(ctx: GatewayContext, name: RepositoryName, blobs: Descriptor[], children: Descriptor[]): Promise<Present[]> {
  const held = await boundedMap([...blobs, ...children], REFERENCE_CHECKS_IN_FLIGHT, (ref) => ctx.contents.holds(name, ref.digest, 'blob'));
  const notHeld = [...blobs, ...children].filter((_ref, index) => !held[index]);
  if (notHeld.length > 0) throw missingReferences(name, notHeld);
  const readBlobs = await boundedMap(blobs, REFERENCE_CHECKS_IN_FLIGHT, async (blob) => ({
    blob,
    found: await referencedBlob(ctx, name, blob),
  }));
  // A child in the repository in any form is read as a manifest: a blob there that is none is refused as such.
  const readChildren = await boundedMap(children, REFERENCE_CHECKS_IN_FLIGHT, async (child, index) => ({
    child,
    found: await readChild(ctx, name, child).catch((error) => absentChild(error, child, index)),
  }));
  const missing: Descriptor[] = [];
  const present: Present[] = [];
  for (const { blob, found } of readBlobs) {
    if (!found) missing.push(blob);
    else if (found.size !== blob.size) throw wrongSize(blob, found.size);
    else present.push({ digest: blob.digest, cid: found.cid!, type: 'File' });
  }
  for (const [index, { child, found }] of readChildren.entries()) {
    if (!found) missing.push(child);
    else {
      checkChild(child, found, index);
      present.push({ digest: child.digest, cid: found.cid, type: 'Json' });
    }
  }
  if (missing.length > 0) throw missingReferences(name, missing);
  return present;
}

function missingReferences(name: RepositoryName, missing: Descriptor[]): OciError {
  // Named up to a bound: a manifest may list thousands, and the answer need not be megabytes.
  const named = missing.slice(0, MISSING_NAMED_IN_MESSAGE).map((m) => m.digest).join(', ');
  const more = missing.length > MISSING_NAMED_IN_MESSAGE ? ` and ${missing.length - MISSING_NAMED_IN_MESSAGE} more` : '';
  return new OciError('MANIFEST_BLOB_UNKNOWN', `the manifest references ${missing.length} blob(s) or manifest(s) that ${name.full} does not have (${named}${more}): push them to ${name.full} first (or mount them from a repository you may pull from), then the manifest`, {
    detail: missing.slice(0, MISSING_IN_DETAIL).map((m) => ({ digest: m.digest, mediaType: m.mediaType })),
  });
}

function wrongSize(descriptor: Descriptor, actual: number): OciError {
  return new OciError('MANIFEST_INVALID', `${descriptor.digest} is ${actual} bytes but the manifest says ${descriptor.size}: fix the descriptor's size`, { detail: { digest: descriptor.digest, size: descriptor.size, actual } });
}

/** An index lists manifests only: a child's descriptor must claim a manifest type (no lookup needed to tell). */
function checkChildType(child: Descriptor, index: number): void {
  if (!MANIFEST_KINDS[child.mediaType]) {
    throw new OciError('MANIFEST_INVALID', `manifests[${index}] has media type ${JSON.stringify(child.mediaType)}, which is no manifest type: an index lists manifests only (${Object.keys(MANIFEST_KINDS).join(', ')})`, { detail: { digest: child.digest, mediaType: child.mediaType } });
  }
}

/** A child of an index is a manifest of the type its descriptor claims, of the size it claims. */
function checkChild(child: Descriptor, found: VerifiedManifest, index: number): void {
  if (found.mediaType !== child.mediaType) {
    throw new OciError('MANIFEST_INVALID', `manifests[${index}] (${child.digest}) says it is a ${child.mediaType}, but it is a ${found.mediaType}: fix the descriptor's mediaType`, { detail: { digest: child.digest, mediaType: child.mediaType, actual: found.mediaType } });
  }
  if (found.bytes.length !== child.size) throw wrongSize(child, found.bytes.length);
}

/** A child manifest: recorded as one, or uploaded as a blob (of the descriptor's size) whose bytes must then parse as one. */
async function readChild(ctx: GatewayContext, name: RepositoryName, child: Descriptor): Promise<VerifiedManifest> {
  try {
    return await ctx.content.manifest(name, child.digest);
  } catch (error) {
    if (!(error instanceof OciError) || error.code !== 'MANIFEST_UNKNOWN' || error instanceof NotAManifestError) throw error;
    return ctx.content.blobAsManifest(name, child.digest, child.size);
  }
}

/**
 * A referenced blob, verified, of the descriptor's size: a CID of another size recorded for the
 * digest (anyone may point it at a file of gigabytes) is not read and hashed to find out that it
 * is not. When none of that size is here, one of another size, looked up without hashing it, is
 * what the refusal names (its size); undefined when the repository has none.
 */
async function referencedBlob(ctx: GatewayContext, name: RepositoryName, blob: Descriptor): Promise<VerifiedBlob | undefined> {
  try {
    return await ctx.content.blob(name, blob.digest, { skipCache: true, expectedSize: blob.size });
  } catch (error) {
    absent(error);
    const other = await ctx.content.blob(name, blob.digest, { skipCache: true, verify: 'while-streaming', thenReads: 'nothing' }).catch((error) => absent(error));
    return other && other.size !== blob.size ? other : undefined;
  }
}

function absentChild(error: unknown, child: Descriptor, index: number): undefined {
  if (error instanceof NotAManifestError) {
    throw new OciError('MANIFEST_INVALID', `manifests[${index}] (${child.digest}) is not a manifest: its content does not parse as one, and an index lists manifests only`, { detail: { digest: child.digest, mediaType: child.mediaType } });
  }
  return absent(error);
}

/** A reference counts as absent when it is unknown; backend outages still fail the push (503). */
function absent(error: unknown): undefined {
  if (error instanceof OciError && (error.code === 'BLOB_UNKNOWN' || error.code === 'MANIFEST_UNKNOWN')) return undefined;
  throw error;
}

/**
 * Whether the chain's current record of this content is not the owner's verified CID: absent,
 * of the other type, pointing at bytes not verified to match the digest, or written by someone
 * else (DigestInfoStorage is global and last writer wins). Such a record is written again, so a
 * push repairs a record another account repointed.
 */
async function needsRecord(ctx: GatewayContext, owner: string, item: Present): Promise<boolean> {
  const current = await ctx.chain.digestInfo(item.digest);
  const cid = current?.cid.text;
  if (!cid || current.digestType !== item.type || !ctx.verified.isVerified(item.digest, cid)) return true;
  if (ctx.ownerRecords.has(owner, item.digest, cid)) return false;
  // Asked with the owner, so strangers' records of the same digest (anyone may write them, newest
  // first) cannot crowd the owner's out of the answer and make every push write its records again.
  const records = ctx.resolver.index ? await ctx.resolver.index.digestRecords(item.digest, owner).catch(() => undefined) : undefined;
  return !records?.some((record) => record.account === owner && record.cid === cid);
}

function unique(descriptors: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
}

async function* oneChunk(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** Manifest CIDs being published here now, with how many pushes hold each. */
const publishing = new Map<string, number>();

interface StoredManifest {
  readonly cid: string;
  /** Whether the manifest was pinned before this push stored it (pushed before, uploaded as a blob, fetched, mirrored). */
  readonly pinnedBefore: boolean;
  /** Ends this push's hold on the CID. */
  done(): void;
}

/**
 * Stores and pins the manifest, noting whether it was pinned already, so a push the chain refuses
 * can release exactly the pin it added and never one that keeps someone else's copy.
 */
async function storeManifest(ctx: GatewayContext, bytes: Buffer): Promise<StoredManifest> {
  const { cid } = await ctx.store.put(oneChunk(bytes), { pin: false });
  publishing.set(cid, (publishing.get(cid) ?? 0) + 1);
  let held = true;
  const done = () => {
    if (!held) return;
    held = false;
    const left = (publishing.get(cid) ?? 1) - 1;
    if (left > 0) publishing.set(cid, left);
    else publishing.delete(cid);
  };
  try {
    const pinnedBefore = await ctx.store.isPinned(cid);
    if (!pinnedBefore) await ctx.store.pin(cid);
    return { cid, pinnedBefore, done };
  } catch (error) {
    done();
    throw error;
  }
}

/**
 * After a push the chain did not take, releases the manifest's pin when nothing else may need it.
 * Each refused push of a new manifest (an unpayable fee, a proxy revoked meanwhile, a full pool)
 * otherwise kept up to the manifest limit pinned for good: no upload session or local record
 * refers to it, so no cleanup would ever find it. Kept when the outcome is unknown (a timeout or a
 * lost connection: the record may still land, and its tag must then find the bytes), when it was
 * pinned before this push, when another push of it is under way, when this gateway holds it for a
 * repository, or when the chain records its digest at this CID.
 */
async function releaseRefused(ctx: GatewayContext, digest: string, stored: StoredManifest, error: unknown): Promise<void> {
  if (stored.pinnedBefore || !refusedForCertain(error) || (publishing.get(stored.cid) ?? 0) > 1) return;
  try {
    if (await ctx.local.get(digest)) return;
    if ((await ctx.chain.digestInfo(digest))?.cid.text === stored.cid) return;
    await ctx.store.unpin(stored.cid);
  } catch {
    // The chain or IPFS cannot say or do it now: the pin stays, as before this check existed.
  }
}

/** Whether nothing of the push can have been recorded: refused before or at submission, or reverted in its block. */
function refusedForCertain(error: unknown): boolean {
  if (error instanceof ChainTxError) return error.kind === 'invalid' || error.kind === 'dispatch' || error.kind === 'signing' || (error.kind === 'pool' && (error.chainErrorName === 'Usurped' || error.chainErrorName === 'Invalid'));
  return error instanceof OciError || error instanceof ChainUnavailableError;
}

function rememberTag(ctx: GatewayContext, push: ManifestPush): void {
  if (push.reference.kind !== 'tag') return;
  let tags = ctx.recent.tags.get(push.name.full);
  if (!tags) ctx.recent.tags.set(push.name.full, (tags = new Set()));
  tags.add(push.reference.tag);
}
