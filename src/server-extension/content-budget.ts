// A bound on the manifest content one answer reads. Rows are counted (row-budget.ts), but a row's
// labels, files and platforms are as large as its manifest, up to the 4 MiB the content indexer
// reads, and versions are tags: anyone can point a thousand tags of their own at one manifest
// holding a 4 MiB annotation, and `artifactVersions(limit: 1000) { version }` (2,000 rows) then
// read 4 GB from Postgres into the server's memory. The manifests' sizes (`ManifestContent.size`,
// an integer read with the keys, no content) are summed over what a page would read, for the
// whole request, before any content is read; past the bound the request is answered
// RESPONSE_TOO_LARGE. A page of ordinary manifests (a few kB each) is far within it.
import { GraphQLError } from 'graphql';
import { ConfiguredCount, countFromEnv } from '../indexer/env-count';
import type { RequestContext } from './row-budget';

export const DEFAULT_MAX_CONTENT_BYTES = 16 * 1024 * 1024;

/** GQL_MAX_CONTENT_BYTES: manifest bytes one answer's versions, tag contents and ManifestContent rows (src/indexer/graphql-content-bytes.ts) may be read from. */
export function maxContentBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return countFromEnv(env, 'GQL_MAX_CONTENT_BYTES', DEFAULT_MAX_CONTENT_BYTES, 'how many manifest bytes one answer may read content from');
}

const configuredMax = new ConfiguredCount(() => maxContentBytesFromEnv(), DEFAULT_MAX_CONTENT_BYTES);

/** Sets the bound for this process (graphql-main.ts checks the setting at start and refuses a bad one). */
export function setMaxContentBytes(max: number): void {
  configuredMax.set(max);
}

// One sum per request, as the row budget: OpenReader makes one context object per request.
const used = new WeakMap<object, number>();

/**
 * Counts `bytes` of manifests more against the request's bound (one call's alone without a
 * request context); throws RESPONSE_TOO_LARGE, before their content is read, once past it.
 */
export function chargeContentBytes(context: RequestContext | undefined, bytes: number, what: string): void {
  const max = configuredMax.get();
  const key = context?.openreader;
  const total = (key ? used.get(key) ?? 0 : 0) + bytes;
  if (key) used.set(key, total);
  if (total > max) throw contentTooLarge(total, max, what);
}

function contentTooLarge(total: number, max: number, what: string): GraphQLError {
  return new GraphQLError(
    `This answer would read ${mib(total)} of manifest content (${what}), more than the ${mib(max)} one answer may read: labels, files and platforms are as large as their manifests. ` +
      'Ask for fewer: give the list a smaller `limit` and page with `offset` (on connections, `first` and `after`), ask for fewer tag ids at a time, or start the server with a larger GQL_MAX_CONTENT_BYTES.',
    undefined, undefined, undefined, undefined, undefined,
    { code: 'RESPONSE_TOO_LARGE', maxContentBytes: max },
  );
}

const mib = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
