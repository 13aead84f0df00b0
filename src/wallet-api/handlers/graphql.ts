// POST /graphql: the indexer's GraphQL, forwarded so the page talks to one origin. Read-only by
// construction (OpenReader has no mutations); bodies are small and answers bounded in time and
// size. Only the query goes on (no client headers: cookies, credentials, hop-by-hop), only to the
// configured URL (a redirect is not followed), and only a JSON answer comes back.
import type { Request, Response } from 'express';
import { readBody, requireString } from '../body';
import type { WalletApiContext } from '../context';
import { ApiError } from '../errors';
import { splitUrlLogin } from '../../config/url-login';

const TIMEOUT_MS = 15_000;
/** Far more than any page of the index; an answer past it is cut off rather than held whole in memory. */
export const MAX_GRAPHQL_ANSWER_BYTES = 16 * 1024 * 1024;

export async function postGraphql(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  if (!ctx.graphqlUrl) throw new ApiError(503, 'INDEX_UNAVAILABLE', 'this gateway has no index configured: start it with the GraphQL URL of an indexer (hcr graphql)');
  const body = readBody(req, 'POST /graphql', ['query', 'variables', 'operationName']);
  requireString(body, 'query', 'a GraphQL query, for example "{ spaces { id name } }"');
  const login = splitUrlLogin(ctx.graphqlUrl);
  const unavailable = (why: string) => new ApiError(503, 'INDEX_UNAVAILABLE', `the index ${why}: check that the GraphQL server at ${login.shown} runs`);
  let answer: globalThis.Response;
  try {
    answer = await fetch(login.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...login.headers }, body: JSON.stringify(body), redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw unavailable(`did not answer (${(error as Error).message})`);
  }
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
  res.status(answer.status).type(type).setHeader('X-Content-Type-Options', 'nosniff');
  res.send(Buffer.concat(chunks));
}

function tooLarge(): ApiError {
  return new ApiError(502, 'INDEX_UNAVAILABLE', `the index's answer is larger than ${MAX_GRAPHQL_ANSWER_BYTES / 1024 / 1024} MiB: ask for fewer rows (first: …) or fewer fields`);
}
