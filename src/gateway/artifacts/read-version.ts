// One exact version, read the way a pull reads it: the tag through the name owner's records (chain
// storage, current even before the index caught up; a read is reused for two seconds), the
// manifest from IPFS checked against its digest. Whether the version was moved since it was first published comes from the index, which
// keeps every tag update; downloads of a moved version say so.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { getBlob } from '../handlers/blobs';
import type { Descriptor } from '../oci/manifest';
import type { RepositoryName } from '../oci/reference';
import type { VersionView } from './catalog';
import { ArtifactError, toArtifactError } from './errors';
import { ANNOTATIONS } from './kinds';

export interface ExactVersion {
  readonly name: RepositoryName;
  readonly version: string;
  readonly digest: string;
  /** The manifest's CID. */
  readonly cid: string;
  readonly artifactType?: string;
  readonly annotations: Record<string, string>;
  /** The layers: the files, with their titles. */
  readonly files: readonly (Descriptor & { readonly title: string | null })[];
}

export interface MoveNotice {
  readonly moved: boolean;
  readonly originalDigest?: string;
  readonly moveCount?: number;
}

/** A version's tag is read again after this long: a tag moved over the OCI API shows within it. */
const EXACT_VERSION_TTL_MS = 2_000;

export function readExactVersion(ctx: GatewayContext, name: RepositoryName, version: string): Promise<ExactVersion> {
  return ctx.artifacts.recently(`${name.full}:${version}`, EXACT_VERSION_TTL_MS, () => readFromChain(ctx, name, version));
}

async function readFromChain(ctx: GatewayContext, name: RepositoryName, version: string): Promise<ExactVersion> {
  try {
    const digest = await ctx.resolver.tagDigest(name, version);
    if (!digest) throw new ArtifactError('NOT_FOUND', `${name.full} has no version ${JSON.stringify(version)}: list its versions, or publish it`);
    const manifest = await ctx.content.manifest(name, digest);
    ctx.contents.vouchManifest(name, digest, manifest.parsed);
    // An image manifest's blobs are its config, then its layers: the files.
    const layers = manifest.parsed.kind === 'image' ? manifest.parsed.blobs.slice(1) : [];
    const files = layers.map((b) => ({ ...b, title: b.annotations?.[ANNOTATIONS.title] ?? null }));
    return { name, version, digest, cid: manifest.cid, artifactType: manifest.parsed.artifactType, annotations: manifest.parsed.annotations ?? {}, files };
  } catch (error) {
    throw toArtifactError(error);
  }
}

/**
 * What the index knows of a version's moves, asked as soon as the version is named so that the
 * query runs while the tag is resolved; nothing when the index cannot say (none, or it is down).
 */
export function askMoves(ctx: GatewayContext, name: RepositoryName, version: string): Promise<VersionView | undefined> {
  const catalog = ctx.artifacts.catalog;
  if (!catalog) return Promise.resolve(undefined);
  return ctx.artifacts.recently(`moves ${name.full}:${version}`, EXACT_VERSION_TTL_MS, () => catalog.version(name.repo, name.image, version)).catch(() => undefined);
}

export async function moveNotice(ctx: GatewayContext, version: ExactVersion, asked = askMoves(ctx, version.name, version.version)): Promise<MoveNotice> {
  const indexed = await asked;
  if (!indexed) return { moved: false };
  const original = indexed.originalDigest ?? undefined;
  return { moved: indexed.moved || (original !== undefined && original !== version.digest), originalDigest: original, moveCount: indexed.moveCount };
}

/** Headers that tell a downloader the version was moved after it was published. */
export function moveHeaders(version: ExactVersion, notice: MoveNotice): Record<string, string> {
  if (!notice.moved) return {};
  const first = notice.originalDigest ? `; it was first published as ${notice.originalDigest}` : '';
  return {
    'Hcr-Version-Moved': 'true',
    ...(notice.originalDigest ? { 'Hcr-Original-Digest': notice.originalDigest } : {}),
    Warning: `299 - "${version.name.full} ${version.version} was moved to another manifest (${version.digest}) after it was published${first}; versions are meant to be immutable, check that this is the build you expect"`,
  };
}

/**
 * Sends one file of a version as the blob download does (verified bytes, the blob cache, byte
 * ranges), with the file's digest, the version's headers and whether it moved.
 */
export async function sendVersionFile(ctx: GatewayContext, req: Request, res: Response, version: ExactVersion, file: ExactVersion['files'][number], options: { filename?: string; moves?: Promise<VersionView | undefined> } = {}): Promise<void> {
  for (const [header, value] of Object.entries(moveHeaders(version, await moveNotice(ctx, version, options.moves)))) res.setHeader(header, value);
  res.setHeader('Hcr-Manifest-Digest', version.digest);
  const filename = downloadName(options.filename ?? file.title ?? '');
  if (filename) res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  await getBlob(ctx, req, res, { name: version.name.full, digest: file.digest });
}

/**
 * A file's title as a download offers it to be saved: its last path component only (a title is
 * whatever the manifest's pusher wrote, `../../.ssh/authorized_keys` included, and not every
 * client strips directories from Content-Disposition), printable ASCII without quotes.
 */
export function downloadName(title: string): string | undefined {
  const base = (title.split(/[/\\]/).pop() ?? '').replace(/[^\x20-\x7e]|"/g, '_').trim();
  return base === '' || /^\.+$/.test(base) ? undefined : base;
}

/** The file a single-file door serves: the only layer, else the first one. */
export function mainFile(version: ExactVersion): ExactVersion['files'][number] {
  const file = version.files[0];
  if (!file) throw new ArtifactError('NOT_FOUND', `${version.name.full} ${version.version} has no files to download (its manifest lists no layers)`);
  return file;
}
