// A query that cannot reach Postgres (stopped, restarting, its connections cut) is not a fault of
// the query or of the server: it is answered as the database being unavailable, in words a client
// can act on (try again shortly), with 503 and Retry-After, rather than as a 500 carrying the
// driver's "connect ECONNREFUSED 127.0.0.1:5432". The pool opens new connections once Postgres is
// back, so the server itself needs no restart.
import type { Request, Response, NextFunction } from 'express';
import { GraphQLError } from 'graphql';

export const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
const RETRY_AFTER_SECONDS = 5;

/** Socket errors of a connection to Postgres that could not be made or was lost. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/**
 * SQLSTATEs of a server going away or not there yet: connection exceptions (class 08),
 * admin_shutdown, crash_shutdown, cannot_connect_now ("the database system is starting up").
 */
const OUTAGE_SQLSTATE = /^(08...|57P01|57P02|57P03)$/;
/**
 * node-postgres's own words for a connection refused, lost or never made in time. Apollo hands
 * formatError a copy of an error thrown by a plugin that keeps its message but not its `code`.
 */
const OUTAGE_WORDS = /^connect (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b|^getaddrinfo (ENOTFOUND|EAI_AGAIN)\b|Connection terminated|timeout expired|Client has encountered a connection error|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

/** What went wrong, in a word, when `error` is Postgres being out of reach; undefined otherwise. */
function outageOf(error: unknown): string | undefined {
  type Link = { code?: unknown; message?: unknown; cause?: unknown; originalError?: unknown };
  for (let e = error as Link | undefined, depth = 0; e && depth < 5; e = (e.originalError ?? e.cause) as Link | undefined, depth++) {
    if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || OUTAGE_SQLSTATE.test(e.code))) return e.code;
    if (typeof e.message === 'string' && OUTAGE_WORDS.test(e.message)) return e.message.replace(/ \S+:\d+$/, '').slice(0, 80);
  }
  return undefined;
}

/** The answer's error for Postgres out of reach, worded for the client; undefined for any other error. */
function databaseOutage(error: unknown): GraphQLError | undefined {
  const outage = outageOf(error);
  if (outage === undefined) return undefined;
  const at = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(
    `The index's database is unavailable (${outage}): try again in a few seconds. If it goes on, the server's operator must check that Postgres is up and that DB_URL points at it.`,
    at?.nodes, at?.source, at?.positions, at?.path, undefined,
    { code: DATABASE_UNAVAILABLE },
  );
}

/** A formatError step, for an outage met while the query runs. */
export function explainDatabaseOutage(error: GraphQLError): GraphQLError {
  return databaseOutage(error) ?? error;
}

/**
 * Express middleware for /graphql: an error answer (5xx) whose errors say DATABASE_UNAVAILABLE
 * goes out as 503 with Retry-After, so clients and proxies retry it as they retry an outage.
 */
export function databaseOutageStatus(_req: Request, res: Response, next: NextFunction): void {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => {
    if (res.statusCode >= 500 && typeof body === 'string' && body.includes(`"code":"${DATABASE_UNAVAILABLE}"`)) {
      res.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    }
    return send(body);
  };
  next();
}
