// Turns what a person types into a Postgres full-text query: every word (letters and digits)
// must match the start of a word of a space or image name, so "acm web" finds "acme/web-api".
// Only letters and digits reach to_tsquery, so its operators cannot be injected.

/** At most this many words are used; the rest of a long text is ignored. */
export const MAX_SEARCH_TERMS = 8;

export class SearchTextError extends Error {
  override readonly name = 'SearchTextError';
}

export function toPrefixTsQuery(text: string): string {
  const terms = text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term.length > 0)
    .slice(0, MAX_SEARCH_TERMS);
  if (terms.length === 0) throw new SearchTextError(`search text ${JSON.stringify(text.slice(0, 80))} has no letters or digits; search for a word of a space or image name, e.g. "web"`);
  return terms.map((term) => `${term}:*`).join(' & ');
}
