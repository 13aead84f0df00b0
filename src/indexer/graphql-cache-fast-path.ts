// Cache hits answered before Express. With every answer coming from the response cache, the
// server spent about a fifth of its CPU on what Express does around a hit: its request set-up
// and routing, the body parser's content-type checks and stream plumbing, CORS, and an ETag hash
// of every answer. So a POST to /graphql with a plain JSON body of stated length is read here,
// as the HTTP server hands it over, and a hit is written straight out with the headers Express
// gives it (CORS, the content type, the ETag kept with the answer, `Age`). Everything else goes on
// to Express untouched; a miss goes on with its body already read and parsed and its cache key
// known, so nothing is done twice (the body parser skips a request whose body is already set).
import type { Application } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerBadBody, parseRequestBody, tooLargeProblem } from './graphql-request-body';
import { type CacheableRequest, type ResponseCache, writeCachedAnswer } from './graphql-response-cache';

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Puts the fast path in front of the app's request handling; `limit` is the body size limit in bytes. */
export function answerCacheHitsFirst(app: Application, cache: ResponseCache, limit: number): void {
  const appWithHandle = app as unknown as { handle: Handle };
  const handle = appWithHandle.handle.bind(app);
  const poweredBy = app.enabled('x-powered-by');
  appWithHandle.handle = (req, res, next) => {
    const length = takenLength(req);
    if (length === undefined) return handle(req, res, next);
    if (length > limit) return answerBadBody(res, 413, tooLargeProblem(length, limit));
    readBody(req, length).then(async (raw) => {
      if (!raw) return;
      // A hit's body was parsed when it was first answered (only successes are kept), so only a
      // miss is parsed here.
      const key = await cache.keyOf(raw);
      const hit = key === null ? undefined : cache.get(key);
      if (hit) return writeCachedAnswer(res, hit, poweredBy);
      const parsed = parseRequestBody(raw);
      if ('problem' in parsed) return answerBadBody(res, 400, parsed.problem);
      const request = req as unknown as CacheableRequest & { _body?: boolean };
      request.body = parsed.body;
      request._body = true;
      request.rawBody = raw;
      request.cacheKey = key;
      handle(req, res, next);
    }).catch((error: Error) => {
      if (!res.headersSent) answerBadBody(res, 500, `The request could not be answered (${error.message}); try again.`);
      else res.destroy(error);
    });
  };
}

/**
 * The body length of a request the fast path takes: a POST to exactly /graphql with a JSON body
 * in UTF-8 of stated length, neither compressed nor conditional. Undefined for anything else.
 */
function takenLength(req: IncomingMessage): number | undefined {
  if (req.method !== 'POST' || req.url !== '/graphql') return undefined;
  const headers = req.headers;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return undefined;
  if (headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined) return undefined;
  if (!isUtf8Json(headers['content-type'])) return undefined;
  const length = Number(headers['content-length']);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

function isUtf8Json(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const [type, ...parameters] = contentType.toLowerCase().split(';').map((part) => part.trim());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => parameter === 'charset=utf-8' || parameter === 'charset="utf-8"');
}

/** The whole body, or undefined when the client went away first (there is no one to answer). */
function readBody(req: IncomingMessage, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks.length === 1 && chunks[0].length === length ? chunks[0] : Buffer.concat(chunks, length)));
    req.on('error', () => resolve(undefined));
    req.on('aborted', () => resolve(undefined));
    // After 'end' this changes nothing (a promise settles once); without it, a connection lost
    // mid-body could leave the request pending for good.
    req.on('close', () => resolve(undefined));
  });
}
