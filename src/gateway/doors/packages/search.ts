// GET /api/search?q=: packages whose name contains the words of q, or whose keywords (tags) do,
// names first; `kind=` narrows it to one kind of artifact.
import type { Request, Response } from 'express';
import { requireRead } from '../../artifacts/access';
import type { ArtifactView } from '../../artifacts/catalog';
import { ArtifactError } from '../../artifacts/errors';
import { ANNOTATIONS, keywordsOf } from '../../artifacts/kinds';
import type { GatewayContext } from '../../context';
import { kindsOf } from './read';
import { summaryView } from './views';

export async function getSearch(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  await requireRead(ctx, req.headers.authorization);
  const q = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase() : '';
  if (q === '' || q.length > 100) throw new ArtifactError('INVALID_METADATA', 'q is missing or longer than 100 characters: search with /api/search?q=sensor', { field: 'q' });
  const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 200);
  const catalog = ctx.artifacts.requireCatalog();
  const kinds = kindsOf(req);
  const [byName, tagged] = await Promise.all([
    catalog.artifacts({ nameContains: q, kinds, limit: 1000, versionLimit: 1 }),
    catalog.artifacts({ labels: [ANNOTATIONS.keywords], kinds, limit: 1000, versionLimit: 1 }),
  ]);
  const byTag = tagged.filter((a) => keywordsOf(a.latest.labels).some((k) => k.includes(q)));
  const rank = (a: ArtifactView) => (a.artifactName === q || a.name === q ? 0 : a.name.includes(q) ? 1 : 2);
  const seen = new Set<string>();
  const results = [...byName, ...byTag].filter((a) => !seen.has(a.name) && seen.add(a.name)).sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  res.json({ query: q, total: results.length, results: results.slice(0, limit).map(summaryView) });
}
