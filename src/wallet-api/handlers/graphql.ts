// POST /graphql: the indexer's GraphQL, forwarded so the page talks to one origin. Read-only by
// construction (OpenReader has no mutations); bodies are small and answers bounded in time.
import type { Request, Response } from 'express';
import { readBody, requireString } from '../body';
import type { WalletApiContext } from '../context';
import { ApiError } from '../errors';

const TIMEOUT_MS = 15_000;

export async function postGraphql(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  if (!ctx.graphqlUrl) throw new ApiError(503, 'INDEX_UNAVAILABLE', 'this gateway has no index configured: start it with the GraphQL URL of an indexer (hcr graphql)');
  const body = readBody(req, 'POST /graphql', ['query', 'variables', 'operationName']);
  requireString(body, 'query', 'a GraphQL query, for example "{ spaces { id name } }"');
  let answer: globalThis.Response;
  try {
    answer = await fetch(ctx.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ApiError(503, 'INDEX_UNAVAILABLE', `the index did not answer (${(error as Error).message}): check that the GraphQL server at ${ctx.graphqlUrl} runs`);
  }
  res.status(answer.status).type(answer.headers.get('content-type') ?? 'application/json').send(Buffer.from(await answer.arrayBuffer()));
}
