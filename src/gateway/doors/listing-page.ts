// `?limit=` and `?offset=` of a listing, checked: a whole number of versions or packages from 1 to
// the most one index query answers, and an offset of 0 or more.
import type { Request } from 'express';
import { ArtifactError } from '../artifacts/errors';

/** The most rows one index query answers (the GraphQL server's bound). */
export const INDEX_PAGE = 1000;
/** GraphQL's Int is 32 bits: a larger offset would fail in the index as if it were down (503). */
export const MAX_OFFSET = 2 ** 31 - 1 - 5 * INDEX_PAGE;

/** A query parameter given once, as text (repeated or absent: undefined). */
export function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The page asked for; `limit` undefined when the request named none. */
export function listingPage(req: Request): { limit?: number; offset: number } {
  const rawLimit = single(req.query.limit);
  const rawOffset = single(req.query.offset);
  const limit = rawLimit === undefined ? undefined : Number(rawLimit);
  const offset = rawOffset === undefined ? 0 : Number(rawOffset);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > INDEX_PAGE)) throw new ArtifactError('INVALID_METADATA', `limit must be a whole number from 1 to ${INDEX_PAGE}`, { field: 'limit' });
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw new ArtifactError('INVALID_METADATA', `offset must be a whole number from 0 to ${MAX_OFFSET}`, { field: 'offset' });
  return { limit, offset };
}
