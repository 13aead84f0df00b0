// An offline bundle of spaces, images or tags: the facts read at the chain's finalized head
// (bundle-record.ts), then every block of every manifest and blob they name, depth-first, each
// once. Tags resolve as pulls do (through the name owner's records: docs/name-ownership.md) and
// every byte is verified against its digest before it goes in.
import type { CID } from 'multiformats/cid';
import { carBlock, carHeader } from '../../ipfs/car';
import { ipfsModules } from '../../ipfs/esm';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { parseName, type RepositoryName } from '../oci/reference';
import { contestedName, unknownSpace } from '../resolve/name-errors';
import { type BlockRef, BUNDLE_FORMAT, type BundleContent, type BundleRecord, type BundleSpace, type BundleTag, JSON_CODEC } from './bundle-record';

/** `acme` (a whole space), `acme/web` (every tag of an image) or `acme/web:1.0`. */
export interface Selection {
  readonly repo: string;
  readonly name?: RepositoryName;
  readonly tag?: string;
}

export function parseSelection(ref: string): Selection {
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > ref.lastIndexOf('/');
  const path = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : undefined;
  if (!path.includes('/')) {
    if (tag !== undefined || !/^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/.test(path)) {
      throw new OciError('NAME_INVALID', `${JSON.stringify(ref)} names nothing to export: give a space (acme), an image (acme/web) or a tag (acme/web:1.0)`);
    }
    return { repo: path };
  }
  const name = parseName(path);
  if (tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(tag)) throw new OciError('MANIFEST_INVALID', `${JSON.stringify(tag)} is not a tag`);
  return { repo: name.repo, name, tag };
}

/** A selection with the images it stands for: what pull access is checked on before anything is read. */
export interface ExportTarget {
  readonly selection: Selection;
  readonly names: readonly RepositoryName[];
}

/** The images each selection stands for (a space's are listed; nothing of their content is read). */
export async function exportTargets(ctx: GatewayContext, selections: readonly Selection[]): Promise<ExportTarget[]> {
  const targets: ExportTarget[] = [];
  for (const selection of selections) targets.push({ selection, names: selection.name ? [selection.name] : await imagesOf(ctx, selection.repo) });
  return targets;
}

/** The facts the targets stand for, read at the finalized head. */
export async function bundleRecord(ctx: GatewayContext, targets: readonly ExportTarget[]): Promise<BundleRecord> {
  const block = await ctx.chain.finalizedBlock();
  const spaces = new Map<string, BundleSpace>();
  // By `<repository>:<tag>`: each tag once, however many selections name it (`acme` and `acme/web:1.0`).
  const tags = new Map<string, BundleTag>();
  const content = new Map<string, BundleContent & { repositories: string[] }>();
  for (const { selection, names } of targets) {
    const claim = await ctx.chain.claimAtBlock(selection.repo, block.hash);
    if (!claim) throw unknownSpace(selection.repo);
    spaces.set(selection.repo, { name: selection.repo, id: claim.owner.id, owner: claim.owner.owner });
    for (const name of names) {
      for (const tag of selection.tag ? [selection.tag] : await tagsOf(ctx, name)) {
        const key = `${name.full}:${tag}`;
        if (tags.has(key)) continue;
        const digest = await tagAt(ctx, name, tag, block, claim.contested);
        tags.set(key, { repository: name.full, tag, digest, recordedBy: claim.owner.owner });
        await addManifest(ctx, name, digest, content, claim.owner.owner);
      }
    }
  }
  return { format: BUNDLE_FORMAT, chain: { genesisHash: ctx.chain.genesisHash, block }, exportedAt: new Date().toISOString(), spaces: [...spaces.values()], tags: [...tags.values()], content: [...content.values()] };
}

/**
 * Blocks an export remembers having written, to write each once. A set of every block of a large
 * space (four million for a terabyte of 256 KiB leaves) would hold hundreds of megabytes for as
 * long as the client takes to read the bundle, and anyone allowed to pull may start several
 * exports: past this many (some 60 MB), a block met again is written again, which an import takes
 * as well (it keeps one place per block).
 */
export const MAX_REMEMBERED_BLOCKS = 500_000;

/** The bundle as CAR bytes: the record (the root), then every block of its content, each once (see MAX_REMEMBERED_BLOCKS). */
export async function* bundleCar(ctx: Pick<GatewayContext, 'store'>, record: BundleRecord, rememberedBlocks = MAX_REMEMBERED_BLOCKS): AsyncGenerator<Uint8Array> {
  const m = await ipfsModules();
  const recordBytes = Buffer.from(JSON.stringify(record));
  const recordCid = m.CID.createV1(JSON_CODEC, await m.sha256.digest(recordBytes));
  yield await carHeader([recordCid]);
  yield* carBlock(recordCid, recordBytes);
  const seen = new Set<string>();
  for (const item of record.content) {
    for await (const block of ctx.store.blocks(item.cid)) {
      const key = (block.cid as CID).toString();
      if (seen.has(key)) continue;
      if (seen.size < rememberedBlocks) seen.add(key);
      yield* carBlock(block.cid, block.bytes);
    }
  }
}

async function imagesOf(ctx: GatewayContext, repo: string): Promise<RepositoryName[]> {
  const index = ctx.resolver.index;
  const fromIndex = index ? await index.repositories().catch(() => undefined) : undefined;
  const names = fromIndex?.filter((full) => full.startsWith(`${repo}/`))
    ?? (await ctx.chain.claim(repo))?.owner.imageNames.flatMap((image) => (image.text ? [`${repo}/${image.text}`] : []))
    ?? [];
  return names.map(parseName);
}

async function tagsOf(ctx: GatewayContext, name: RepositoryName): Promise<string[]> {
  const owner = await ctx.resolver.owner(name.repo);
  const fromIndex = ctx.resolver.index ? await ctx.resolver.index.tags(name, owner.claim ? owner.spaceId : undefined).catch(() => undefined) : undefined;
  if (fromIndex) return fromIndex;
  if (owner.claim?.contested) throw contestedName(name.repo, owner.claim, 'the index could not list the owner\'s tags', 503);
  return (await ctx.chain.tags(name)).map((record) => record.tag);
}

/** A tag's digest as of `block`: chain storage while the name is not contested, else the owner's records in the index. */
async function tagAt(ctx: GatewayContext, name: RepositoryName, tag: string, block: BlockRef, contested: boolean): Promise<string> {
  const digest = contested ? await ctx.resolver.tagDigest(name, tag) : (await ctx.chain.tagAtBlock(name, tag, block.hash)).digest;
  if (!digest) throw new OciError('MANIFEST_UNKNOWN', `${name.full} has no tag ${JSON.stringify(tag)} as of block #${block.number} (the finalized head): push it, or wait for its block to be finalized`);
  return digest;
}

/** A manifest, what it references, and its children's, verified, into `content`; `owner` is the SS58 of the space's owner at the block. */
async function addManifest(ctx: GatewayContext, name: RepositoryName, digest: string, content: Map<string, BundleContent & { repositories: string[] }>, owner: string): Promise<void> {
  const known = content.get(digest);
  if (known) {
    if (!known.repositories.includes(name.full)) known.repositories.push(name.full);
    if (known.kind === 'manifest') return;
  }
  const manifest = await ctx.content.manifest(name, digest);
  content.set(digest, { digest, cid: manifest.cid, kind: 'manifest', size: manifest.bytes.length, repositories: [name.full], recordedBy: await recordedBy(ctx, name, digest, manifest.cid, 'manifest', owner) });
  for (const blob of manifest.parsed.blobs) {
    const had = content.get(blob.digest);
    if (had) {
      if (!had.repositories.includes(name.full)) had.repositories.push(name.full);
      continue;
    }
    // Only a CID of the size the manifest gives the blob is read: anyone may point the digest's
    // chain record at a huge file, which a replica would otherwise fetch from its peers and hash
    // whole (for any caller of GET /bundles) before its digest showed it is not the blob.
    const found = await ctx.content.blob(name, blob.digest, { skipCache: true, expectedSize: blob.size });
    content.set(blob.digest, { digest: blob.digest, cid: found.cid!, kind: 'blob', size: found.size, repositories: [name.full], recordedBy: await recordedBy(ctx, name, blob.digest, found.cid!, 'blob', owner) });
  }
  for (const child of manifest.parsed.children) await addManifest(ctx, name, child.digest, content, owner);
}

/**
 * The account whose record names this CID for the digest: the space owner's when the owner has
 * one, else the newest other; null without an index. The owner's records are asked for apart
 * from everyone else's: anyone may record any digest (with this CID or another) as often as they
 * like, and a list of the newest from anyone would then hold only theirs, naming a stranger (or
 * no one) as the recorder of the owner's content.
 */
async function recordedBy(ctx: GatewayContext, name: RepositoryName, digest: string, cid: string, kind: 'manifest' | 'blob', owner: string): Promise<string | null> {
  const index = ctx.resolver.index;
  const records = await (kind === 'manifest' ? index?.manifestRecords(name, digest, owner) : index?.digestRecords(digest, owner))?.catch(() => undefined);
  const naming = records?.filter((record) => record.cid === cid) ?? [];
  return (naming.find((record) => record.account === owner) ?? naming[0])?.account ?? null;
}
