// Every request gets an id (the client's or a proxy's X-Request-Id when it is a plain token,
// else a new one), sent back in the X-Request-Id header and named in its log line; and on its
// end it is counted: by route group and status, its bytes in and out, its duration, and pull or
// push latency for the OCI routes that move content.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayMetrics } from '../../observability/gateway-metrics';
import type { Logger } from '../../observability/logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The route group of a request the OCI dispatcher did not name. */
function groupOf(req: Request): string {
  if (req.path.startsWith('/api/') || req.path === '/api') return 'api';
  if (req.path.startsWith('/v2/')) return 'unknown';
  return 'web';
}

const socketMarks = new WeakMap<object, { read: number; written: number }>();


export function observeRequests(options: { metrics?: GatewayMetrics; logger?: Logger }): RequestHandler {
  const { metrics, logger } = options;
  return (req, res, next) => {
    const offered = req.headers['x-request-id'];
    const id = typeof offered === 'string' && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    res.locals.requestId = id;
    res.setHeader(REQUEST_ID_HEADER, id);
    const started = process.hrtime.bigint();
    const socket = req.socket;
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (res.locals.route as string | undefined) ?? groupOf(req);
      const status = res.writableFinished ? String(res.statusCode) : 'aborted';
      // A connection's bytes since its previous request ended: this request's headers and body
      // arrive before any middleware runs, so a count taken at its start would miss them.
      const before = socketMarks.get(socket) ?? { read: 0, written: 0 };
      const bytesIn = Math.max(0, socket.bytesRead - before.read);
      const bytesOut = Math.max(0, socket.bytesWritten - before.written);
      socketMarks.set(socket, { read: socket.bytesRead, written: socket.bytesWritten });
      if (metrics) {
        metrics.requests.inc({ route, method: req.method, status });
        metrics.requestDuration.observe({ route, method: req.method }, seconds);
        metrics.bytesIn.inc({ route }, bytesIn);
        metrics.bytesOut.inc({ route }, bytesOut);
        const ok = res.writableFinished && res.statusCode < 300;
        if (ok && req.method === 'GET' && (route === 'manifest' || route === 'blob')) metrics.pull.observe({ kind: route }, seconds);
        if (ok && req.method === 'PUT' && route === 'manifest') metrics.push.observe({ kind: 'manifest' }, seconds);
        if (ok && route === 'upload' && req.method !== 'GET' && req.method !== 'DELETE') metrics.push.observe({ kind: 'upload' }, seconds);
      }
      if (logger) {
        const quiet = route === 'health' || route === 'metrics';
        (quiet ? logger.debug : status === 'aborted' || res.statusCode >= 500 ? logger.warn : logger.info)('request', {
          requestId: id,
          method: req.method,
          path: req.originalUrl.length > 300 ? `${req.originalUrl.slice(0, 300)}…` : req.originalUrl,
          route,
          status,
          ms: Math.round(seconds * 10_000) / 10,
          bytesIn,
          bytesOut,
          ip: req.ip,
        });
      }
    });
    next();
  };
}
