// GraphQL answers cached per version of the index, so a query asked again before the processor
// commits anything new is answered from memory instead of Postgres.
//
// Every commit of the processor (a batch, a hot block, a rollback of an orphaned branch) updates
// the one row of squid_processor.status, and Postgres stamps the new row version with the id of
// the transaction that wrote it (`xmin`). That id names the index's content: an answer cached
// under it stays right until the next commit. Transaction ids keep growing across the whole
// server, so they do not repeat when the database is dropped and indexed again (the row's nonce
// would). Each request reads the version before it is answered (concurrent requests share one
// read), so an answer is never older than the index was when the request arrived: a client that
// saw a block in squidStatus sees that block's records in its next query. When the version
// cannot be read (Postgres down, the processor not started yet) nothing is read from or written
// to the cache, so errors and empty starts look exactly as without it.
import { Client } from 'pg';
import responseCachePlugin from 'apollo-server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';

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

const VERSION_QUERY = 'SELECT xmin::text AS version FROM squid_processor.status WHERE id = 0';
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

/**
 * The Apollo plugins that cache answers under the index version: cache control, so every query
 * counts as cacheable (its HTTP answer keeps no Cache-Control header: browsers and proxies cannot
 * know when the index moves on), and the response cache with the version in its key. A cache hit
 * is marked by an `Age` header.
 */
export function responseCachePlugins(
  settings: ResponseCacheSettings,
  version: IndexVersion,
  cacheControlPlugin: (options: { defaultMaxAge: number; calculateHttpHeaders: boolean }) => object,
): object[] {
  // Entries of old versions are never read again; the LRU bound and this age let them go.
  const maxAgeSeconds = 300;
  const cache = new InMemoryLRUCache<string>({ maxSize: Math.round(settings.maxSizeMb * 2 ** 20) });
  // The version each request read before it ran. Its answer may come from a later state (a
  // commit can land while it runs), which is newer, never older, than its key promises.
  const versions = new WeakMap<object, string | undefined>();
  type Request = { request: object };
  return [
    cacheControlPlugin({ defaultMaxAge: maxAgeSeconds, calculateHttpHeaders: false }),
    responseCachePlugin({
      cache,
      extraCacheKeyData: async (context: Request) => {
        const current = await version.read();
        versions.set(context.request, current);
        return current;
      },
      shouldReadFromCache: async (context: Request) => versions.get(context.request) !== undefined,
      shouldWriteToCache: async (context: Request) => versions.get(context.request) !== undefined,
    } as never),
  ];
}
