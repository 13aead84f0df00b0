// The page's calls to the wallet API (same origin, /api) and to the index through it.
import { apiText, freeText } from './untrusted-text';
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export class ApiRequestError extends Error {
  /** The API's error, its message already cut and escaped (apiText): every place that shows it shows it safely. */
  readonly body: ApiErrorBody;

  constructor(readonly status: number, body: ApiErrorBody) {
    const message = apiText(body.message);
    super(message);
    this.body = { ...body, message };
  }
}

export interface Config {
  readonly gatewayAddress: string;
  readonly registry: string;
  readonly graphql: string | null;
  readonly ss58Prefix: number;
  readonly chain: { genesisHash: string; specName: string; specVersion: number; tokenSymbol: string; tokenDecimals: number };
}

export interface AccountInfo {
  readonly address: string;
  readonly nonce: number;
  readonly space: { id: string; name: string; members: string[] } | null;
  readonly gatewayGrant: boolean;
}

export type { TxRecord, TxStatus } from './tx-record';

export interface CallAnswer {
  readonly description: string;
  /** Checked against what was asked for before a wallet sees it (payload-check.ts). */
  readonly payload: unknown;
}

const BASE = new URL('api/', document.baseURI).pathname.replace(/\/$/, '');

/** An API path, e.g. apiUrl('/config'); links the API returns are already absolute paths. */
export const apiUrl = (path: string): string => (path.startsWith(`${BASE}/`) ? path : `${BASE}${path}`);

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), { ...init, headers: { accept: 'application/json', ...(init?.body ? { 'content-type': 'application/json' } : {}) } });
  } catch {
    throw new ApiRequestError(0, { code: 'NETWORK', message: 'The registry did not answer. Check your connection and try again.' });
  }
  const body = (await response.json().catch(() => undefined)) as (T & { error?: unknown }) | undefined;
  if (!response.ok || body === undefined) {
    throw new ApiRequestError(response.status, errorBodyOf(body?.error) ?? { code: 'HTTP', message: `The registry answered ${response.status} ${response.statusText}. Try again later.` });
  }
  return body;
}

/** The API's `{"error":{code,message,field}}`, when that is what it sent. */
function errorBodyOf(error: unknown): ApiErrorBody | undefined {
  const wire = error as Partial<Record<keyof ApiErrorBody, unknown>> | null | undefined;
  if (typeof wire?.message !== 'string' || wire.message.trim() === '') return undefined;
  return { code: typeof wire.code === 'string' ? wire.code : 'UNKNOWN', message: wire.message, field: typeof wire.field === 'string' ? wire.field : undefined };
}

export const apiGet = <T>(path: string): Promise<T> => request<T>(path);
export const apiPost = <T>(path: string, body: unknown): Promise<T> => request<T>(path, { method: 'POST', body: JSON.stringify(body) });

/** Runs a query against the index; GraphQL errors become exceptions. */
export async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const answer = await apiPost<{ data?: T; errors?: { message: string }[] }>('/graphql', { query, variables });
  // The index's words, shown to people: cut short, and invisible or reordering characters escaped.
  if (answer.errors?.length) throw new Error(freeText(`The index refused the query: ${answer.errors.slice(0, 3).map((e) => String(e.message).slice(0, 300)).join('; ')}`));
  return answer.data as T;
}
