// The Kubo RPC calls the store makes over node:http itself rather than through kubo-rpc-client
// (add, whose upload fetch would buffer, and cat, the hot path of every cold read): one POST,
// Kubo's answers and errors read the way kubo-rpc-client reads them.
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';

/** Shaped like kubo-rpc-client's HTTPError, so one mapping (kubo-errors.ts) serves both. */
export class KuboHttpError extends Error {
  override readonly name = 'HTTPError';
  /**
   * `kuboShaped` is false for an error answer that is not Kubo's `{"Message": …}` (a page saying
   * "404 page not found" from Kubo's HTTP gateway port, a proxy's HTML): its words say nothing
   * about the content asked for.
   */
  constructor(message: string, readonly response: { status: number; kuboShaped?: boolean }) {
    super(message);
  }

  /** The error for a refusal: Kubo's `{"Message": …}`, else the start of the text itself. */
  static of(text: string, status: number | undefined): KuboHttpError {
    const kuboMessage = kuboMessageOf(text);
    return new KuboHttpError(kuboMessage ?? `HTTP ${status}: ${text.trim().slice(0, 200)}`, { status: status ?? 500, kuboShaped: kuboMessage !== undefined });
  }
}

const MAX_ANSWER = 1 << 20;

/** A POST to `<apiBase>/<command>?<params>`, e.g. apiBase `http://127.0.0.1:5001/api/v0`. */
export function kuboRequest(apiBase: string, command: string, params: URLSearchParams, options: { headers?: Record<string, string>; signal?: AbortSignal } = {}): ClientRequest {
  const url = new URL(`${apiBase.replace(/\/+$/, '')}/${command}?${params}`);
  return (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers: options.headers, signal: options.signal });
}

/** Resolves with the response, or rejects with the request's error (a refused connection, an abort). */
export function responseOf(request: ClientRequest): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
}

/** A whole (small) answer as text; `what` names the call in the error for an endless one. */
export async function readAnswer(response: IncomingMessage, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_ANSWER) {
      response.destroy();
      throw new KuboHttpError(`${what} answered with more than ${MAX_ANSWER} bytes; is this a Kubo RPC API?`, { status: 500 });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Kubo's message from its error answer `{"Message": …}`; undefined for anything else. */
function kuboMessageOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { Message?: unknown } | null;
    if (typeof body?.Message === 'string') return body.Message;
  } catch {
    // Not JSON: a proxy's or a wrong server's page.
  }
  return undefined;
}
