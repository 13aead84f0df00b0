// GET /v2/<name>/referrers/<digest>: the manifests whose `subject` is that digest, as an OCI
// index, optionally filtered by artifactType. Candidates come from the index (this space's
// manifests), chain storage (the image's manifests and Json digest records) and this
// gateway's own pushes; each manifest is read (verified) once and its facts are cached.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { MEDIA_TYPES } from '../oci/media-types';
import { parseDigest, parseName, type RepositoryName } from '../oci/reference';
import type { ManifestFacts } from '../resolve/verified-content';

async function candidateDigests(ctx: GatewayContext, name: RepositoryName): Promise<Set<string>> {
  const digests = new Set<string>(ctx.recent.manifests.get(name.full)?.keys() ?? []);
  const sources: Promise<{ digest: string }[]>[] = [ctx.chain.imageManifests(name), ctx.chain.jsonDigests()];
  if (ctx.resolver.index) sources.push(ctx.resolver.index.manifestsOf(name));
  const results = await Promise.allSettled(sources);
  const failures = results.filter((r) => r.status === 'rejected');
  if (failures.length === results.length) throw (failures[0] as PromiseRejectedResult).reason;
  for (const result of results) if (result.status === 'fulfilled') for (const { digest } of result.value) digests.add(digest);
  return digests;
}

export async function getReferrers(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const subject = parseDigest(params.digest);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  const artifactType = typeof req.query.artifactType === 'string' ? req.query.artifactType : undefined;
  const referrers: ManifestFacts[] = [];
  for (const digest of await candidateDigests(ctx, name)) {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) continue;
    const facts = ctx.recent.manifests.get(name.full)?.get(digest) ?? (await ctx.content.facts(name, digest));
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
