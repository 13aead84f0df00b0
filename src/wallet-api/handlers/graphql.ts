// POST /graphql: the indexer's GraphQL, forwarded so the page talks to one origin. Read-only by
// construction (OpenReader has no mutations); bodies are small and answers bounded in time and
// size. Only the query goes on (no client headers: cookies, credentials, hop-by-hop), only to the
// configured URL (a redirect is not followed), and only a JSON answer comes back.
//
// It goes through an index client (src/gateway/resolve/index-http.ts): on a gateway, the one its
// pulls, listings and /readyz share, so the page's queries, which come from the gateway's address
// as they do, keep the whole gateway within the index's bound per client (sent on their own they
// passed it under load, their 429s went on to browsers, and the gateway's lookups were refused
// beside them). They ask as `relay`, which leaves the places kept for pulls alone: anyone may
// send them, from any number of addresses. A request the index cannot take within the deadline is
// 503 INDEX_UNAVAILABLE, with Retry-After when the index named a wait.
import type { Request, Response } from 'express';
import { type IndexHttp, IndexUnavailableError } from '../../gateway/resolve/index-http';
import { readBody, requireString } from '../body';
import type { WalletApiContext } from '../context';
import { ApiError } from '../errors';

const TIMEOUT_MS = 15_000;
/** Far more than any page of the index; an answer past it is cut off rather than held whole in memory. */
export const MAX_GRAPHQL_ANSWER_BYTES = 16 * 1024 * 1024;

interface Relayed {
  readonly status: number;
  readonly type: string;
  readonly bytes: Buffer;
}

export async function postGraphql(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const answer = await relayQuery(ctx.index, req, res);
  res.status(answer.status).type(answer.type).setHeader('X-Content-Type-Options', 'nosniff');
  res.send(answer.bytes);
}

async function relayQuery(index: IndexHttp | undefined, req: Request, res: Response): Promise<Relayed> {
  if (!index) throw new ApiError(503, 'INDEX_UNAVAILABLE', 'this gateway has no index configured: start it with the GraphQL URL of an indexer (hcr graphql)');
  const body = readBody(req, 'POST /graphql', ['query', 'variables', 'operationName']);
  requireString(body, 'query', 'a GraphQL query, for example "{ spaces { id name } }"');
  const unavailable = (why: string) => new ApiError(503, 'INDEX_UNAVAILABLE', `the index ${why}: check that the GraphQL server at ${index.shown} runs`);
  try {
    // Only the query goes on (no client headers), only to the configured URL (no redirect followed).
    return await index.exchange(JSON.stringify(body), { timeoutMs: TIMEOUT_MS, kind: 'relay', headers: { accept: 'application/json' }, redirect: 'manual' }, (answer) => readAnswer(answer, unavailable));
  } catch (error) {
    if (!(error instanceof IndexUnavailableError)) throw error;
    if (error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    // A refusal or a full queue names its own fix; a connection that failed is today's message.
    throw error.unreachable === undefined ? new ApiError(503, 'INDEX_UNAVAILABLE', error.message) : unavailable(`did not answer (${error.unreachable})`);
  }
}

/** Only a JSON answer, at most MAX_GRAPHQL_ANSWER_BYTES, read while the request holds its place. */
async function readAnswer(answer: globalThis.Response, unavailable: (why: string) => ApiError): Promise<Relayed> {
  const type = answer.headers.get('content-type') ?? '';
  if (answer.status >= 300 && answer.status < 400) {
    await answer.body?.cancel();
    throw unavailable(`answered with a redirect (HTTP ${answer.status}), which is not followed`);
  }
  if (!/^application\/(?:graphql-response\+)?json\b/i.test(type)) {
    await answer.body?.cancel();
    throw unavailable(`answered HTTP ${answer.status} with ${type || 'no content type'}, not JSON`);
  }
  const declared = Number(answer.headers.get('content-length') ?? NaN);
  if (declared > MAX_GRAPHQL_ANSWER_BYTES) {
    await answer.body?.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      // Leaving the loop cancels the rest of the answer.
      if (size > MAX_GRAPHQL_ANSWER_BYTES) throw tooLarge();
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw unavailable(`stopped answering (${(error as Error).message})`);
  }
  return { status: answer.status, type, bytes: Buffer.concat(chunks) };
}

function tooLarge(): ApiError {
  return new ApiError(502, 'INDEX_UNAVAILABLE', `the index's answer is larger than ${MAX_GRAPHQL_ANSWER_BYTES / 1024 / 1024} MiB: ask for fewer rows (first: …) or fewer fields`);
}
