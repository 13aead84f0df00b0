// Manifests by tag or digest: GET and HEAD resolve a tag through the name owner's records and a
// digest only when it is a manifest of this repository (RepositoryContents), and serve verified
// bytes; PUT validates, stores and records on chain; DELETE is unsupported.
import type { Request, Response } from 'express';
import type { BlockRef } from '../bundles/bundle-record';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { paths } from '../http/paths';
import { manifestMediaType, parseManifest, parseManifestJson } from '../oci/manifest';
import { type ManifestReference, parseName, parseReference, sha256Digest, type RepositoryName } from '../oci/reference';
import { publishManifest } from '../push/publish-manifest';
import { readBody } from './request-body';

/**
 * A reference to read: a name that can be no tag is an unknown manifest (404, as the OCI spec's
 * conformance tests expect of reads), while a PUT to it stays invalid (400).
 */
function readReference(name: RepositoryName, raw: string): ManifestReference {
  try {
    return parseReference(raw);
  } catch (error) {
    if (!(error instanceof OciError) || error.code !== 'MANIFEST_INVALID') throw error;
    throw new OciError('MANIFEST_UNKNOWN', `${name.full} has no manifest ${JSON.stringify(raw.slice(0, 80))}: ${error.message}`, { detail: { name: name.full, reference: raw.slice(0, 80) } });
  }
}

async function resolveManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) {
  const name = parseName(params.name);
  const reference = readReference(name, params.reference);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  let digest: string;
  let asOf: BlockRef | undefined;
  if (reference.kind === 'tag') {
    const tagged = await ctx.resolver.resolveTag(name, reference.tag);
    if (!tagged.digest) throw unknownTag(name, reference.tag);
    digest = tagged.digest;
    asOf = tagged.asOf;
  } else {
    await ctx.resolver.owner(name.repo);
    if (!(await ctx.contents.holds(name, reference.digest, 'manifest'))) throw notInRepository(name, reference.digest);
    digest = reference.digest;
  }
  const manifest = await ctx.content.manifest(name, digest);
  // Answered from an imported bundle's record while the chain cannot be reached: say as of when,
  // and do not remember it as the repository's, which would outlast the chain's return (what it
  // references is the repository's for now through the imported records: RepositoryContents).
  if (asOf) res.setHeader('X-HCR-As-Of-Block', `${asOf.number} ${asOf.hash}`);
  else ctx.contents.vouchManifest(name, digest, manifest.parsed);
  return manifest;
}

function notInRepository(name: RepositoryName, digest: string): OciError {
  return new OciError('MANIFEST_UNKNOWN', `${name.full} has no manifest ${digest}: its owner has not recorded one for this image (a digest is served only in the repository it was pushed to); list the tags with GET ${paths.tags(name.full)}`, { detail: { name: name.full, digest } });
}

function unknownTag(name: RepositoryName, tag: string): OciError {
  return new OciError('MANIFEST_UNKNOWN', `${name.full} has no tag ${JSON.stringify(tag)}: list its tags with GET ${paths.tags(name.full)}, or push it`, { detail: { name: name.full, tag } });
}

function setManifestHeaders(res: Response, manifest: { digest: string; mediaType: string; bytes: Buffer }): void {
  res.setHeader('Content-Type', manifest.mediaType);
  res.setHeader('Content-Length', manifest.bytes.length);
  res.setHeader('Docker-Content-Digest', manifest.digest);
  res.setHeader('ETag', `"${manifest.digest}"`);
}

export async function getManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const manifest = await resolveManifest(ctx, req, res, params);
  setManifestHeaders(res, manifest);
  res.status(200).end(manifest.bytes);
}

export async function headManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const manifest = await resolveManifest(ctx, req, res, params);
  setManifestHeaders(res, manifest);
  res.status(200).end();
}

export async function putManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const reference = parseReference(params.reference);
  const account = await ctx.access.require(req, { type: 'repository', name: name.full, action: 'push' });
  const permit = await ctx.policy.permit(name.repo, account, { fresh: true });
  const bytes = await readBody(req, ctx.limits.manifestBytes, 'manifest');
  // Asked again once the body is in: a sender may trickle it for as long as it likes, and a token
  // revoked meanwhile (or an access token expired) must not record what it began.
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'push' });
  const digest = sha256Digest(bytes);
  if (reference.kind === 'digest' && reference.digest !== digest) {
    throw new OciError('DIGEST_INVALID', `the manifest's digest is ${digest}, not ${reference.digest} as the URL says: push it by its own digest or by a tag`, { detail: { expected: reference.digest, actual: digest } });
  }
  const body = parseManifestJson(bytes);
  const mediaType = manifestMediaType(body, req.headers['content-type']);
  const manifest = parseManifest(body, mediaType);
  await publishManifest(ctx, { name, reference, digest, bytes, mediaType, manifest, permit });
  res.setHeader('Location', paths.manifest(name.full, digest));
  res.setHeader('Docker-Content-Digest', digest);
  if (manifest.subject) res.setHeader('OCI-Subject', manifest.subject.digest);
  res.status(201).end();
}

export async function deleteManifest(_ctx: GatewayContext, _req: Request, _res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  parseReference(params.reference);
  throw new OciError('UNSUPPORTED', `manifests and tags of ${name.full} cannot be deleted: the chain keeps every record and has no delete; push another manifest to move a tag`);
}
