// A GET to a peer, for the CAR streams that carry whole files and for single blocks: over plain
// HTTP read into large buffers of our own (plain-http-get.ts), over HTTPS with node:https. Both
// hand over large pieces without the WHATWG stream and promise per read that fetch's body costs.
// The answer's headers must come within `stallMs`, and after that enough of the body in every
// `stallMs` (stall-watch.ts).
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { LookupFunction } from 'node:net';
import { plainGet } from './plain-http-get';
import { mayRedirectAnywhere, publicOnly, RedirectRefused } from './redirect-guard';
import { type StallPhase, StallWatch } from './stall-watch';
import { articleFor } from '../../config/url-schemes';

const MAX_REDIRECTS = 3;

export interface PeerAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body, piece by piece; a stall or a cut ends it with `stallError` or the socket's error. */
  readonly body: AsyncIterable<Uint8Array>;
  /** Lets the connection go (an unread or half-read body). */
  close(): void;
}

export interface PeerGetOptions {
  readonly accept: string;
  readonly stallMs: number;
  /** The error a stall ends the request with: no answer in time, or a body that stopped. */
  readonly stallError: (phase: StallPhase) => Error;
  readonly signal?: AbortSignal;
  /** How the host is resolved (a redirect's target may be held to public addresses). */
  readonly lookup?: LookupFunction;
}

export async function peerGet(url: string, options: PeerGetOptions): Promise<PeerAnswer> {
  const peer = new URL(url);
  let target = peer;
  let asked = options;
  let anywhere: boolean | undefined;
  for (let redirects = 0; ; redirects++) {
    const answer = target.protocol === 'https:' ? answerOf(await secureRequest(target, asked), asked) : await plainGet(target, asked);
    const location = answer.headers.location;
    if ([301, 302, 303, 307, 308].includes(answer.status) && typeof location === 'string' && redirects < MAX_REDIRECTS) {
      answer.close();
      target = new URL(location, target);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new RedirectRefused(`redirected the gateway to ${articleFor(target.protocol.replace(/:$/, ''))} ${target.protocol} URL; a peer may redirect only to http: and https: ones`);
      // The first redirect decides whether this peer may send the gateway anywhere (redirect-guard.ts).
      anywhere ??= await mayRedirectAnywhere(peer);
      asked = anywhere ? options : { ...options, lookup: publicOnly(peer, target) };
      continue;
    }
    return answer;
  }
}

function secureRequest(url: URL, options: PeerGetOptions): Promise<IncomingMessage> {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = https.request(url, { method: 'GET', headers: { Accept: options.accept }, signal: options.signal, lookup: options.lookup });
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
  const watch = new StallWatch(options.stallMs, (phase) => response.destroy(options.stallError(phase)));
  async function* body(): AsyncGenerator<Buffer> {
    watch.awaitBody();
    try {
      for await (const chunk of response) {
        // While the caller has the chunk, the time is not the peer's.
        watch.pause();
        watch.progress((chunk as Buffer).byteLength);
        yield chunk as Buffer;
        watch.resume();
      }
      // A body cut short by the peer ends the stream without an error on older Nodes.
      if (!response.complete) throw new Error('the answer was cut off before its end');
    } finally {
      watch.stop();
      if (!response.complete) response.destroy();
    }
  }
  return {
    status: response.statusCode ?? 0,
    headers: response.headers,
    body: body(),
    close: () => {
      watch.stop();
      response.destroy();
    },
  };
}
