// POST /firmware: a multipart body with a `metadata` part ({"name","version","labels"}, plus an
// optional "description" and "sha256" of the binary) and a `firmware` file part. The version is
// published as an OCI artifact of kind firmware through the gateway's push path; publishing a
// (name, version) that exists is refused (409), as the original's UNIQUE(name, version) does.
import type { Request, Response } from 'express';
import { requirePublish, stillAuthorizedCheck } from '../../artifacts/access';
import { type ReceivedFile, discardFile, receiveFile } from '../../artifacts/blob-intake';
import { artifactName, artifactVersion } from '../../artifacts/coordinates';
import { ArtifactError } from '../../artifacts/errors';
import { ARTIFACT_KINDS } from '../../artifacts/kinds';
import { annotationsOf, checkDescription, checkLabels, MAX_METADATA_BYTES, parseMetadataJson } from '../../artifacts/metadata';
import { publishArtifact, type Reservation, reserveVersion } from '../../artifacts/publish-artifact';
import type { GatewayContext } from '../../context';
import type { RepositoryName } from '../../oci/reference';
import { declaredDigest } from '../declared-digest';
import { fileBeforeMetadata } from '../metadata-first';
import { multipartParts } from '../multipart';
import { shownName } from './shown-name';
import { requestClientKey } from '../../../limits/client-key';

interface FirmwareMetadata {
  readonly sent: string;
  readonly name: RepositoryName;
  readonly version: string;
  readonly labels: Record<string, string>;
  readonly description?: string;
  readonly sha256?: string;
}

function readMetadata(ctx: GatewayContext, text: string): FirmwareMetadata {
  const body = parseMetadataJson(text);
  return {
    sent: typeof body.name === 'string' ? body.name.trim() : '',
    name: artifactName(body.name, ctx.artifacts.defaultSpace, 'metadata.name'),
    version: artifactVersion(body.version, true, 'metadata.version'),
    labels: checkLabels(body.labels, 'metadata.labels'),
    description: checkDescription(body.description, 'metadata.description'),
    sha256: declaredDigest(body.sha256 ?? body.digest, 'metadata.sha256'),
  };
}

export async function postFirmware(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  const account = await requirePublish(ctx, req.headers.authorization, () => requestClientKey(req));
  const stillAuthorized = stillAuthorizedCheck(ctx, req.headers.authorization);
  let metadata: FirmwareMetadata | undefined;
  let reservation: Reservation | undefined;
  let received: ReceivedFile | undefined;
  let filename: string | undefined;
  try {
    for await (const part of multipartParts(req, { fieldBytes: MAX_METADATA_BYTES, files: 1, fields: 4 })) {
      if (part.kind === 'field' && part.name === 'metadata') {
        if (metadata) throw new ArtifactError('INVALID_METADATA', 'the metadata part was sent twice: send it once');
        metadata = readMetadata(ctx, part.value);
        // Checked before the binary arrives: nothing is stored for a push that would be refused.
        reservation = await reserveVersion(ctx, metadata.name, metadata.version, account, stillAuthorized);
      } else if (part.kind === 'file' && part.name === 'firmware') {
        if (!reservation) throw fileBeforeMetadata(part.name, 'curl -F \'metadata={"name":"base","version":"1.0.0"}\' -F "firmware=@firmware.bin", in that order');
        filename = part.filename;
        received = await receiveFile(ctx, metadata!.name.full, part.stream, { what: 'the firmware binary', maxBytes: ctx.artifacts.maxFileBytes });
      }
    }
    if (!metadata) throw new ArtifactError('MISSING_PART', 'the metadata part is missing: send -F \'metadata={"name":"base","version":"1.0.0","labels":{"app":"base"}}\'', { field: 'metadata' });
    if (!received) throw new ArtifactError('MISSING_PART', 'the firmware part is missing: send the binary as -F "firmware=@firmware.bin"', { field: 'firmware' });
    reservation ??= await reserveVersion(ctx, metadata.name, metadata.version, account, stillAuthorized);
  } catch (error) {
    reservation?.release();
    if (received) await discardFile(ctx, received);
    throw error;
  }
  const published = await publishArtifact(ctx, reservation, {
    artifactType: ARTIFACT_KINDS.firmware,
    files: [{ title: filename || 'firmware.bin', mediaType: 'application/octet-stream', file: received, declaredDigest: metadata.sha256 }],
    annotations: annotationsOf({ labels: metadata.labels, description: metadata.description, keywords: [] }, metadata.version),
  });
  const file = published.files[0];
  res.status(201).json({
    success: true,
    name: metadata.sent.includes('/') ? metadata.sent.replace(/^@/, '') : shownName(metadata.name.repo, metadata.name.image, ctx.artifacts.defaultSpace),
    version: metadata.version,
    size: file.size,
    labels: metadata.labels,
    digest: file.digest,
    cid: file.cid,
    manifest_digest: published.digest,
    reference: `${published.name}:${published.version}`,
    indexed: published.indexed,
  });
}
