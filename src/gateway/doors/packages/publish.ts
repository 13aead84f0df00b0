// POST /api/packages/publish: a multipart body with a `metadata` part ({"name","version",
// "description","keywords","labels","sha256"}) and the `tarball` file part, with a token that may
// publish. The version must be a semantic version and new; a tarball whose sha256 is not the
// declared one is refused with nothing stored.
import type { Request, Response } from 'express';
import { requirePublish } from '../../artifacts/access';
import { type ReceivedFile, discardFile, receiveFile } from '../../artifacts/blob-intake';
import { artifactName, artifactVersion } from '../../artifacts/coordinates';
import { ArtifactError } from '../../artifacts/errors';
import { ARTIFACT_KINDS, artifactTypeOf } from '../../artifacts/kinds';
import { annotationsOf, checkDescription, checkKeywords, checkLabels, MAX_METADATA_BYTES, parseMetadataJson } from '../../artifacts/metadata';
import { publishArtifact, type Reservation, reserveVersion } from '../../artifacts/publish-artifact';
import type { GatewayContext } from '../../context';
import type { RepositoryName } from '../../oci/reference';
import { declaredDigest } from '../declared-digest';
import { multipartParts } from '../multipart';
import { packagePaths } from './paths';

const FILE_PARTS = new Set(['tarball', 'package', 'file']);

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
  const account = await requirePublish(ctx, req.headers.authorization);
  let metadata: PackageMetadata | undefined;
  let reservation: Reservation | undefined;
  let received: ReceivedFile | undefined;
  let filename: string | undefined;
  let mimeType: string | undefined;
  try {
    for await (const part of multipartParts(req, { fieldBytes: MAX_METADATA_BYTES, files: 1, fields: 4 })) {
      if (part.kind === 'field' && part.name === 'metadata') {
        if (metadata) throw new ArtifactError('INVALID_METADATA', 'the metadata part was sent twice: send it once', { field: 'metadata' });
        metadata = readMetadata(ctx, part.value);
        reservation = await reserveVersion(ctx, metadata.name, metadata.version, account);
      } else if (part.kind === 'file' && FILE_PARTS.has(part.name)) {
        filename = part.filename;
        mimeType = part.mimeType;
        received = await receiveFile(ctx, metadata?.name.full ?? 'packages/pending', part.stream, { what: 'the tarball' });
      }
    }
    if (!metadata) throw new ArtifactError('MISSING_PART', 'the metadata part is missing: send -F \'metadata={"name":"acme/sensor","version":"1.0.0","description":"…","keywords":["iot"]}\'', { field: 'metadata' });
    if (!received) throw new ArtifactError('MISSING_PART', 'the tarball part is missing: send the package as -F "tarball=@sensor-1.0.0.tar.gz"', { field: 'tarball' });
    reservation ??= await reserveVersion(ctx, metadata.name, metadata.version, account);
  } catch (error) {
    reservation?.release();
    if (received) await discardFile(ctx, received);
    throw error;
  }
  const title = filename || `${metadata.name.image.split('/').pop()}-${metadata.version}.tar.gz`;
  const published = await publishArtifact(ctx, reservation, {
    artifactType: metadata.artifactType,
    files: [{ title, mediaType: mimeType && mimeType !== 'application/octet-stream' ? mimeType : 'application/gzip', file: received, declaredDigest: metadata.sha256 }],
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
    indexed: published.indexed,
  });
}
