// GraphQL answers cached per version of the index, so a query asked again before the processor
// commits anything new is answered from memory instead of Postgres.
//
// Every commit of the processor (a batch, a hot block, a rollback of an orphaned branch) updates
// the one row of squid_processor.status, and Postgres stamps the new row version with the id of
// the transaction that wrote it (`xmin`). That id names the index's content: an answer cached
// under it stays right until the next commit. Transaction ids keep growing across the whole
// server, so they do not repeat when the database is dropped and indexed again (the row's nonce
// would). The content indexer's status row counts too (it commits on its own, see VERSION_QUERY).
// Each request reads the version before it is answered (concurrent requests share one
// read), so an answer is never older than the index was when the request arrived: a client that
// saw a block in squidStatus sees that block's records in its next query. When the version
// cannot be read (Postgres down, the processor not started yet) nothing is read from or written
// to the cache, so errors and empty starts look exactly as without it.
import cors from 'cors';
import { json, type Request, type RequestHandler } from 'express';
import type { ServerResponse } from 'node:http';
import { Client } from 'pg';
import { ByteLru, type ByteLruEntry } from './byte-lru';

export interface ResponseCacheSettings {
  /** Off with GQL_RESPONSE_CACHE=off (or 0/false). */
  enabled: boolean;
  /** GQL_RESPONSE_CACHE_MB: memory for cached answers, least recently used go first. */
  maxSizeMb: number;
}

export function responseCacheSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ResponseCacheSettings {
  const flag = (env.GQL_RESPONSE_CACHE ?? 'on').trim().toLowerCase();
  if (!['on', 'off', '1', '0', 'true', 'false', ''].includes(flag)) {
    throw new Error(`GQL_RESPONSE_CACHE="${env.GQL_RESPONSE_CACHE}" is neither on nor off; set it to "off" to answer every query from Postgres, or unset it.`);
  }
  return {
    enabled: !['off', '0', 'false'].includes(flag),
    maxSizeMb: positiveNumber(env, 'GQL_RESPONSE_CACHE_MB', 50),
  };
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}="${raw}" is not a positive number; fix or unset it (default ${fallback}).`);
  return value;
}

export interface IndexVersion {
  /**
   * The index's version as of a read that starts after this call, or undefined when it cannot be
   * read. Callers that arrive while a read is under way share the next one, so under load there
   * is about one read per round trip to Postgres, not one per request.
   */
  read(): Promise<string | undefined>;
  close(): Promise<void>;
}

// The content indexer (src/content-index) writes beside the processor and touches its own status
// row in every write, so its row's version is part of the index's.
const VERSION_QUERY = `SELECT (SELECT xmin::text FROM squid_processor.status WHERE id = 0) || '/' || coalesce((SELECT xmin::text FROM content_index_status WHERE id = '0'), '-') AS version`;
/** After a failed connection, requests go uncached for this long before the next attempt. */
const RECONNECT_AFTER_MS = 1_000;

export function indexVersion(dbUrl: string): IndexVersion {
  let client: Client | undefined;
  let connecting: Promise<Client> | undefined;
  let failedAt = -Infinity;
  let inFlight: Promise<string | undefined> | undefined;
  let queued: Promise<string | undefined> | undefined;
  let closed = false;

  const connection = (): Promise<Client> => {
    if (client) return Promise.resolve(client);
    connecting ??= (async () => {
      const fresh = new Client({ connectionString: dbUrl, connectionTimeoutMillis: 5_000 });
      // A lost connection also fails the next query, which is where it is handled.
      fresh.on('error', () => undefined);
      try {
        await fresh.connect();
      } catch (error) {
        fresh.end().catch(() => undefined);
        throw error;
      } finally {
        connecting = undefined;
      }
      client = fresh;
      return fresh;
    })();
    return connecting;
  };
  const readNow = async (): Promise<string | undefined> => {
    if (closed || performance.now() - failedAt < RECONNECT_AFTER_MS) return undefined;
    try {
      const result = await (await connection()).query<{ version: string }>(VERSION_QUERY);
      return result.rows[0]?.version;
    } catch (error) {
      // Postgres answering with an error (no status table yet: the processor has not started)
      // leaves the connection usable; anything else drops it and waits before trying again.
      if (isSqlError(error)) return undefined;
      if (client) {
        const old = client;
        client = undefined;
        old.end().catch(() => undefined);
      }
      failedAt = performance.now();
      return undefined;
    }
  };
  const start = (): Promise<string | undefined> => {
    const read = readNow().finally(() => {
      if (inFlight === read) inFlight = undefined;
    });
    inFlight = read;
    return read;
  };

  return {
    read() {
      if (!inFlight) return start();
      // The read under way began before this call and may predate a commit this caller has
      // already seen the effects of; wait for the one after it.
      queued ??= inFlight.then(() => {
        queued = undefined;
        return start();
      });
      return queued;
    },
    async close() {
      closed = true;
      await inFlight;
      await queued;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

/** An error Postgres sent (it has an SQLSTATE code), as opposed to a failed connection. */
function isSqlError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/** A request on its way to Apollo: its exact body, and its cache key once that was worked out. */
export type CacheableRequest = Request & { rawBody?: Buffer; cacheKey?: string | null };

/** Answers kept by the exact request body and the index version it was answered under. */
export class ResponseCache {
  readonly #answers: ByteLru;

  constructor(settings: ResponseCacheSettings, readonly version: IndexVersion) {
    this.#answers = new ByteLru(Math.round(settings.maxSizeMb * 2 ** 20));
  }

  /** The key of a body under the index version of now; null when the version cannot be read. */
  async keyOf(rawBody: Buffer): Promise<string | null> {
    const current = await this.version.read();
    return current === undefined ? null : `${current}\n${rawBody.toString('latin1')}`;
  }

  get(key: string): ByteLruEntry | undefined {
    return this.#answers.get(key);
  }

  set(key: string, value: string, etag?: string): void {
    this.#answers.set(key, value, Date.now(), etag);
  }
}

/**
 * Express middleware for the GraphQL path, placed ahead of Apollo's own: it answers a POST whose
 * exact body was answered before under the current index version, and otherwise lets the request
 * through and keeps the answer if it is a success. A hit skips Apollo's whole request pipeline,
 * which is most of what a repeated query costs. It parses the body the way Apollo's middleware
 * would (the same JSON body parser and size limit), and sets CORS headers as Apollo's does, so hits and
 * misses look alike; a hit also carries an `Age` header (seconds since it was stored). Most
 * requests have been read before they get here (graphql-cache-fast-path.ts): then the body is
 * parsed and the key known.
 */
export function responseCacheMiddleware(cache: ResponseCache, bodyParserConfig: object | undefined): RequestHandler[] {
  const answer: RequestHandler = (req: CacheableRequest, res, next) => {
    const raw = req.rawBody;
    if (req.method !== 'POST' || raw === undefined) return next();
    const key = req.cacheKey !== undefined ? Promise.resolve(req.cacheKey) : cache.keyOf(raw);
    key.then((current) => {
      if (current === null) return next();
      const hit = cache.get(current);
      // Express has set X-Powered-By by now, if it sets it at all.
      if (hit) return writeCachedAnswer(res, hit, false);
      const send = res.send.bind(res);
      res.send = (body?: unknown) => {
        res.send = send;
        const sent = send(body);
        // Only successes: a body with errors (a bad query, Postgres failing) always names them.
        // Express has set the ETag by now; kept with the answer, a hit need not hash it again.
        if (res.statusCode === 200 && typeof body === 'string' && !body.includes('"errors"')) {
          const etag = res.getHeader('ETag');
          cache.set(current, body, typeof etag === 'string' ? etag : undefined);
        }
        return sent;
      };
      next();
    }, next);
  };
  const keepRawBody = (req: CacheableRequest, _res: unknown, buffer: Buffer) => {
    req.rawBody = buffer;
  };
  return [cors(), json({ ...bodyParserConfig, verify: keepRawBody }), answer];
}

/**
 * Writes a cached answer with the headers Express gave it when it was first sent (CORS, the
 * content type and length, its ETag) and `Age`: seconds since it was stored.
 */
export function writeCachedAnswer(res: ServerResponse, hit: ByteLruEntry, poweredBy: boolean): void {
  res.statusCode = 200;
  if (poweredBy) res.setHeader('X-Powered-By', 'Express');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Age', String(Math.max(0, Math.floor((Date.now() - hit.storedAt) / 1000))));
  res.setHeader('Content-Length', Buffer.byteLength(hit.value));
  if (hit.etag) res.setHeader('ETag', hit.etag);
  res.end(hit.value);
}
