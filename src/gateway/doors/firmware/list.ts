// GET /firmware, optionally `?name=`, `?version=`, `?label=key=value` (repeatable) and `?limit=` /
// `?offset=` (versions, for listings longer than one answer holds): versions
// grouped by name, highest version first. Without a name the listing is the firmware of the
// default space (every space's without one); with a name, every kind of artifact of that name,
// so that anything published through the other doors (or by any OCI client) is found here too.
import type { Request, Response } from 'express';
import semver from 'semver';
import { requireRead } from '../../artifacts/access';
import type { VersionView } from '../../artifacts/catalog';
import { artifactName } from '../../artifacts/coordinates';
import { ArtifactError } from '../../artifacts/errors';
import { ARTIFACT_KINDS, artifactTypeOf, kindNameOf, labelsOf } from '../../artifacts/kinds';
import type { GatewayContext } from '../../context';
import { labelFilters } from '../label-filters';
import { INDEX_PAGE, listingPage } from '../listing-page';
import { linkNextPage } from '../next-page';
import { firmwarePaths } from './paths';
import { shownName } from './shown-name';
import { requestClientKey } from '../../../limits/client-key';

/**
 * The most versions a listing without `?limit=` holds. The original listed its whole table; here
 * every page is an index query that sorts all matching versions, so one request reads a bounded
 * number of pages, and a listing cut there links the next page (`Link: <…>; rel="next"`).
 */
export const MAX_LISTED = 5 * INDEX_PAGE;

function strings(value: unknown): string[] {
  return typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function firmwareRecord(version: VersionView, defaultSpace: string | undefined) {
  const name = shownName(version.space.name, version.artifactName, defaultSpace);
  const file = version.files[0];
  return {
    name,
    version: version.version,
    size: file?.size ?? 0,
    labels: labelsOf(version.labels),
    download_url: firmwarePaths.download(name, version.version),
    kind: kindNameOf(version.artifactType),
    digest: file?.digest ?? null,
    manifest_digest: version.digest,
    created_at: version.createdAt,
    moved: version.moved,
    ...(version.moved ? { original_digest: version.originalDigest } : {}),
  };
}

export async function getFirmwareList(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const catalog = ctx.artifacts.requireCatalog();
  const rawName = strings(req.query.name)[0];
  const version = strings(req.query.version)[0];
  const labels = labelFilters(req.query.label) ?? [];
  let kinds: string[] | undefined;
  const kind = strings(req.query.kind)[0];
  if (kind === undefined) kinds = rawName === undefined ? [ARTIFACT_KINDS.firmware] : undefined;
  else if (kind !== 'any') {
    try {
      kinds = [artifactTypeOf(kind)];
    } catch (error) {
      throw new ArtifactError('INVALID_METADATA', `${(error as Error).message}, or any`, { field: 'kind' });
    }
  }
  const name = rawName === undefined ? undefined : artifactName(rawName, ctx.artifacts.defaultSpace);
  const space = name?.repo ?? ctx.artifacts.defaultSpace;
  const asked = listingPage(req);
  // A semantic version is its own exact range: the index filters, rather than every version
  // being read here to keep one.
  const range = version !== undefined && semver.valid(version) !== null ? version : undefined;
  const end = asked.offset + (asked.limit ?? MAX_LISTED);
  const versions = [];
  let offset = asked.offset;
  while (offset < end) {
    const limit = Math.min(INDEX_PAGE, end - offset);
    const page = await catalog.versionPage({ space, name: name?.image, kinds, labels, range, limit, offset });
    versions.push(...page.versions);
    offset += page.rows;
    // By the rows the index answered, not those kept: a page with rows left out is not the last.
    if (page.rows < limit) break;
  }
  if (offset >= end) linkNextPage(req, res, { offset, limit: asked.limit ?? INDEX_PAGE });
  const matching = version === undefined ? versions : versions.filter((v) => v.version === version);
  const groups = new Map<string, ReturnType<typeof firmwareRecord>[]>();
  for (const entry of matching) {
    const record = firmwareRecord(entry, ctx.artifacts.defaultSpace);
    if (!groups.has(record.name)) groups.set(record.name, []);
    groups.get(record.name)!.push(record);
  }
  res.json([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, firmware]) => ({ name: group, firmware })));
}
