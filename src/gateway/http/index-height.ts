// /readyz's question to the index (how far it has read the chain), asked through the gateway's one
// index client: a probe sent beside the gateway's own queries would be one more request from the
// same address past the index's bound per client, refused (a gateway reported not ready because
// it is busy) or taking the place of a pull's lookup. Anyone can ask for /readyz, so it asks as
// `readiness`, which leaves the places kept for pulls alone.
import { type IndexHttp, IndexUnavailableError } from '../resolve/index-http';

export async function indexHeight(index: IndexHttp, timeoutMs = 3_000): Promise<number> {
  let answer;
  try {
    answer = await index.graphql<{ data?: { squidStatus?: { height?: number } }; errors?: { message: string }[] }>('{ squidStatus { height } }', {}, timeoutMs, 'readiness');
  } catch (error) {
    if (!(error instanceof IndexUnavailableError)) throw error;
    // A refusal or a full queue names its own fix; a connection that failed needs the index started.
    if (error.unreachable === undefined) throw new Error(error.message);
    throw new Error(`the index's GraphQL at ${index.shown} cannot be reached (${error.unreachable}): start it (hcr graphql) or fix GRAPHQL_URL`);
  }
  const height = answer.body?.data?.squidStatus?.height;
  if (!answer.ok || typeof height !== 'number') {
    const why = answer.body?.errors?.[0]?.message ?? `HTTP ${answer.status}`;
    throw new Error(`the index's GraphQL at ${index.shown} could not say how far it is (${why}): check that its Postgres is up`);
  }
  return height;
}
