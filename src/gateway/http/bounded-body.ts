// Small bodies (the /token form, the API tokens' and the wallet API's JSON) go through Express's
// parsers, and a parser that meets a body over its limit reads the whole body off before it says
// 413: a client declaring or streaming a gigabyte had the gateway take a gigabyte it was about to
// refuse. Here a body declared longer than the limit is refused before a byte of it is read, and
// a chunked one (no declared length) is read here, and refused as soon as it passes the limit;
// either way the answer then closes the connection without reading the rest (body-idle.ts). A
// chunked body within the limit is handed to the same parser from memory, so every route parses
// and answers exactly as before. Refusals carry the parser's own error type (`entity.too.large`),
// so every route answers them as it answers the parser's.
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';

export class BodyTooLarge extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly statusCode = 413;
  readonly expose = true;
  readonly type = 'entity.too.large';

  constructor(
    /** The declared length, or for a chunked body the bytes it had sent when it passed the limit. */
    readonly length: number,
    readonly limit: number,
    how: 'declared' | 'sent',
  ) {
    super(how === 'declared' ? `request entity too large: ${length} bytes declared, at most ${limit} taken` : `request entity too large: more than ${limit} bytes sent (chunked), at most ${limit} taken`);
  }
}

/** The client went away before its body ended: raw-body's own error for it, as the parser gives it. */
class BodyAborted extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'request.aborted';
}

/**
 * `parser` (an Express body parser for media type `type`) behind a bound of `limitBytes` that is
 * enforced before the body is read (declared) or while it is (chunked). Requests of other types
 * go to the parser untouched (it passes them on, to be refused for their type).
 */
export function boundedBody(limitBytes: number, type: string, parser: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (!req.is(type)) return parser(req, res, next);
    const declared = req.headers['content-length'];
    if (declared !== undefined || req.headers['transfer-encoding'] === undefined) {
      const length = Number(declared);
      if (Number.isFinite(length) && length > limitBytes) return next(new BodyTooLarge(length, limitBytes, 'declared'));
      return parser(req, res, next);
    }
    readWithin(req, limitBytes).then((body) => {
      const replay = fromMemory(req, body);
      parser(replay as unknown as typeof req, res, (error?: unknown) => {
        if (error) return next(error);
        // What the parser made of it goes on the request; `_body` tells parsers after it that the
        // body was read (as body-parser marks the requests it reads itself).
        req.body = (replay as { body?: unknown }).body;
        (req as { _body?: boolean })._body = true;
        next();
      });
    }, next);
  };
}

/** A readable stream of `body` that a body parser takes as the request: the same headers, the length now known. */
function fromMemory(req: IncomingMessage, body: Buffer): Readable {
  const headers: Record<string, string | string[] | undefined> = { ...req.headers, 'content-length': String(body.length) };
  delete headers['transfer-encoding'];
  return Object.assign(Readable.from(body.length > 0 ? [body] : []), { headers, method: req.method, url: req.url });
}

/** The whole body, or a BodyTooLarge as soon as more than `limitBytes` came (the rest left unread). */
function readWithin(req: IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const settle = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limitBytes) {
        settle();
        // Not another byte is asked for; the answer closes the connection (body-idle.ts).
        req.pause();
        reject(new BodyTooLarge(received, limitBytes, 'sent'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      settle();
      resolve(Buffer.concat(chunks, received));
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    const onClose = () => {
      settle();
      reject(new BodyAborted('request aborted: the client closed the connection before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
