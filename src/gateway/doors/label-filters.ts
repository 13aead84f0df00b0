// The `?label=key=value` (or `?label=key`) filters of a listing. Each one is a condition the index
// tests on every matching version, so their number and size are bounded as a version's own labels
// are (a query string may otherwise carry a thousand of them).
import { ArtifactError } from '../artifacts/errors';

const MAX_FILTERS = 16;
/** A label's key and value at their largest (metadata.ts), with the "=" between them. */
const MAX_FILTER_CHARS = 128 + 1 + 1024;

export function labelFilters(raw: unknown): string[] | undefined {
  if (raw === undefined) return undefined;
  const labels = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((l): l is string => typeof l === 'string') : [];
  if (labels.length > MAX_FILTERS) throw new ArtifactError('INVALID_METADATA', `${labels.length} label= filters: at most ${MAX_FILTERS} are accepted; narrow the listing with name=, kind= or fewer labels`, { field: 'label' });
  for (const label of labels) {
    if (label.trim() === '') throw new ArtifactError('INVALID_METADATA', 'label= is empty: write label=key=value or label=key', { field: 'label' });
    if (label.length > MAX_FILTER_CHARS) throw new ArtifactError('INVALID_METADATA', `a label= filter of ${label.length} characters: at most ${MAX_FILTER_CHARS} (a key of 128 and a value of 1024, as labels are)`, { field: 'label' });
  }
  return labels;
}
