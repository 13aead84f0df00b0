// A GET over plain HTTP/1.1 whose answer is read into large buffers of our own: each read of the
// socket lands after the last one in a 4 MiB buffer (net's `onread`), and the body comes out as
// views of it (http1-response.ts). node:http allocates a new 64 KiB buffer per read instead, and
// a 256 KiB block spread over several had to be gathered into a copy: on a cold read through a
// peer, those two allocations of every byte made the collector mark the whole heap again and
// again. A block that lies in one buffer (a peer sends each block as one write) is now passed on
// without a copy, and the buffers are a sixteenth as many allocations.
import net from 'node:net';
import { Http1Response, type ResponseHead } from './http1-response';
import type { PeerAnswer, PeerGetOptions } from './peer-http';
import { StallWatch } from './stall-watch';

/** Each buffer the socket reads into; a read gets what is left of it. */
const BUFFER_BYTES = 4 * 1024 * 1024;
/** The first one: enough for an answer of one block (256 KiB here), the most that many requests get. */
const FIRST_BUFFER_BYTES = 512 * 1024;
/** Less than this left in the buffer, the next read gets a new one. */
const MIN_READ_BYTES = 64 * 1024;
/** Body bytes read ahead of the reader before the socket is paused, and resumed below half. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/**
 * What a piece of the body counts for at the least: a peer that sends its body a byte per chunk
 * must not fill the read-ahead with millions of views, each far larger than its byte.
 */
const PIECE_COST_BYTES = 1024;
const costOf = (piece: Uint8Array) => Math.max(piece.byteLength, PIECE_COST_BYTES);

/** The request's bytes: one GET, on a connection used for it alone. */
function requestHead(url: URL, accept: string): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, `Accept: ${accept}`, 'Connection: close'];
  if (url.username || url.password) {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    lines.push(`Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export function plainGet(url: URL, options: PeerGetOptions): Promise<PeerAnswer> {
  return new Promise<PeerAnswer>((resolve, reject) => {
    let buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
    let used = 0;
    const queue: Uint8Array[] = [];
    let queued = 0;
    let paused = false;
    let ended = false;
    let failure: Error | undefined;
    let headed = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const waiting = wake;
      wake = undefined;
      waiting?.();
    };

    const fail = (error: Error) => {
      if (failure || ended) return;
      failure = error;
      watch.stop();
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (!headed) reject(error);
      notify();
    };
    // The head within stallMs, then enough of the body in every stallMs (stall-watch.ts).
    const watch = new StallWatch(options.stallMs, (phase) => fail(options.stallError(phase)));
    watch.awaitAnswer();
    const onAbort = () => fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('the request was aborted'));

    const response = new Http1Response({
      head: (head: ResponseHead) => {
        headed = true;
        watch.awaitBody();
        resolve(answer(head));
      },
      body: (bytes) => {
        if (bytes.byteLength === 0) return;
        queue.push(bytes);
        queued += costOf(bytes);
        watch.progress(bytes.byteLength);
        notify();
      },
      end: () => {
        ended = true;
        watch.stop();
        // Nothing more is read from this connection.
        setImmediate(() => socket.destroy());
        notify();
      },
    });

    const socket = net.connect({
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(url.port || 80),
      lookup: options.lookup,
      onread: {
        // Each read goes after the last in the same buffer, so the body's pieces are views of it.
        buffer: () => {
          if (buffer.byteLength - used < MIN_READ_BYTES) {
            buffer = Buffer.allocUnsafe(BUFFER_BYTES);
            used = 0;
          }
          return buffer.subarray(used);
        },
        callback: (bytesRead: number, into: Uint8Array) => {
          used += bytesRead;
          try {
            response.feed(into.subarray(0, bytesRead));
          } catch (error) {
            fail(error as Error);
            return false;
          }
          // Returning false pauses the socket until the reader catches up.
          paused = !ended && queued >= READ_AHEAD_BYTES;
          // A paused socket is waiting on the reader, not on the peer.
          if (paused) watch.pause();
          return !paused;
        },
      },
    });
    socket.on('error', (error) => fail(error));
    socket.on('close', () => {
      if (ended || failure) return;
      try {
        response.closed();
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.write(requestHead(url, options.accept));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    const close = () => {
      watch.stop();
      options.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    };

    function answer(head: ResponseHead): PeerAnswer {
      async function* body(): AsyncGenerator<Uint8Array> {
        try {
          for (;;) {
            const next = queue.shift();
            if (next) {
              queued -= costOf(next);
              if (paused && queued < READ_AHEAD_BYTES / 2) {
                paused = false;
                watch.resume();
                socket.resume();
              }
              yield next;
              continue;
            }
            if (failure) throw failure;
            if (ended) return;
            await new Promise<void>((woken) => (wake = woken));
          }
        } finally {
          close();
        }
      }
      return { status: head.status, headers: head.headers, body: body(), close };
    }
  });
}
