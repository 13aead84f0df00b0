// Small bodies (the /token form, the API tokens' and the wallet API's JSON) go through Express's
// parsers, and a parser that meets a body over its limit reads the whole body off before it says
// 413, so a client declaring a gigabyte had the gateway take a gigabyte it was about to refuse. A
// body declared longer than the limit is refused here before a byte of it is read, with the error
// the parser itself gives (`entity.too.large`), so every route answers it as it answers the
// parser's; the answer then closes the connection without reading the body (body-idle.ts).
// A chunked body declares no length: the parser still reads it to its end (noted in the README).
import type { RequestHandler } from 'express';

export class DeclaredBodyTooLarge extends Error {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly statusCode = 413;
  readonly expose = true;
  readonly type = 'entity.too.large';

  constructor(readonly length: number, readonly limit: number) {
    super(`request entity too large: ${length} bytes declared, at most ${limit} taken`);
  }
}

/**
 * Refuses a request of media type `type` (the one its parser reads; others pass on untouched, to
 * be refused for their type) whose Content-Length is over `limitBytes`, before its body is read.
 */
export function refuseDeclaredBodyOver(limitBytes: number, type: string): RequestHandler {
  return (req, _res, next) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limitBytes && req.is(type)) return next(new DeclaredBodyTooLarge(declared, limitBytes));
    next();
  };
}
