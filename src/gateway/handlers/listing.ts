// Tag lists and the catalog, with `n` / `last` pagination and a Link header to the next page.
// Both list the name owners' images only (src/chain/name-claims.ts). The index answers when it is
// there; chain storage when it is not, and for a contested name not at all (it cannot tell the
// owner's tags from a shadow's); what this gateway pushed in this process is added so a list
// right after a push already shows it.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { paths } from '../http/paths';
import { parseName } from '../oci/reference';
import { contestedName } from '../resolve/name-errors';

interface Page {
  readonly items: string[];
  readonly next?: string;
}

function paginate(all: Iterable<string>, req: Request): { page: Page; n?: number } {
  const rawN = req.query.n;
  const rawLast = req.query.last;
  let n: number | undefined;
  if (rawN !== undefined) {
    if (typeof rawN !== 'string' || !/^\d{1,9}$/.test(rawN)) throw new OciError('PAGINATION_NUMBER_INVALID', `n=${JSON.stringify(String(rawN).slice(0, 40))} is not valid: give a whole number of results`);
    n = Number(rawN);
  }
  if (rawLast !== undefined && typeof rawLast !== 'string') throw new OciError('PAGINATION_NUMBER_INVALID', 'give `last` once');
  const sorted = [...new Set(all)].sort();
  const after = rawLast === undefined ? sorted : sorted.filter((item) => item > rawLast);
  const items = n === undefined ? after : after.slice(0, n);
  const next = n !== undefined && n > 0 && after.length > n ? items[items.length - 1] : undefined;
  return { page: { items, next }, n };
}

function setLink(res: Response, base: string, n: number | undefined, next: string | undefined): void {
  if (next !== undefined && n !== undefined) res.setHeader('Link', `<${base}?n=${n}&last=${encodeURIComponent(next)}>; rel="next"`);
}

export async function getTags(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  const owner = await ctx.resolver.owner(name.repo);
  let tags: string[] | undefined;
  let indexError: Error | undefined;
  if (ctx.resolver.index) {
    tags = await ctx.resolver.index.tags(name, owner.claim ? owner.spaceId : undefined).catch((error: Error) => {
      indexError = error;
      return undefined;
    });
  }
  if (tags === undefined && owner.claim?.contested) {
    // The index does not know the image, or could not be asked: chain storage would be a guess.
    if (!indexError && ctx.resolver.index) tags = [];
    else throw contestedName(name.repo, owner.claim, indexError ? `the index did not answer (${indexError.message})` : 'this gateway runs without an index (GRAPHQL_URL), and chain storage alone cannot tell whose tags these are', indexError ? 503 : 409);
  }
  if (tags === undefined) tags = (await ctx.chain.tags(name)).map((record) => record.tag);
  const all = [...tags, ...(ctx.recent.tags.get(name.full) ?? [])];
  // A repository of manifests pushed by digest only exists without a tag: its list is empty
  // ("the list of tags MAY be empty", the distribution spec), not an unknown name.
  if (all.length === 0 && (await ctx.contents.manifests(name)).length === 0) {
    throw new OciError('NAME_UNKNOWN', `${name.full} has no tags: there is no image ${JSON.stringify(name.image)} in space ${JSON.stringify(name.repo)} yet; push one first`, { detail: { name: name.full } });
  }
  const { page, n } = paginate(all, req);
  setLink(res, paths.tags(name.full), n, page.next);
  res.json({ name: name.full, tags: page.items });
}

export async function getCatalog(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  await ctx.access.require(req, { type: 'registry', name: 'catalog', action: '*' });
  let repositories: string[] | undefined;
  if (ctx.resolver.index) repositories = await ctx.resolver.index.repositories().catch(() => undefined);
  if (repositories === undefined) {
    // The owner's own list of images: the pallet adds a name's new images to the space it writes to.
    const owners = (await ctx.chain.claims()).map((claim) => claim.owner);
    repositories = owners.flatMap((space) => (space.repoName.text ? space.imageNames.flatMap((image) => (image.text ? [`${space.repoName.text}/${image.text}`] : [])) : []));
  }
  const { page, n } = paginate([...repositories, ...ctx.recent.tags.keys()], req);
  setLink(res, paths.catalog(), n, page.next);
  res.json({ repositories: page.items });
}
