// A listing cut at its bound says where the rest is, as an RFC 8288 `Link: <…>; rel="next"`
// header: the same request with the next offset, so that a client pages on instead of the
// gateway reading without end for one request.
import type { Request, Response } from 'express';

export function linkNextPage(req: Request, res: Response, next: { offset: number; limit: number }): void {
  const url = new URL(req.originalUrl, 'http://gateway.invalid');
  url.searchParams.set('offset', String(next.offset));
  url.searchParams.set('limit', String(next.limit));
  res.setHeader('Link', `<${url.pathname}${url.search}>; rel="next"`);
}
