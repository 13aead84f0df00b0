// The gateway's one index client has as many places as the index's bound per client (8 unless a
// 429 names fewer), shared by pull lookups, the doors' listings, the page's /api/graphql relay and
// /readyz. Anyone can send listings, relayed queries and probes, from any number of addresses, and
// first come, first served they could hold every place: a pull's lookup then waited out its 3 s and
// fell back to chain storage. Now the others may hold at most limit − keptForPulls(limit) places
// (6 of 8), a pull may take any place and goes before waiting listings, and with a bound of 1 the
// one place is shared (nothing could be kept without refusing every listing for good), pulls first.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { ArtifactCatalog } from '../../src/gateway/artifacts/catalog';
import { indexHeight } from '../../src/gateway/http/index-height';
import { GraphqlIndex } from '../../src/gateway/resolve/graphql-index';
import { IndexHttp } from '../../src/gateway/resolve/index-http';
import { keptForPulls, LOWERED_FOR_MS, QueryPlaces } from '../../src/gateway/resolve/query-places';
import type { WalletApiContext } from '../../src/wallet-api/context';
import { postGraphql } from '../../src/wallet-api/handlers/graphql';

/** What a pull's tag lookup (GraphqlIndex.ownerTag) asks; the stand-in answers it at once. */
const isPullLookup = (body: string) => body.includes('tags(where');

/**
 * A stand-in index on a real socket: pull lookups are answered at once, anything else is held
 * (as a slow listing is) while `holding`, and answered when `answerHeld` is called.
 */
async function standInIndex(options: { refuseFirst?: number } = {}) {
  const seen: string[] = [];
  const held: (() => void)[] = [];
  let closedHeld = 0;
  let holding = true;
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push(body);
      const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
      if (seen.length === 1 && options.refuseFirst !== undefined) {
        return answer(429, { errors: [{ message: 'Too many requests at once', extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerClient: options.refuseFirst } }] }, { 'retry-after': '0' });
      }
      const reply = () => answer(200, { data: { spaces: [], tags: [], images: [], artifactVersions: [], squidStatus: { height: 7 } } });
      if (isPullLookup(body) || !holding) return reply();
      res.once('close', () => {
        if (!res.writableEnded) closedHeld += 1;
      });
      held.push(reply);
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/graphql`;
  return {
    url,
    seen,
    held,
    /** Answers the held requests, one at a time when `one`; with `all`, everything after too. */
    answerHeld(how: 'one' | 'all') {
      if (how === 'all') holding = false;
      for (const reply of how === 'one' ? held.splice(0, 1) : held.splice(0)) reply();
    },
    /** Held requests whose client closed the connection before their answer. */
    closedHeld: () => closedHeld,
    close: () => new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    }),
  };
}

/** The page's relay (POST /api/graphql) through `index`, as the gateway mounts it. */
async function relayThrough(index: IndexHttp) {
  const app = express();
  app.use(express.json());
  app.post('/api/graphql', (req, res, next) => {
    postGraphql({ index } as WalletApiContext, req, res).catch(next);
  });
  const srv = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/graphql`;
  return {
    ask: (i: number) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ spaces(where: { name_eq: "page${i}" }) { id } }` }) }).then((r) => r.status),
    close: () => new Promise<void>((resolve) => {
      srv.closeAllConnections();
      srv.close(() => resolve());
    }),
  };
}

const name = (i: number) => ({ repo: `team${i}`, image: `app${i}`, full: `team${i}/app${i}` });

async function until(what: string, ok: () => boolean, withinMs = 5_000): Promise<void> {
  const ends = Date.now() + withinMs;
  while (!ok()) {
    if (Date.now() > ends) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('listings, relayed queries and /readyz from anyone hold at most 6 of 8 places; pulls\' lookups are sent at once beside them', async () => {
  const index = await standInIndex();
  const http8 = new IndexHttp(index.url);
  const relay = await relayThrough(http8);
  try {
    const pulls = new GraphqlIndex(http8, { timeoutMs: 3_000 });
    const catalog = new ArtifactCatalog(http8);
    // Far more than the places: every kind of request anyone can send, each through its real caller.
    const others = [
      ...Array.from({ length: 5 }, () => catalog.versions({ space: 'acme' })),
      ...Array.from({ length: 5 }, (_, i) => relay.ask(i)),
      ...Array.from({ length: 3 }, () => indexHeight(http8)),
      ...Array.from({ length: 2 }, () => pulls.repositories()),
    ].map((p) => (p as Promise<unknown>).then(() => 'answered', (error: Error) => error.message));
    await until('the index holds 6 slow requests', () => index.held.length >= 6);
    // Give any request past the 6 the time to arrive: none may.
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(index.held.length, 6, 'listings, the relay and /readyz together hold 6 places, leaving 2 of 8 to pulls');

    const started = Date.now();
    const lookups = await Promise.all([pulls.ownerTag(name(1), 'latest', undefined), pulls.ownerTag(name(2), 'latest', undefined)]);
    const took = Date.now() - started;
    assert.deepEqual(lookups, [{ spaceKnown: false, digest: undefined }, { spaceKnown: false, digest: undefined }]);
    assert.ok(took < 1_500, `two pulls' lookups were sent at once, not after the listings (${took} ms; a pull falls back to chain storage at 3 s)`);
    assert.equal(index.held.length, 6, 'the listings still hold their places');

    index.answerHeld('all');
    const outcome = await Promise.all(others);
    assert.equal(outcome.filter((o) => o === 'answered').length, others.length, `every listing, relayed query and probe is answered once places free up: ${outcome.join(' | ')}`);
    assert.equal(index.seen.filter((body) => !isPullLookup(body)).length, others.length, 'each was sent once');
  } finally {
    await relay.close();
    await index.close();
  }
});

test('with the bound lowered to 1 by a 429, the one place is shared: listings are still answered, and a waiting pull goes before waiting listings', async () => {
  const index = await standInIndex({ refuseFirst: 1 });
  try {
    const shared = new IndexHttp(index.url);
    const pulls = new GraphqlIndex(shared, { timeoutMs: 3_000 });
    const catalog = new ArtifactCatalog(shared);
    // The first query is refused with a bound of 1, sent again, and answered.
    assert.deepEqual(await pulls.ownerTag(name(0), 'latest', undefined), { spaceKnown: false, digest: undefined });
    assert.equal(shared.maxConcurrent, 1, 'the bound the index named is the gateway\'s');

    const order: string[] = [];
    const listing = (label: string) => catalog.versions({ space: label }).then(() => order.push(label), (error: Error) => order.push(`${label} failed: ${error.message}`));
    const first = listing('listing-1');
    await until('the first listing holds the one place', () => index.held.length === 1);
    const waiting = [listing('listing-2'), listing('listing-3')];
    const pull = pulls.ownerTag(name(1), 'latest', undefined).then(() => order.push('pull'), (error: Error) => order.push(`pull failed: ${error.message}`));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(index.held.length, 1, 'nothing else is sent while the one place is held');

    // Each answer frees the one place for the next in line.
    index.answerHeld('one');
    await until('the pull and the next listing were sent', () => order.includes('pull') && index.held.length === 1);
    index.answerHeld('one');
    await until('the last listing was sent', () => order.length === 3 && index.held.length === 1);
    index.answerHeld('one');
    await Promise.all([first, pull, ...waiting]);
    assert.deepEqual(order, ['listing-1', 'pull', 'listing-2', 'listing-3'], 'the pull that came after two waiting listings was sent before them, and no listing is refused');
  } finally {
    await index.close();
  }
});

test('places kept for pulls: a quarter of the bound, at least one, none with a single place', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 16].map(keptForPulls), [0, 1, 1, 1, 2, 4]);
  const places = new QueryPlaces(8);
  assert.equal(places.placesFor('pull'), 8);
  assert.equal(places.placesFor('relay'), 6);
  places.lower(2);
  assert.equal(places.placesFor('listing'), 1);
  places.lower(1);
  assert.equal(places.placesFor('readiness'), 1);
});

test('a bound named in a 429 is kept while the index keeps naming it, then the configured one applies again', async () => {
  let now = 1_000_000;
  const places = new QueryPlaces(8, () => now);
  places.lower(2);
  assert.equal(places.limit, 2);
  now += LOWERED_FOR_MS - 1;
  places.lower(3);
  assert.equal(places.limit, 2, 'a larger bound named later does not raise the lowered one');
  now += LOWERED_FOR_MS - 1;
  assert.equal(places.limit, 2, 'named again within the time: still kept');
  const open = new AbortController().signal;
  const held = [await places.take(open, 'pull'), await places.take(open, 'pull')];
  let third = false;
  const waiting = places.take(open, 'pull').then((release) => {
    third = true;
    return release;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, false, 'a third query waits under the lowered bound');
  now += 1;
  assert.equal(places.limit, 8, 'an index restarted with a higher bound is asked at the configured one again');
  assert.equal(places.placesFor('listing'), 6);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(third, true, 'the waiting query was given a place once the bound rose');
  for (const release of [...held, await waiting]) release();
  places.lower(9);
  assert.equal(places.limit, 8, 'a bound above the configured one is not taken');
});

test('waiting pulls go first, a request sent again after a 429 first in its line, one that gives up leaves it, and a place is given back once', async () => {
  const places = new QueryPlaces(2);
  const open = new AbortController().signal;
  const taken: string[] = [];
  const take = (label: string, kind: 'pull' | 'listing', signal = open, first = false) =>
    places.take(signal, kind, first).then((release) => {
      taken.push(label);
      return release;
    });
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  const listingA = await take('listing A', 'listing');
  const listingB = take('listing B', 'listing');
  await settle();
  assert.deepEqual(taken, ['listing A'], 'a second listing waits although a place is free: it is kept for pulls');
  const pullP = await take('pull P', 'pull');
  const givesUp = new AbortController();
  const pullGone = take('pull gone', 'pull', givesUp.signal);
  const pullQ = take('pull Q', 'pull');
  const pullResent = take('pull resent', 'pull', open, true);
  givesUp.abort(new Error('deadline'));
  await assert.rejects(pullGone, /deadline/);

  pullP();
  pullP();
  await settle();
  assert.deepEqual(taken, ['listing A', 'pull P', 'pull resent'], 'the place went to the pull sent again, before the waiting listing; giving it back twice freed one place');
  (await pullResent)();
  await settle();
  assert.deepEqual(taken.slice(3), ['pull Q'], 'then to the pull still waiting, not the one that gave up');
  (await pullQ)();
  await settle();
  assert.equal(taken.length, 4, 'listing B still waits: listing A holds the one place listings may have');
  listingA();
  await settle();
  assert.deepEqual(taken.slice(4), ['listing B']);
  (await listingB)();
});

test('a listing that finds no place within its deadline fails naming the places kept for pulls', async () => {
  const index = await standInIndex();
  try {
    const shared = new IndexHttp(index.url, { maxConcurrent: 2 });
    const held = shared.graphql('{ artifacts { id } }', {}, 5_000, 'listing');
    await until('the first listing holds its place', () => index.held.length === 1);
    await assert.rejects(shared.graphql('{ artifacts { id } }', {}, 200, 'listing'), (error: Error) => {
      assert.equal(error.name, 'IndexUnavailableError');
      assert.match(error.message, /^the index at http:\/\/127\.0\.0\.1:\d+\/graphql was not asked: listings, the page's queries and \/readyz may have 1 of this gateway's 2 queries at a time \(the others are kept for pulls\), and none was free until this query's deadline of 200 ms$/);
      return true;
    });
    assert.equal(index.seen.length, 1, 'the second listing was never sent');
    index.answerHeld('all');
    assert.equal((await held).status, 200);
  } finally {
    await index.close();
  }
});

test('a query given up at its deadline closes its connection, and its place goes to the next', async () => {
  // `hcr graphql` keeps counting such a request until its answer is written (or 60 s after the
  // close): the gateway cannot free the index's place, only stop waiting for it.
  const index = await standInIndex();
  try {
    const shared = new IndexHttp(index.url, { maxConcurrent: 1 });
    await assert.rejects(shared.graphql('{ slow }', {}, 300, 'pull'), /did not answer/);
    await until('the index saw the connection close at the deadline', () => index.closedHeld() === 1, 1_000);
    const next = await shared.graphql<{ data: { spaces: unknown[] } }>('{ tags(where: {}) { id } }', {}, 1_000, 'pull');
    assert.deepEqual(next.body?.data.spaces, [], 'the place was given back');
  } finally {
    await index.close();
  }
});
