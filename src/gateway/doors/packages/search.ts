// GET /api/search?q=: packages whose name contains the words of q, or whose keywords (tags) do,
// names first; `kind=` narrows it to one kind of artifact.
//
// The index matches part of a name, but not part of a keyword (keywords are one comma-separated
// annotation, which it filters by exact value only), so the keyword half reads the artifacts that
// have keywords and matches them here. Each half reads at most SEARCHED artifacts, whatever q is;
// when the index had more, the answer says the search was cut (`complete: false`, with a note),
// rather than passing over the rest in silence.
import type { Request, Response } from 'express';
import { requireRead } from '../../artifacts/access';
import type { ArtifactView } from '../../artifacts/catalog';
import { ArtifactError } from '../../artifacts/errors';
import { ANNOTATIONS, keywordsOf } from '../../artifacts/kinds';
import type { GatewayContext } from '../../context';
import { kindsOf } from './read';
import { summaryView } from './views';
import { requestClientKey } from '../../../limits/client-key';

/** Artifacts read per half of one search (by name, by keyword). */
export const SEARCHED = 1000;

export async function getSearch(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  await requireRead(ctx, req.headers.authorization, () => requestClientKey(req));
  const q = typeof req.query.q === 'string' ? req.query.q.trim().toLowerCase() : '';
  if (q === '' || q.length > 100) throw new ArtifactError('INVALID_METADATA', 'q is missing or longer than 100 characters: search with /api/search?q=sensor', { field: 'q' });
  const limit = Math.min(Math.max(Number(req.query.limit ?? 50) || 50, 1), 200);
  const catalog = ctx.artifacts.requireCatalog();
  const kinds = kindsOf(req);
  const [byName, tagged] = await Promise.all([
    catalog.artifactPage({ nameContains: q, kinds, limit: SEARCHED, versionLimit: 1 }),
    catalog.artifactPage({ labels: [ANNOTATIONS.keywords], kinds, limit: SEARCHED, versionLimit: 1 }),
  ]);
  const byTag = tagged.artifacts.filter((a) => keywordsOf(a.latest.labels).some((k) => k.includes(q)));
  const rank = (a: ArtifactView) => (a.artifactName === q || a.name === q ? 0 : a.name.includes(q) ? 1 : 2);
  const seen = new Set<string>();
  const results = [...byName.artifacts, ...byTag].filter((a) => !seen.has(a.name) && seen.add(a.name)).sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const cut = [byName.rows >= SEARCHED && 'names containing q', tagged.rows >= SEARCHED && 'artifacts with keywords'].filter(Boolean);
  res.json({
    query: q,
    total: results.length,
    results: results.slice(0, limit).map(summaryView),
    complete: cut.length === 0,
    ...(cut.length > 0 ? { note: `only the first ${SEARCHED} ${cut.join(' and the first ' + SEARCHED + ' ')} were searched, and the index has more: matches past them are missing and total counts only those found; narrow the search with kind= or a longer q` } : {}),
  });
}
