// A GET to a peer over node:http(s), for the CAR streams that carry whole files and for single
// blocks: Node's own streams hand over large Buffers without the WHATWG stream and promise per
// read that fetch's body costs, and one timer, pushed back on every chunk, bounds a stall. The answer's headers must come
// within `stallMs`, and after that every chunk within `stallMs` of the last.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

const MAX_REDIRECTS = 3;

export interface PeerAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  /** The body, chunk by chunk; a stall or a cut ends it with `stallError` or the socket's error. */
  readonly body: AsyncIterable<Buffer>;
  /** Lets the connection go (an unread or half-read body). */
  close(): void;
}

export interface PeerGetOptions {
  readonly accept: string;
  readonly stallMs: number;
  /** The error a stall ends the request with: no answer in time, or a body that stopped. */
  readonly stallError: (phase: 'answer' | 'body') => Error;
  readonly signal?: AbortSignal;
}

export async function peerGet(url: string, options: PeerGetOptions): Promise<PeerAnswer> {
  let target = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await request(target, options);
    const location = response.headers.location;
    if (response.statusCode && [301, 302, 303, 307, 308].includes(response.statusCode) && location && redirects < MAX_REDIRECTS) {
      response.destroy();
      target = new URL(location, target);
      continue;
    }
    return answerOf(response, options);
  }
}

function request(url: URL, options: PeerGetOptions): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(url, { method: 'GET', headers: { Accept: options.accept }, signal: options.signal });
    const timer = setTimeout(() => req.destroy(options.stallError('answer')), options.stallMs);
    req.once('response', (response) => {
      clearTimeout(timer);
      resolve(response);
    });
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end();
  });
}

function answerOf(response: IncomingMessage, options: PeerGetOptions): PeerAnswer {
  let timer: NodeJS.Timeout | undefined;
  const stop = () => clearTimeout(timer);
  async function* body(): AsyncGenerator<Buffer> {
    timer = setTimeout(() => response.destroy(options.stallError('body')), options.stallMs);
    try {
      for await (const chunk of response) {
        timer.refresh();
        yield chunk as Buffer;
      }
      // A body cut short by the peer ends the stream without an error on older Nodes.
      if (!response.complete) throw new Error('the answer was cut off before its end');
    } finally {
      stop();
      if (!response.complete) response.destroy();
    }
  }
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: body(),
    close: () => {
      stop();
      response.destroy();
    },
  };
}
