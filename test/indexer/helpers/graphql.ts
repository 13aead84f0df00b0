/** A GraphQL response as the server sent it: data and errors, with their extensions. */
export interface GraphqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Posts a GraphQL query and returns the whole response body, errors included. */
export async function gqlResponse<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(15_000),
  });
  return (await response.json()) as GraphqlResponse<T>;
}

/** Runs a GraphQL query and returns its data; GraphQL errors become exceptions. */
export async function gql<T = any>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const body = await gqlResponse<T>(url, query, variables);
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data as T;
}
