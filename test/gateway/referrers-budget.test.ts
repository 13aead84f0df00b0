// A repository's owner decides how large its manifests are, and the referrers answer repeats each
// one's annotations. A request reads at most REFERRER_LOOKUP_BUDGET_MANIFESTS manifests' worth of
// bytes (of the largest size the gateway takes) to learn facts it does not know yet; the rest is
// linked as the next page, and every referrer is listed once across the pages. Without the
// bound, one request could read hundreds of manifests at the size limit, and since facts that
// large are not kept (facts-cache.ts), every request would read them again. The handler runs here
// on a context whose lookups are counted: manifests of that size in the hundreds are more than a
// test should push.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../../src/gateway/context';
import { getReferrers, MAX_REFERRER_LOOKUPS, REFERRER_LOOKUP_BUDGET_MANIFESTS } from '../../src/gateway/handlers/referrers';
import type { ManifestFacts } from '../../src/gateway/resolve/verified-content';

const MANIFEST_LIMIT = 4 * 1024 * 1024;
const SUBJECT = `sha256:${'a'.repeat(64)}`;
const digestOf = (i: number) => `sha256:${createHash('sha256').update(String(i)).digest('hex')}`;

/** A context whose repository holds `sizes.length` referrers of SUBJECT, of those sizes, none known yet. */
function contextOf(sizes: number[], stalled?: { digest: string; until: Promise<void> }): { ctx: GatewayContext; lookedUp: () => number } {
  const facts = new Map(sizes.map((size, i): [string, ManifestFacts] => [digestOf(i), { digest: digestOf(i), mediaType: 'application/vnd.oci.image.manifest.v1+json', size, subject: SUBJECT }]));
  let lookups = 0;
  const ctx = {
    access: { require: async () => undefined },
    resolver: { owner: async () => undefined },
    contents: { manifests: async () => [...facts.keys()] },
    limits: { manifestBytes: MANIFEST_LIMIT },
    content: {
      // Facts too large to keep (as VerifiedContent's are): never known, read at every request.
      knownFacts: () => undefined,
      facts: async (_name: unknown, digest: string) => {
        lookups += 1;
        if (digest === stalled?.digest) await stalled.until;
        return facts.get(digest) ?? null;
      },
    },
  } as unknown as GatewayContext;
  return { ctx, lookedUp: () => lookups };
}

async function page(ctx: GatewayContext, last?: string): Promise<{ digests: string[]; next?: string }> {
  const headers = new Map<string, string>();
  let body = '';
  const res = {
    setHeader: (key: string, value: string) => headers.set(key.toLowerCase(), value),
    status: () => res,
    end: (text: string) => (body = text),
  } as unknown as Response;
  const req = { query: last === undefined ? {} : { last } } as unknown as Request;
  await getReferrers(ctx, req, res, { name: 'acme/app', digest: SUBJECT });
  const next = headers.get('link');
  return { digests: (JSON.parse(body) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest), next: next ? new URLSearchParams(/\?([^>]+)>/.exec(next)![1]).get('last')! : undefined };
}

test('a request reads at most the budget\'s bytes of manifests it does not know, and the pages list every referrer once', async () => {
  // 100 manifests at three quarters of the limit: 75 limits' worth, far past the budget.
  const sizes = Array.from({ length: 100 }, () => (MANIFEST_LIMIT * 3) / 4);
  const { ctx, lookedUp } = contextOf(sizes);
  const seen: string[] = [];
  let last: string | undefined;
  let pages = 0;
  do {
    const before = lookedUp();
    const answer = await page(ctx, last);
    const read = lookedUp() - before;
    // At most the budget, and the lookups in flight when it was crossed (8 at most).
    assert.ok(read * sizes[0] <= (REFERRER_LOOKUP_BUDGET_MANIFESTS + 8) * MANIFEST_LIMIT, `page ${pages + 1} read ${read} manifests of ${sizes[0]} bytes`);
    seen.push(...answer.digests);
    last = answer.next;
    pages += 1;
    assert.ok(pages <= sizes.length, 'the pages end');
  } while (last);
  assert.ok(pages > 1, 'one request read every manifest');
  assert.deepEqual(seen.sort(), sizes.map((_, i) => digestOf(i)).sort(), 'every referrer once');
});

test('small manifests are bounded by their number as before, not by the bytes', async () => {
  const { ctx, lookedUp } = contextOf(Array.from({ length: 600 }, () => 1024));
  const first = await page(ctx);
  assert.equal(lookedUp(), MAX_REFERRER_LOOKUPS);
  assert.equal(first.digests.length, MAX_REFERRER_LOOKUPS);
  assert.ok(first.next, 'the rest is linked');
});

test('a slow lookup holds up no other: the rest go on while it waits', async () => {
  const count = 40;
  const first = Array.from({ length: count }, (_, i) => digestOf(i)).sort()[0];
  let release!: () => void;
  const { ctx, lookedUp } = contextOf(
    Array.from({ length: count }, () => 1024),
    { digest: first, until: new Promise<void>((resolve) => (release = resolve)) },
  );
  const answer = page(ctx);
  // Lookups a batch at a time would wait for the stalled one after the first 8.
  const deadline = Date.now() + 5_000;
  while (lookedUp() < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const whileStalled = lookedUp();
  release();
  const { digests, next } = await answer;
  assert.equal(whileStalled, count, 'every other manifest was looked up while the first one waited');
  assert.equal(digests.length, count);
  assert.equal(next, undefined);
});
