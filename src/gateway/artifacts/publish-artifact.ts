// Publishing one artifact version through the gateway's push path: the publisher's right to push
// to the space (PushPolicy), the version not published before (versions are immutable through
// the front doors; the chain cannot enforce it, so the index flags a tag moved later), the files
// committed as blobs of the repository, then one OCI artifact manifest recorded by
// publishManifest in one proxied extrinsic. Nothing is recorded until every check passed, and
// files committed for a publish that fails are released.
import semver from 'semver';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { parseManifest, parseManifestJson } from '../oci/manifest';
import { MEDIA_TYPES } from '../oci/media-types';
import { type RepositoryName, sha256Digest } from '../oci/reference';
import { publishManifest } from '../push/publish-manifest';
import type { PushPermit } from '../push/push-policy';
import { type CommittedBlob, commitFile, discardFile, type ReceivedFile, receiveBytes, releaseBlobs } from './blob-intake';
import { ArtifactError, toArtifactError } from './errors';
import { ANNOTATIONS, EMPTY_CONFIG } from './kinds';

/** A version about to be published: the push is allowed and the version is free. */
export interface Reservation {
  readonly name: RepositoryName;
  readonly version: string;
  readonly permit: PushPermit;
  /** Refuses when the publisher's credential was revoked since the upload began (artifacts/access.ts). */
  readonly stillAuthorized: () => Promise<void>;
  release(): void;
}

export interface ArtifactFileInput {
  readonly title: string;
  readonly mediaType?: string;
  readonly file: ReceivedFile;
  /** The digest the publisher declared for the file (a mismatch refuses the publish). */
  readonly declaredDigest?: string;
}

export interface PublishedFile {
  readonly title: string;
  readonly mediaType: string;
  readonly digest: string;
  readonly cid: string;
  readonly size: number;
}

export interface PublishedArtifact {
  readonly name: string;
  readonly version: string;
  readonly artifactType: string;
  readonly digest: string;
  readonly cid: string;
  readonly files: PublishedFile[];
  readonly annotations: Record<string, string>;
  readonly space: { readonly name: string; readonly owner: string };
  readonly pushedBy?: string;
  /** Whether the index listed the version before the answer (else it will shortly). */
  readonly indexed: boolean;
}

/**
 * Checks that `account` may publish `version` of `name` and that the version is new, and holds
 * it until release() (a concurrent publish of the same version here is refused at once).
 */
export async function reserveVersion(ctx: GatewayContext, name: RepositoryName, version: string, account: string | undefined, stillAuthorized: () => Promise<void>): Promise<Reservation> {
  if (!ctx.recorder) throw new ArtifactError('READ_ONLY', 'this gateway is a read-only replica (started without a key): publish through a gateway started with GATEWAY_SURI');
  ctx.artifacts.takePublish(account);
  let permit: PushPermit;
  try {
    permit = await ctx.policy.permit(name.repo, account, { fresh: true });
  } catch (error) {
    throw toArtifactError(error);
  }
  // Claimed by the version, not its spelling: `1.0.0` and `v1.0.0` are one version (spellingsOf).
  const release = ctx.artifacts.claim(name.full, semver.valid(version) ?? version);
  try {
    await refuseExistingVersion(ctx, name, version);
  } catch (error) {
    release();
    throw toArtifactError(error);
  }
  return { name, version, permit, stillAuthorized, release };
}

/**
 * The tags that are the same version as `version`: node-semver, by which the index and the doors
 * sort and resolve versions, reads `v1.0.0` as 1.0.0. Publishing `v1.0.0` next to a published
 * `1.0.0` (or the reverse) would be that version published again with other bytes, never flagged
 * as moved, and a range would resolve to whichever spelling sorts first. A tag that is no
 * semantic version is only itself.
 */
function spellingsOf(version: string): string[] {
  const canonical = semver.valid(version);
  return canonical === null ? [version] : [version, ...[canonical, `v${canonical}`].filter((tag) => tag !== version)];
}

/** VERSION_EXISTS when chain records already give `name` the tag `version`, or another spelling of it. */
async function refuseExistingVersion(ctx: GatewayContext, name: RepositoryName, version: string): Promise<void> {
  const spellings = spellingsOf(version);
  const existing = await Promise.all(spellings.map((tag) => ctx.resolver.tagDigest(name, tag)));
  const found = existing.findIndex((digest) => digest);
  if (found >= 0) {
    const as = spellings[found] === version ? '' : `as ${spellings[found]}, `;
    throw new ArtifactError('VERSION_EXISTS', `${name.full} ${version} is already published (${as}${existing[found]}): versions are immutable, publish it as a new version`, { field: 'version' });
  }
}

/**
 * Commits the files and records the version. Always releases the reservation; on failure the
 * received files are discarded and the committed ones released.
 */
export async function publishArtifact(ctx: GatewayContext, reservation: Reservation, content: { artifactType: string; files: readonly ArtifactFileInput[]; annotations: Record<string, string> }): Promise<PublishedArtifact> {
  const { name, version, permit } = reservation;
  const committed: CommittedBlob[] = [];
  const pending = [...content.files.map((f) => f.file)];
  try {
    if (content.files.length === 0) throw new ArtifactError('MISSING_PART', 'an artifact needs at least one file');
    // Every declared digest is checked before anything is pinned.
    for (const input of content.files) {
      if (input.declaredDigest !== undefined && input.declaredDigest !== input.file.digest) {
        throw new ArtifactError('DIGEST_MISMATCH', `${input.title} (${input.file.size} bytes) has digest ${input.file.digest}, not ${input.declaredDigest} as declared: nothing was stored; send the file the digest belongs to, or the digest of this file`, { field: 'digest' });
      }
    }
    const config = await receiveBytes(ctx, name.full, EMPTY_CONFIG.bytes);
    pending.push(config);
    const configBlob = await commitFile(ctx, name, config);
    committed.push(configBlob);
    const files: PublishedFile[] = [];
    for (const input of content.files) {
      const blob = await commitFile(ctx, name, input.file);
      committed.push(blob);
      files.push({ title: input.title, mediaType: input.mediaType ?? 'application/octet-stream', digest: blob.digest, cid: blob.cid, size: blob.size });
    }
    pending.length = 0;
    const json = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociManifest,
      artifactType: content.artifactType,
      config: { mediaType: EMPTY_CONFIG.mediaType, digest: configBlob.digest, size: configBlob.size },
      layers: files.map((f) => ({ mediaType: f.mediaType, digest: f.digest, size: f.size, annotations: { [ANNOTATIONS.title]: f.title } })),
      annotations: content.annotations,
    };
    const bytes = Buffer.from(JSON.stringify(json));
    if (bytes.length > ctx.limits.manifestBytes) throw new ArtifactError('TOO_LARGE', `the version's metadata makes a ${bytes.length}-byte manifest; at most ${ctx.limits.manifestBytes} are accepted: send fewer labels or files`);
    const digest = sha256Digest(bytes);
    const manifest = parseManifest(parseManifestJson(bytes), MEDIA_TYPES.ociManifest);
    // Asked again just before recording: the reservation only holds off this gateway's doors, and
    // while the files arrived (minutes, for a large one) the tag may have been set through the OCI
    // API or another gateway. Recording now would silently move that published version.
    await refuseExistingVersion(ctx, name, version);
    // The credential was checked as the upload began, the files' arrival can be put off at will,
    // and a manifest PUT on the OCI API is checked as it is recorded: a token revoked meanwhile
    // (or a login logged out) records nothing here either.
    await reservation.stillAuthorized();
    const { cid } = await publishManifest(ctx, { name, reference: { kind: 'tag', tag: version }, digest, bytes, mediaType: MEDIA_TYPES.ociManifest, manifest, permit });
    ctx.artifacts.forget(`${name.full}:${version}`);
    ctx.artifacts.forget(`moves ${name.full}:${version}`);
    ctx.log(`artifacts: published ${name.full}:${version} (${content.artifactType}, ${digest})${permit.account ? ` for ${permit.account}` : ''}`);
    reservation.release();
    const indexed = ctx.artifacts.catalog && ctx.artifacts.indexWaitMs > 0 ? await ctx.artifacts.catalog.waitFor(name.repo, name.image, version, digest, ctx.artifacts.indexWaitMs) : false;
    return { name: name.full, version, artifactType: content.artifactType, digest, cid, files, annotations: content.annotations, space: { name: name.repo, owner: permit.space.owner }, pushedBy: permit.account, indexed };
  } catch (error) {
    reservation.release();
    for (const file of pending) await discardFile(ctx, file);
    await releaseBlobs(ctx, committed);
    if (error instanceof OciError && error.code === 'MANIFEST_BLOB_UNKNOWN') throw new ArtifactError('INTERNAL', `the files were not found in ${name.full} when the version was recorded (${error.message}); publish again`, { cause: error });
    throw toArtifactError(error);
  }
}
