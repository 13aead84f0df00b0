// Maps what kubo-rpc-client throws onto the BlobStore's typed errors. Connection failures come
// from fetch (undici) as `TypeError: fetch failed` with the socket error as `cause`; Kubo's own
// refusals come as HTTPError with Kubo's message.
import { BlobNotFoundError, BlobStoreError, BlobStoreUnavailableError } from '../errors';
import { KuboAnswerError } from './kubo-answer';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CLOSED',
]);

/** Kubo's wordings for content it does not have (offline) or cannot resolve. */
const NOT_FOUND = /not found|could not find|no link named|merkledag: not found/i;

function socketErrorCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return e.code;
  }
  return undefined;
}

export function unreachable(apiUrl: string, why: string, cause?: unknown): BlobStoreUnavailableError {
  return new BlobStoreUnavailableError(
    `IPFS API ${apiUrl} is unreachable (${why}): start Kubo there, fix IPFS_API, or unset IPFS_API to use the embedded store`,
    { cause },
  );
}

/**
 * The typed error for a failed call. `cid` is set for calls about one blob; `what` names the call
 * for the message ("add", "cat of bafy…").
 */
export function kuboError(error: unknown, apiUrl: string, what: string, cid?: string): unknown {
  if (error instanceof BlobStoreError) return error;
  const code = socketErrorCode(error);
  if (code) return unreachable(apiUrl, code, error);
  const e = error as { name?: string; message?: string; response?: { status?: number } };
  // A cancelled call stays a cancellation: the caller asked for it.
  if (e.name === 'AbortError') return error;
  const status = e.response?.status;
  const message = e.message ?? String(error);
  // Before the "not found" wordings: a page that says "page not found" is no word on the blob.
  if (error instanceof KuboAnswerError || notKuboAnswer(error)) return notKubo(apiUrl, what, error);
  if (status === 502 || status === 503 || status === 504) return unreachable(apiUrl, `HTTP ${status} from a proxy in front of it`, error);
  if (e.name === 'HTTPError' && !kuboRefusal(error)) return notKubo(apiUrl, what, error);
  if (cid !== undefined && NOT_FOUND.test(message)) {
    return new BlobNotFoundError(cid, `blob ${cid} was not found by the IPFS node at ${apiUrl} (${message}); add or pin it there first`);
  }
  return new BlobStoreError(`IPFS API ${apiUrl} failed the ${what}: ${message}`, { cause: error });
}

/**
 * kubo-rpc-client reading an answer that is not Kubo's: text that is no JSON (a proxy's HTML page
 * sent with 200) fails its parse, JSON of another shape fails as it reads the fields, and fields
 * of the wrong type fail the store's checks (KuboAnswerError, kubo-answer.ts). None is the
 * client's doing nor a gateway fault, so it is the retryable "IPFS unavailable", not a 500.
 */
function notKuboAnswer(error: unknown): boolean {
  const e = error as { name?: string; cause?: unknown } | undefined;
  // undici's `fetch failed` is a TypeError too, with the socket's error as its cause.
  return e?.name === 'SyntaxError' || (e?.name === 'TypeError' && e.cause === undefined);
}

/**
 * Kubo sends every refusal as JSON (`{"Message","Code","Type"}`); a refusal in anything else is
 * another server's (Kubo's HTTP gateway on 8080 answers "404 page not found" to /api/v0/…, a
 * proxy its HTML error page), which never asked the node, so "not found" in it is no answer.
 */
function kuboRefusal(error: unknown): boolean {
  const response = (error as { response?: { kuboShaped?: unknown; headers?: { get?: unknown } } }).response;
  if (typeof response?.kuboShaped === 'boolean') return response.kuboShaped;
  // kubo-rpc-client's HTTPError carries fetch's Response.
  const headers = response?.headers as { get(name: string): string | null } | undefined;
  if (typeof headers?.get === 'function') return (headers.get('content-type') ?? '').startsWith('application/json');
  return true;
}

function notKubo(apiUrl: string, what: string, cause: unknown): BlobStoreUnavailableError {
  return new BlobStoreUnavailableError(
    `IPFS API ${apiUrl} answered the ${what} with something that is not a Kubo RPC answer (${statusOf(cause)}${(cause as Error).message}): check that IPFS_API reaches Kubo's RPC API itself (port 5001), not a proxy's page or another server`,
    { cause },
  );
}

/** `HTTP 404: ` for an HTTP refusal whose message does not say its status already. */
function statusOf(error: unknown): string {
  const status = (error as { response?: { status?: unknown } }).response?.status;
  const message = (error as Error).message ?? '';
  return typeof status === 'number' && !message.startsWith('HTTP ') ? `HTTP ${status}: ` : '';
}
