// A request's body must keep coming. The server's requestTimeout is off, so that a long upload is
// not cut off at a fixed time; without this, a client that sent its headers and then nothing of
// a body it announced would hold its connection, and whatever its handler holds, for ever. Each
// request with a body is given up on after `idleMs` without a byte of it (the socket's inactivity
// timer, which the HTTP parser pushes back as bytes arrive), with a 408 when no answer has begun.
//
// A body answered before its end (a refused upload: 401, 403, 413, 429…) is not wanted any more.
// Node would read it off to its end after the answer, to serve the next request on the connection:
// up to gigabytes the gateway already refused, with the connection held all the while. Only a
// small one is read off (keep-alive stays); past that the answer says `Connection: close` and the
// connection stops reading and is closed once the answer is out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The default: as long as a client may take to send its headers (headersTimeout). */
export const DEFAULT_BODY_IDLE_MS = 60_000;

const hasBody = (req: IncomingMessage) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/** The most of a body answered before its end that is still read, so that its connection is kept. */
export const UNREAD_BODY_KEEP_ALIVE_BYTES = 64 * 1024;

/**
 * How long a connection that stopped reading a refused body stays open after its answer. Closing
 * a socket with unread bytes resets it, and a reset can overtake the answer (some TCP stacks drop
 * what the client has not read yet when one arrives); the answer and its FIN go first, as Go's
 * HTTP server (the registry's reference implementation) does.
 */
export const REFUSED_BODY_LINGER_MS = 500;

export function watchRequestBody(req: IncomingMessage, res: ServerResponse, idleMs: number): void {
  if (!hasBody(req)) return;
  closeOnEarlyAnswer(req, res);
  if (idleMs <= 0) return;
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

/** A body of at most this many bytes (declared) is cheap to read off; any other is refused with its connection. */
function smallBody(req: IncomingMessage): boolean {
  const declared = Number(req.headers['content-length']);
  return req.headers['transfer-encoding'] === undefined && Number.isSafeInteger(declared) && declared <= UNREAD_BODY_KEEP_ALIVE_BYTES;
}

function closeOnEarlyAnswer(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  // Every answer's head goes through writeHead (end() and write() call it too): the one moment
  // the connection can still be announced as closing.
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    if (!res.headersSent && !req.complete && !smallBody(req)) {
      res.shouldKeepAlive = false;
      res.setHeader('Connection', 'close');
      stopReading(req);
      lingerBeforeClosing(res.socket ?? req.socket);
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}

/**
 * Nothing more of the body is taken: whatever reads it lets go, and what the request holds is
 * thrown away by reading it, so that Node counts the body as read and does not read it off to its
 * end after the answer. The paused request then fills its buffer (16 KiB) at most and the socket
 * stops reading.
 */
function stopReading(req: IncomingMessage): void {
  req.unpipe();
  req.pause();
  while (req.read() !== null);
}

/**
 * Node ends a closing connection once its answer is written and destroys it at once, resetting
 * it over the unread body: the FIN goes first here, the socket is destroyed a little later.
 */
function lingerBeforeClosing(socket: Socket | null): void {
  // A request whose stream was destroyed has lost its socket already: nothing to wait for.
  if (!socket || socket.destroyed) return;
  socket.destroySoon = function (this: Socket) {
    if (this.writable) this.end();
    setTimeout(() => this.destroy(), REFUSED_BODY_LINGER_MS).unref();
  };
}
