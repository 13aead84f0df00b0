// Manifests by tag or digest: GET and HEAD resolve through the index / chain storage and serve
// verified bytes; PUT validates, stores and records on chain; DELETE is unsupported.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { paths } from '../http/paths';
import { manifestMediaType, parseManifest, parseManifestJson } from '../oci/manifest';
import { parseName, parseReference, sha256Digest, type RepositoryName } from '../oci/reference';
import { publishManifest } from '../push/publish-manifest';
import { readBody } from './request-body';

async function resolveManifest(ctx: GatewayContext, req: Request, params: Record<string, string>) {
  const name = parseName(params.name);
  const reference = parseReference(params.reference);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  const digest = reference.kind === 'digest' ? reference.digest : await ctx.resolver.tagDigest(name, reference.tag);
  if (!digest) throw unknownTag(name, reference.kind === 'tag' ? reference.tag : '');
  return ctx.content.manifest(name, digest);
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
  const manifest = await resolveManifest(ctx, req, params);
  setManifestHeaders(res, manifest);
  res.status(200).end(manifest.bytes);
}

export async function headManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const manifest = await resolveManifest(ctx, req, params);
  setManifestHeaders(res, manifest);
  res.status(200).end();
}

export async function putManifest(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const reference = parseReference(params.reference);
  const account = await ctx.access.require(req, { type: 'repository', name: name.full, action: 'push' });
  const permit = await ctx.policy.permit(name.repo, account, { fresh: true });
  const bytes = await readBody(req, ctx.limits.manifestBytes, 'manifest');
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
