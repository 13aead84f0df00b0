// POST /api/packages/publish: a multipart body with a `metadata` part ({"name","version",
// "description","keywords","labels","sha256"}) and the `tarball` file part (further file parts
// become further files of the version, in order), with a token that may publish. The version must be a semantic version and new; a tarball whose sha256 is not the
// declared one is refused with nothing stored.
import type { Request, Response } from 'express';
import { requirePublish, stillAuthorizedCheck } from '../../artifacts/access';
import { type ReceivedFile, discardFile, receiveFile } from '../../artifacts/blob-intake';
import { artifactName, artifactVersion } from '../../artifacts/coordinates';
import { ArtifactError } from '../../artifacts/errors';
import { ARTIFACT_KINDS, artifactTypeOf } from '../../artifacts/kinds';
import { annotationsOf, checkDescription, checkKeywords, checkLabels, MAX_METADATA_BYTES, parseMetadataJson } from '../../artifacts/metadata';
import { publishArtifact, type Reservation, reserveVersion } from '../../artifacts/publish-artifact';
import { nextFileAllowance } from '../../artifacts/version-bytes';
import type { GatewayContext } from '../../context';
import type { RepositoryName } from '../../oci/reference';
import { declaredDigest } from '../declared-digest';
import { fileBeforeMetadata } from '../metadata-first';
import { multipartParts } from '../multipart';
import { packagePaths } from './paths';
import { requestClientKey } from '../../../limits/client-key';

const FILE_PARTS = new Set(['tarball', 'package', 'file']);
/** Files one version may have: the tarball first, then any others (signatures, checksums, docs). */
const MAX_FILES = 16;

interface PackageMetadata {
  readonly name: RepositoryName;
  readonly version: string;
  readonly artifactType: string;
  readonly description?: string;
  readonly keywords: string[];
  readonly labels: Record<string, string>;
  readonly sha256?: string;
}

function readMetadata(ctx: GatewayContext, text: string): PackageMetadata {
  const body = parseMetadataJson(text);
  let artifactType: string = ARTIFACT_KINDS.package;
  if (body.kind !== undefined) {
    try {
      artifactType = artifactTypeOf(String(body.kind));
    } catch (error) {
      throw new ArtifactError('INVALID_METADATA', (error as Error).message, { field: 'metadata.kind' });
    }
  }
  return {
    name: artifactName(body.name, ctx.artifacts.defaultSpace, 'metadata.name'),
    version: artifactVersion(body.version, true, 'metadata.version'),
    artifactType,
    description: checkDescription(body.description, 'metadata.description'),
    keywords: checkKeywords(body.keywords ?? body.tags, 'metadata.keywords'),
    labels: checkLabels(body.labels, 'metadata.labels'),
    sha256: declaredDigest(body.sha256 ?? body.digest, 'metadata.sha256'),
  };
}

export async function postPublish(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  const account = await requirePublish(ctx, req.headers.authorization, () => requestClientKey(req));
  const stillAuthorized = stillAuthorizedCheck(ctx, req.headers.authorization);
  let metadata: PackageMetadata | undefined;
  let reservation: Reservation | undefined;
  const received: { file: ReceivedFile; filename?: string; mimeType?: string }[] = [];
  try {
    for await (const part of multipartParts(req, { fieldBytes: MAX_METADATA_BYTES, files: MAX_FILES, fields: 4 })) {
      if (part.kind === 'field' && part.name === 'metadata') {
        if (metadata) throw new ArtifactError('INVALID_METADATA', 'the metadata part was sent twice: send it once', { field: 'metadata' });
        metadata = readMetadata(ctx, part.value);
        reservation = await reserveVersion(ctx, metadata.name, metadata.version, account, stillAuthorized);
      } else if (part.kind === 'file' && FILE_PARTS.has(part.name)) {
        if (!reservation) throw fileBeforeMetadata(part.name, 'curl -F \'metadata={"name":"acme/sensor","version":"1.0.0"}\' -F "tarball=@sensor-1.0.0.tar.gz", in that order');
        const what = received.length === 0 ? 'the tarball' : `file ${received.length + 1}`;
        const allowance = nextFileAllowance(ctx, received.reduce((sum, { file }) => sum + file.size, 0), what);
        received.push({ file: await receiveFile(ctx, metadata!.name.full, part.stream, { what, ...allowance }), filename: part.filename, mimeType: part.mimeType });
      }
    }
    if (!metadata) throw new ArtifactError('MISSING_PART', 'the metadata part is missing: send -F \'metadata={"name":"acme/sensor","version":"1.0.0","description":"…","keywords":["iot"]}\'', { field: 'metadata' });
    if (received.length === 0) throw new ArtifactError('MISSING_PART', 'the tarball part is missing: send the package as -F "tarball=@sensor-1.0.0.tar.gz"', { field: 'tarball' });
    reservation ??= await reserveVersion(ctx, metadata.name, metadata.version, account, stillAuthorized);
  } catch (error) {
    reservation?.release();
    for (const { file } of received) await discardFile(ctx, file);
    throw error;
  }
  const titles = new Set<string>();
  const files = received.map(({ file, filename, mimeType }, i) => {
    let title = filename || (i === 0 ? `${metadata.name.image.split('/').pop()}-${metadata.version}.tar.gz` : `file-${i + 1}`);
    while (titles.has(title)) title = `${i + 1}-${title}`;
    titles.add(title);
    const mediaType = mimeType && mimeType !== 'application/octet-stream' ? mimeType : i === 0 ? 'application/gzip' : 'application/octet-stream';
    // The declared sha256 is the tarball's (the first file).
    return { title, mediaType, file, declaredDigest: i === 0 ? metadata.sha256 : undefined };
  });
  const published = await publishArtifact(ctx, reservation, {
    artifactType: metadata.artifactType,
    files,
    annotations: annotationsOf({ labels: metadata.labels, description: metadata.description, keywords: metadata.keywords }, metadata.version),
  });
  const file = published.files[0];
  res.status(201).json({
    name: published.name,
    version: published.version,
    space: published.space.name,
    owner: published.space.owner,
    publishedBy: published.pushedBy ?? null,
    file: file.title,
    size: file.size,
    sha256: file.digest,
    cid: file.cid,
    manifestDigest: published.digest,
    manifestCid: published.cid,
    downloadUrl: packagePaths.download(published.name, published.version),
    files: published.files.map((f) => ({ title: f.title, size: f.size, sha256: f.digest, cid: f.cid })),
    indexed: published.indexed,
  });
}
