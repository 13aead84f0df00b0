// Reading packages: GET /api/packages/{name} (description, versions, owner), /{name}/resolve?range=
// (the highest version in a semver range, as the index resolves it), /{name}/{version}/download
// (an exact version, `latest`, or a range; `?file=<title>` for another file than the first; the
// bytes verified as a pull's are) and GET
// /api/packages (every package, paged, by space, kind and label=key=value, for mirrors).
import type { Request, Response } from 'express';
import semver from 'semver';
import { requireRead } from '../../artifacts/access';
import { artifactName, artifactVersion, pathComponent } from '../../artifacts/coordinates';
import { checkResolved, type VersionView } from '../../artifacts/catalog';
import { ArtifactError } from '../../artifacts/errors';
import { artifactTypeOf } from '../../artifacts/kinds';
import { askMoves, mainFile, readExactVersion, sendVersionFile } from '../../artifacts/read-version';
import type { GatewayContext } from '../../context';
import type { RepositoryName } from '../../oci/reference';
import { labelFilters } from '../label-filters';
import { admitListing } from '../listing-bound';
import { listingPage, single } from '../listing-page';
import { packageView, summaryView, versionView } from './views';
import { requestClientKey } from '../../../limits/client-key';

function pageOf(req: Request, defaultLimit: number): { limit: number; offset: number } {
  const { limit, offset } = listingPage(req);
  return { limit: limit ?? defaultLimit, offset };
}

export function kindsOf(req: Request): string[] | undefined {
  const kind = single(req.query.kind);
  if (kind === undefined || kind === 'any') return undefined;
  try {
    return [artifactTypeOf(kind)];
  } catch (error) {
    throw new ArtifactError('INVALID_METADATA', (error as Error).message, { field: 'kind' });
  }
}

export async function getPackage(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const name = artifactName(pathComponent(params.name, 'name'), ctx.artifacts.defaultSpace);
  const catalog = ctx.artifacts.requireCatalog();
  const [artifact] = await catalog.artifacts({ space: name.repo, name: name.image, versionLimit: 1000, limit: 1 });
  if (!artifact) throw new ArtifactError('NOT_FOUND', `there is no package ${name.full}: search with GET /api/search?q=${encodeURIComponent(name.image)}, or publish it`);
  const cids = await catalog.fileCids(artifact.versions.flatMap((v) => v.files.slice(0, 1).map((f) => f.digest)), artifact.space.owner);
  res.json(packageView(artifact, cids));
}

export async function getPackages(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const { limit, offset } = pageOf(req, 100);
  const space = single(req.query.space);
  const labels = labelFilters(req.query.label);
  // A summary shows the latest version and the count only: one version per package is read, not
  // up to 1000 (a page of 1000 packages would otherwise be up to a million versions in memory).
  const artifacts = await ctx.artifacts.requireCatalog().artifacts({ space, kinds: kindsOf(req), labels, limit, offset, versionLimit: 1 });
  res.json({ packages: artifacts.map(summaryView), limit, offset });
}

/** The longest range text taken, and the most comparators in one: the index matches every version against each. */
export const MAX_RANGE_CHARS = 256;
export const MAX_RANGE_COMPARATORS = 32;

/** Refuses a range too long or with too many comparators to hand to the index (400, naming the limit). */
function boundRange(range: string, field: string): void {
  if (range.length > MAX_RANGE_CHARS) {
    throw new ArtifactError('INVALID_VERSION', `a version range of ${range.length} characters is longer than the ${MAX_RANGE_CHARS} taken: write it shorter, e.g. "^1.2" or ">=1.1.0 <2"`, { field });
  }
  const parsed = semver.validRange(range.trim()) === null ? undefined : new semver.Range(range.trim());
  const comparators = parsed?.set.reduce((sum, set) => sum + set.length, 0) ?? 0;
  if (comparators > MAX_RANGE_COMPARATORS) {
    throw new ArtifactError('INVALID_VERSION', `a version range of ${comparators} comparators has more than the ${MAX_RANGE_COMPARATORS} taken: write it with fewer, e.g. "^1.2 || ^2"`, { field });
  }
}

/** The version the index resolved `range` to, if the gateway agrees it is one; a disagreement is logged and counts as none. */
async function resolveRange(ctx: GatewayContext, name: RepositoryName, range: string): Promise<VersionView | undefined> {
  const resolved = await ctx.artifacts.requireCatalog().resolve(name.repo, name.image, range);
  if (!resolved) return undefined;
  const wrong = checkResolved(resolved, name.repo, name.image, range);
  if (wrong === undefined) return resolved;
  ctx.log(`packages: resolving ${JSON.stringify(range)} of ${name.full}: ${wrong}; answered as no matching version`);
  return undefined;
}

export async function getResolve(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const name = artifactName(pathComponent(params.name, 'name'), ctx.artifacts.defaultSpace);
  const range = single(req.query.range) ?? '*';
  boundRange(range, 'range');
  const catalog = ctx.artifacts.requireCatalog();
  const version = await resolveRange(ctx, name, range);
  if (!version) throw new ArtifactError('NO_MATCH', `no version of ${name.full} satisfies ${JSON.stringify(range)}: list its versions with GET /api/packages/${name.full}`, { field: 'range' });
  const cids = await catalog.fileCids(version.files.slice(0, 1).map((f) => f.digest), version.space.owner);
  res.json({ name: version.name, range, ...versionView(version, cids) });
}

export async function getDownload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const asked = pathComponent(params.version, 'version');
  // Checked before it is parsed: a tag is at most 128 characters, so no exact version is refused.
  if (semver.valid(asked) === null) boundRange(asked, 'version');
  const range = asked === 'latest' ? '*' : semver.valid(asked) === null && semver.validRange(asked) !== null ? asked : undefined;
  // Resolving a range is GET …/resolve's index query: it counts as a listing, so that the bound
  // on those cannot be got round through downloads, but only while it runs. An exact version is
  // a pull, and no download holds a listing's place while its bytes stream.
  const release = range === undefined ? undefined : admitListing(ctx, req);
  let name: RepositoryName;
  let version: string;
  try {
    await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
    name = artifactName(pathComponent(params.name, 'name'), ctx.artifacts.defaultSpace);
    if (range !== undefined) {
      const resolved = await resolveRange(ctx, name, range);
      if (!resolved) throw new ArtifactError('NO_MATCH', `no version of ${name.full} satisfies ${JSON.stringify(asked)}: list its versions with GET /api/packages/${name.full}`, { field: 'version' });
      version = resolved.version;
    } else {
      version = artifactVersion(asked, false);
    }
  } finally {
    release?.();
  }
  const moves = askMoves(ctx, name, version);
  const exact = await readExactVersion(ctx, name, version);
  const wanted = single(req.query.file);
  const file = wanted === undefined ? mainFile(exact) : exact.files.find((f) => f.title === wanted);
  if (!file) throw new ArtifactError('NOT_FOUND', `${name.full} ${version} has no file ${JSON.stringify(wanted)}: its files are ${exact.files.map((f) => JSON.stringify(f.title)).join(', ')}`, { field: 'file' });
  res.setHeader('Hcr-Version', version);
  await sendVersionFile(ctx, req, res, exact, file, { moves });
}
