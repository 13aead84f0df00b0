// A request's body must keep coming. The server's requestTimeout is off, so that a long upload is
// not cut off at a fixed time; without this, a client that sent its headers and then nothing of
// a body it announced would hold its connection, and whatever its handler holds, for ever. Each
// request with a body is given up on after `idleMs` without a byte of it (the socket's inactivity
// timer, which the HTTP parser pushes back as bytes arrive), with a 408 when no answer has begun.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The default: as long as a client may take to send its headers (headersTimeout). */
export const DEFAULT_BODY_IDLE_MS = 60_000;

const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

export function watchRequestBody(req: IncomingMessage, res: ServerResponse, idleMs: number): void {
  if (!hasBody(req) || idleMs <= 0) return;
  const stop = () => {
    req.off('timeout', onIdle);
    // Only while this request's body is awaited: keep-alive sets its own timer afterwards.
    if (!req.socket.destroyed) req.socket.setTimeout(0);
  };
  const onIdle = () => {
    stop();
    if (res.headersSent || res.writableEnded) {
      req.socket.destroy();
      return;
    }
    // No OCI code names a timeout (see the headers' 408 in server.ts): UNSUPPORTED, the status says why.
    const body = JSON.stringify({ errors: [{ code: 'UNSUPPORTED', message: `no bytes of the request body came for ${idleMs / 1000} s; check the network (or proxy) between the client and the gateway, then send the request again` }] });
    res.shouldKeepAlive = false;
    res.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
    // The unread body cannot be waited for: the connection ends once the answer is out.
    res.once('finish', () => req.socket.destroySoon());
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  };
  req.setTimeout(idleMs, onIdle);
  req.once('end', stop);
  req.once('close', stop);
}
