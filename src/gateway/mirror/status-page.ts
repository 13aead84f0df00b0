// One page of GET /mirror's tags, as the OCI tag list pages: `?n=` tags at most (100 unless
// asked, never more than 1,000), after the tag `?last=` names (`<repository>:<tag>`), in the
// order of those keys. A space with many tags (anyone who may push to it can add thousands)
// then costs one bounded answer per request; the counts stay the whole mirror's, and `next`
// (with a Link header) says how to ask for the rest.
import { OciError } from '../errors/oci-error';
import type { MirroredTag, MirrorStatus } from './mirror';

export const DEFAULT_PAGE_TAGS = 100;
export const MAX_PAGE_TAGS = 1_000;

export interface MirrorStatusPage extends MirrorStatus {
  /** Where the next page is (absent on the last): the same path with `n` and `last`. */
  readonly next?: string;
}

/** The key tags are ordered and paged by. */
export const tagKey = (tag: MirroredTag): string => `${tag.repository}:${tag.tag}`;

/** `n` and `last` from a request's query, or an error naming what is wrong with them. */
export function pageQuery(query: Record<string, unknown>): { n: number; last?: string } {
  const { n: rawN, last } = query;
  if (rawN !== undefined && (typeof rawN !== 'string' || !/^\d{1,9}$/.test(rawN) || Number(rawN) === 0)) {
    throw new OciError('PAGINATION_NUMBER_INVALID', `n=${JSON.stringify(String(rawN).slice(0, 40))} is not valid: give a whole number of tags from 1 to ${MAX_PAGE_TAGS}`);
  }
  if (last !== undefined && typeof last !== 'string') throw new OciError('PAGINATION_NUMBER_INVALID', 'give `last` once: the `<repository>:<tag>` of the last tag of the page before');
  return { n: Math.min(rawN === undefined ? DEFAULT_PAGE_TAGS : Number(rawN), MAX_PAGE_TAGS), last };
}

/** The status with only one page of its tags (which it gives ordered by tagKey). */
export function statusPage(status: MirrorStatus, page: { n: number; last?: string }, path = '/mirror'): MirrorStatusPage {
  const from = page.last === undefined ? 0 : firstAfter(status.tags, page.last);
  const tags = status.tags.slice(from, from + page.n);
  const more = status.tags.length > from + tags.length;
  return { ...status, tags, ...(more ? { next: `${path}?n=${page.n}&last=${encodeURIComponent(tagKey(tags[tags.length - 1]))}` } : {}) };
}

/** The index of the first of `tags` (ordered by tagKey) whose key is after `last`: a binary search, not a pass over every tag. */
function firstAfter(tags: readonly MirroredTag[], last: string): number {
  let low = 0;
  let high = tags.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (tagKey(tags[middle]) > last) high = middle;
    else low = middle + 1;
  }
  return low;
}
