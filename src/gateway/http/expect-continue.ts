// A client that sends `Expect: 100-continue` (curl for bodies over 1 MiB, Go clients that set
// ExpectContinueTimeout) waits for the server's go-ahead before sending its body. Node gives that
// go-ahead as soon as the headers arrive, before any check, so an upload the gateway was going to
// refuse (no login, no permission, too large, too many) was sent anyway. Here the `100 Continue`
// goes out only when a handler starts reading the body; a handler that answers without reading it
// answers at once, the client keeps its body, and the connection closes (the client may not send
// the body it held back, so the next bytes on the connection could be either).
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';

const awaiting = new WeakSet<IncomingMessage>();

/** Requests that expect `100 Continue` reach the 'request' listeners with the go-ahead not yet sent. */
export function holdContinue(server: Server | HttpsServer): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaiting.add(req);
    server.emit('request', req, res);
  });
}

/**
 * Sends `100 Continue` when the body is first read, unless an answer has begun; an answer that
 * begins before then closes the connection. Call it after everything else that wraps writeHead,
 * so that its reads of the body (to throw it away) do not count as a handler wanting it.
 */
export function continueOnRead(req: IncomingMessage, res: ServerResponse): void {
  if (!awaiting.has(req)) return;
  let decided = false;
  const readable = req as IncomingMessage & { _read(size: number): void };
  const read = readable._read;
  readable._read = function (this: IncomingMessage, size: number) {
    if (!decided) {
      decided = true;
      if (!res.headersSent) res.writeContinue();
    }
    return read.call(this, size);
  };
  const writeHead = res.writeHead;
  // Every answer's head goes through writeHead (end() and write() call it too).
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    res.writeHead = writeHead;
    // A request without a body (or one sent whole anyway) has nothing held back: it keeps its connection.
    if (!decided && !req.complete) {
      res.shouldKeepAlive = false;
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
    decided = true;
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}
