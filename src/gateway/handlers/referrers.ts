// GET /v2/<name>/referrers/<digest>: the manifests of this repository whose `subject` is that
// digest, as an OCI index, optionally filtered by artifactType. Only manifests of the repository
// (RepositoryContents: recorded by the name's owner, or pushed here) are listed, so nobody else
// can attach an artifact to an image by recording one with its subject; each manifest is read
// (verified) once and its facts are cached.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { MEDIA_TYPES } from '../oci/media-types';
import { isSha256Digest, parseDigest, parseName } from '../oci/reference';
import type { ManifestFacts } from '../resolve/verified-content';

export async function getReferrers(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const subject = parseDigest(params.digest);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  const artifactType = typeof req.query.artifactType === 'string' ? req.query.artifactType : undefined;
  await ctx.resolver.owner(name.repo);
  const referrers: ManifestFacts[] = [];
  for (const digest of await ctx.contents.manifests(name)) {
    if (!isSha256Digest(digest)) continue;
    const facts = await ctx.content.facts(name, digest);
    if (facts?.subject !== subject) continue;
    if (artifactType !== undefined && facts.artifactType !== artifactType) continue;
    referrers.push(facts);
  }
  referrers.sort((a, b) => (a.digest < b.digest ? -1 : 1));
  if (artifactType !== undefined) res.setHeader('OCI-Filters-Applied', 'artifactType');
  res.setHeader('Content-Type', MEDIA_TYPES.ociIndex);
  res.status(200).end(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: referrers.map((r) => ({ mediaType: r.mediaType, digest: r.digest, size: r.size, ...(r.artifactType ? { artifactType: r.artifactType } : {}), ...(r.annotations ? { annotations: r.annotations } : {}) })),
    }),
  );
}
