// A bound on how many requests one client may have answered at once. Every request that misses
// the response cache holds one of the few pooled Postgres connections (GQL_DB_CONNECTION_POOL_SIZE,
// default 5) for as long as its SQL runs, so a single client sending slow queries side by side
// could hold them all and leave everyone else waiting, whatever proxy is or is not in front. A
// client with GQL_MAX_CONCURRENT_PER_CLIENT requests in flight (default 8; 0 turns it off) gets
// 429 with Retry-After and a GraphQL-shaped error for the next one. A request's place is given
// back when its answer is written, not when its client hangs up: a client that sends a slow query
// and disconnects has not stopped its SQL, so it cannot start another in its place.
// Cache hits answered before Express (graphql-cache-fast-path.ts) cost no SQL and are not counted.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { countFromEnv } from './env-count';

export const DEFAULT_MAX_CONCURRENT_PER_CLIENT = 8;

/** How long a place stays taken after the client left, when no answer was ever written. */
const ABANDONED_RELEASE_MS = 60_000;
const RETRY_AFTER_SECONDS = 1;

/** GQL_MAX_CONCURRENT_PER_CLIENT: requests one client address may have in flight (default 8; 0: no bound). */
export function maxConcurrentPerClientFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return countFromEnv(env, 'GQL_MAX_CONCURRENT_PER_CLIENT', DEFAULT_MAX_CONCURRENT_PER_CLIENT, 'how many requests one client may have answered at once, or 0 for no bound', 0);
}

/** Express middleware counting each client's requests in flight and refusing those past `max`. */
export function limitConcurrentRequests(max: number, clientOf: (req: IncomingMessage) => string | undefined): RequestHandler {
  const inFlight = new Map<string, number>();
  return (req, res, next) => {
    if (max === 0) return next();
    const client = clientOf(req) ?? 'unknown';
    const running = inFlight.get(client) ?? 0;
    if (running >= max) return refuse(res, client, max);
    inFlight.set(client, running + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (inFlight.get(client) ?? 1) - 1;
      if (left <= 0) inFlight.delete(client);
      else inFlight.set(client, left);
    };
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      release();
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as typeof res.end;
    res.once('close', () => {
      if (!released) setTimeout(release, ABANDONED_RELEASE_MS).unref();
    });
    next();
  };
}

function refuse(res: ServerResponse, client: string, max: number): void {
  const body = JSON.stringify({
    errors: [{
      message: `Too many requests at once from ${client}: at most ${max} are answered at a time for one client. Wait for an answer before sending more (retry after ${RETRY_AFTER_SECONDS} s), or start the server with a larger GQL_MAX_CONCURRENT_PER_CLIENT; behind a reverse proxy, list it in GQL_TRUST_PROXY so that its clients count apart.`,
      extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerClient: max },
    }],
  });
  res.statusCode = 429;
  res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
