// A manifest PUT after validation: every referenced blob and child manifest must be present
// (pushed here or recorded on chain, and matching its digest), the manifest goes to IPFS, and
// the records go on chain in one proxied batch. Only then is anything marked as referenced.
import type { DigestType } from '../../chain';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import type { Descriptor, ParsedManifest } from '../oci/manifest';
import type { RepositoryName } from '../oci/reference';
import { factsOf } from '../resolve/verified-content';
import { boundedMap } from '../bounded-map';
import type { PushPermit } from './push-policy';

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
  const present = await presentReferences(ctx, push.name, push.manifest);
  const stored = await ctx.store.put(oneChunk(push.bytes));
  ctx.verified.markVerified(push.digest, stored.cid);

  const owner = push.permit.space.owner;
  const needed = await boundedMap(present, REFERENCE_CHECKS_IN_FLIGHT, (item) => needsRecord(ctx, owner, item));
  const toRecord = present.filter((_item, index) => needed[index]);
  if (push.reference.kind === 'digest') toRecord.push({ digest: push.digest, cid: stored.cid, type: 'Json' });
  const seen = new Set<string>();
  const digests = toRecord.filter((r) => !seen.has(r.digest) && seen.add(r.digest));
  const head = push.reference.kind === 'tag' ? { image: push.name.image, tag: push.reference.tag, digest: push.digest, cid: stored.cid } : undefined;

  await ctx.recorder.record({ owner, repo: push.name.repo, digests, head });

  const now = Date.now();
  await ctx.local.put({ digest: push.digest, cid: stored.cid, size: push.bytes.length, committedAt: now, referencedAt: now });
  await ctx.local.markReferenced(present.map((p) => p.digest), now);
  for (const record of digests) ctx.ownerRecords.add(owner, record.digest, record.cid);
  const verified = { digest: push.digest, cid: stored.cid, bytes: push.bytes, mediaType: push.mediaType };
  ctx.content.remember(verified);
  rememberRecent(ctx, push, verified);
  return { cid: stored.cid };
}

async function presentReferences(ctx: GatewayContext, name: RepositoryName, manifest: ParsedManifest): Promise<Present[]> {
  const blobs = await boundedMap(unique(manifest.blobs), REFERENCE_CHECKS_IN_FLIGHT, async (blob) => ({
    blob,
    found: await ctx.content.blob(name, blob.digest, { skipCache: true }).catch((error) => absent(error)),
  }));
  const children = await boundedMap(unique(manifest.children), REFERENCE_CHECKS_IN_FLIGHT, async (child) => ({
    child,
    found: await ctx.content.manifest(name, child.digest).catch((error) => absent(error)),
  }));
  const missing: Descriptor[] = [];
  const present: Present[] = [];
  for (const { blob, found } of blobs) {
    if (!found) missing.push(blob);
    else if (found.size !== blob.size) {
      throw new OciError('MANIFEST_INVALID', `${blob.digest} is ${found.size} bytes but the manifest says ${blob.size}: fix the descriptor's size`, { detail: { digest: blob.digest, size: blob.size, actual: found.size } });
    } else present.push({ digest: blob.digest, cid: found.cid!, type: 'File' });
  }
  for (const { child, found } of children) {
    if (!found) missing.push(child);
    else present.push({ digest: child.digest, cid: found.cid, type: 'Json' });
  }
  if (missing.length > 0) {
    throw new OciError('MANIFEST_BLOB_UNKNOWN', `the manifest references ${missing.length} blob(s) or manifest(s) this registry does not have (${missing.map((m) => m.digest).join(', ')}): push them first, then the manifest`, {
      detail: missing.map((m) => ({ digest: m.digest, mediaType: m.mediaType })),
    });
  }
  return present;
}

/** A reference counts as absent when it is unknown; backend outages still fail the push (503). */
function absent(error: unknown): undefined {
  if (error instanceof OciError && (error.code === 'BLOB_UNKNOWN' || error.code === 'MANIFEST_UNKNOWN')) return undefined;
  throw error;
}

/** Whether the chain lacks a record of this content for this owner. */
async function needsRecord(ctx: GatewayContext, owner: string, item: Present): Promise<boolean> {
  if (ctx.resolver.index) {
    const records = await ctx.resolver.index.digestRecords(item.digest).catch(() => undefined);
    if (records) return !records.some((r) => r.account === owner && ctx.verified.isVerified(item.digest, r.cid));
  }
  if (!ctx.ownerRecords.has(owner, item.digest, item.cid)) return true;
  // Recorded by this gateway for this owner before; still needed if someone repointed it since.
  const current = await ctx.chain.digestInfo(item.digest);
  return current?.cid.text !== item.cid;
}

function unique(descriptors: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return descriptors.filter((d) => !seen.has(d.digest) && seen.add(d.digest));
}

async function* oneChunk(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

function rememberRecent(ctx: GatewayContext, push: ManifestPush, verified: Parameters<typeof factsOf>[0]): void {
  const key = push.name.full;
  if (push.reference.kind === 'tag') {
    let tags = ctx.recent.tags.get(key);
    if (!tags) ctx.recent.tags.set(key, (tags = new Set()));
    tags.add(push.reference.tag);
  }
  const facts = factsOf(verified);
  if (facts) {
    let manifests = ctx.recent.manifests.get(key);
    if (!manifests) ctx.recent.manifests.set(key, (manifests = new Map()));
    manifests.set(push.digest, facts);
  }
}
