// GET /v2/<name>/referrers/<digest>: the manifests of this repository whose `subject` is that
// digest, as an OCI index, optionally filtered by artifactType. Only manifests of the repository
// (RepositoryContents: recorded by the name's owner, or pushed here) are listed, so nobody else
// can attach an artifact to an image by recording one with its subject; each manifest is read
// (verified) once and its facts are cached.
//
// The owner decides how many manifests the repository has: an index recorded on chain can name
// thousands of digests that exist nowhere, and each is a manifest of the repository to look at.
// So a request looks up (reads, verifies) at most MAX_LOOKUPS manifests whose facts are not known
// yet, and at most REFERRER_LOOKUP_BUDGET_MANIFESTS manifests' worth of bytes (the owner decides
// their size too), LOOKUP_CONCURRENCY at a time; failed lookups are remembered for a minute
// (VerifiedContent.knownFacts). Manifests already known cost nothing, so an answer is whole unless
// more than those bounds allow were never looked at: then it lists the referrers among the
// manifests looked at so far (in digest order) and links the rest as the next page, as the
// distribution spec allows (`Link: <…>; rel="next"`, followed by oras and other clients).
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { MEDIA_TYPES } from '../oci/media-types';
import { isSha256Digest, parseDigest, parseName } from '../oci/reference';
import type { ManifestFacts } from '../resolve/verified-content';

/** Manifests one request looks up at most (those whose facts are known already do not count). */
export const MAX_REFERRER_LOOKUPS = 512;
/** Lookups in flight at once for one request: one by one, their round trips add up; all at once, they swamp the chain and IPFS. */
const LOOKUP_CONCURRENCY = 8;
/**
 * The manifest bytes one request reads at most, in manifests of the largest size the gateway
 * takes (64 MiB at the default 4 MiB): the repository's owner decides how large its manifests
 * are, and most of a large one is annotations that the answer repeats and that the facts cache
 * does not keep (facts-cache.ts), so each request would read them again. Past it, the rest is
 * linked as the next page.
 */
export const REFERRER_LOOKUP_BUDGET_MANIFESTS = 16;

export async function getReferrers(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const subject = parseDigest(params.digest);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  const artifactType = typeof req.query.artifactType === 'string' ? req.query.artifactType : undefined;
  const rawLast = req.query.last;
  if (rawLast !== undefined && typeof rawLast !== 'string') throw new OciError('PAGINATION_NUMBER_INVALID', 'give `last` once');
  await ctx.resolver.owner(name.repo);
  // In digest order, so that a page continues after the last digest the previous one looked at.
  const candidates = (await ctx.contents.manifests(name)).filter((digest) => isSha256Digest(digest) && (rawLast === undefined || digest > rawLast)).sort();
  const found: ManifestFacts[] = [];
  const budget = REFERRER_LOOKUP_BUDGET_MANIFESTS * ctx.limits.manifestBytes;
  let lookups = 0;
  let readBytes = 0;
  /** The next candidate to take, and where the page ends once a bound is reached (every one before it was taken). */
  let next = 0;
  let end = candidates.length;
  let failed = false;
  // Known facts cost nothing; the others are looked up by a pool of workers, each taking the next
  // candidate as soon as its lookup ends (one slow lookup holds up no other), until either bound.
  // The bounds are checked before each lookup starts, so the bytes read pass the budget by the
  // lookups in flight at most.
  const worker = async () => {
    while (!failed && next < end) {
      const digest = candidates[next];
      const known = ctx.content.knownFacts(name, digest);
      if (known !== undefined) {
        next++;
        if (known) found.push(known);
        continue;
      }
      if (lookups === MAX_REFERRER_LOOKUPS || readBytes >= budget) {
        end = next;
        return;
      }
      next++;
      lookups++;
      try {
        const facts = await ctx.content.facts(name, digest);
        if (!facts) continue;
        found.push(facts);
        readBytes += facts.size;
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: LOOKUP_CONCURRENCY }, worker));
  const referrers = found.filter((facts) => facts.subject === subject && (artifactType === undefined || facts.artifactType === artifactType));
  referrers.sort((a, b) => (a.digest < b.digest ? -1 : 1));
  if (end < candidates.length) {
    const query = new URLSearchParams({ last: candidates[end - 1], ...(artifactType !== undefined ? { artifactType } : {}) });
    res.setHeader('Link', `</v2/${name.full}/referrers/${subject}?${query}>; rel="next"`);
  }
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
