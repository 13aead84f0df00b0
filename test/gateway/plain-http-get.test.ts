// The peers' GET over plain HTTP, against real node:http servers and raw sockets: the answer read
// into large buffers and handed on whole, redirects and credentials as node:http would send them,
// a peer that stalls or cuts its answer given up on, and a reader that falls behind pausing the
// peer rather than holding all it sends.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { peerGet } from '../../src/gateway/peers/peer-http';
import { plainGet } from '../../src/gateway/peers/plain-http-get';

const servers: (http.Server | net.Server)[] = [];
after(() => {
  for (const server of servers) server.close();
});

async function listen<T extends http.Server | net.Server>(server: T): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

class Stalled extends Error {
  constructor(readonly phase: string) {
    super(`stalled (${phase})`);
  }
}

const options = { accept: 'application/vnd.ipld.car', stallMs: 300, stallError: (phase: 'answer' | 'body') => new Stalled(phase) };

async function bodyOf(answer: { body: AsyncIterable<Uint8Array> }): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of answer.body) pieces.push(piece);
  return Buffer.concat(pieces);
}

describe('the peers\' GET over plain HTTP', () => {
  test('reads a streamed answer whole, in pieces far larger than a socket read, and sends what node:http would', async () => {
    const bytes = randomBytes(6 * 1024 * 1024);
    let seen: http.IncomingHttpHeaders = {};
    const url = await listen(http.createServer((req, res) => {
      seen = req.headers;
      res.setHeader('Content-Type', 'application/vnd.ipld.car');
      // Written in 256 KiB pieces, as a gateway writes blocks.
      for (let at = 0; at < bytes.byteLength; at += 262_144) res.write(bytes.subarray(at, at + 262_144));
      res.end();
    }));
    const withCredentials = new URL(`${url}/ipfs/x?format=car`);
    withCredentials.username = 'me';
    withCredentials.password = 'p@ss word';
    const answer = await plainGet(withCredentials, options);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/vnd.ipld.car');
    const pieces: Uint8Array[] = [];
    for await (const piece of answer.body) pieces.push(piece);
    assert.deepEqual(Buffer.concat(pieces), bytes);
    // Each piece is one chunk of the answer, read into a buffer of 512 KiB first, then of 4 MiB
    // (not 64 KiB reads).
    assert.ok(pieces.some((piece) => piece.byteLength === 262_144), 'a written piece comes whole');
    assert.ok(pieces.every((piece) => piece.buffer.byteLength >= 512 * 1024), 'every piece is a view of a large read buffer');
    const inLarge = pieces.filter((piece) => piece.buffer.byteLength >= 4 * 1024 * 1024).reduce((sum, piece) => sum + piece.byteLength, 0);
    assert.ok(inLarge >= bytes.byteLength - 512 * 1024, 'past the first buffer, the answer lies in 4 MiB buffers');
    assert.equal(seen.accept, 'application/vnd.ipld.car');
    assert.equal(seen.host, withCredentials.host);
    assert.equal(seen.authorization, `Basic ${Buffer.from('me:p@ss word').toString('base64')}`);
  });

  test('follows a redirect, and hands over a 404 with its status', async () => {
    const url = await listen(http.createServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(307, { Location: '/new' }).end();
      } else if (req.url === '/new') {
        res.end('moved here');
      } else {
        res.writeHead(404).end('no such block');
      }
    }));
    const moved = await peerGet(`${url}/old`, options);
    assert.equal(moved.status, 200);
    assert.equal((await bodyOf(moved)).toString(), 'moved here');
    const missing = await peerGet(`${url}/gone`, options);
    assert.equal(missing.status, 404);
    assert.equal((await bodyOf(missing)).toString(), 'no such block');
  });

  test('gives up on a peer that sends no answer, or stops sending its body, within the stall limit', async () => {
    const silent = await listen(net.createServer(() => undefined));
    const started = Date.now();
    await assert.rejects(plainGet(new URL(`${silent}/x`), options), (error: Error) => error instanceof Stalled && error.phase === 'answer');
    assert.ok(Date.now() - started < 3000);

    const stopping = await listen(net.createServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    }));
    const answer = await plainGet(new URL(`${stopping}/x`), options);
    await assert.rejects(bodyOf(answer), (error: Error) => error instanceof Stalled && error.phase === 'body');
  });

  test('ends the body with an error when the peer cuts it off, or sends what is not HTTP', async () => {
    const cutting = await listen(net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc'));
    }));
    const cut = await plainGet(new URL(`${cutting}/x`), options);
    await assert.rejects(bodyOf(cut), /cut off before its end/);

    const babbling = await listen(net.createServer((socket) => {
      socket.once('data', () => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    }));
    await assert.rejects(plainGet(new URL(`${babbling}/x`), options), /is not an HTTP\/1\.1 status line/);
  });

  test('fails at once for a port nothing listens on, and when its signal aborts', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(plainGet(new URL(`http://127.0.0.1:${port}/x`), options), (error: NodeJS.ErrnoException) => error.code === 'ECONNREFUSED');

    const slow = await listen(net.createServer(() => undefined));
    const controller = new AbortController();
    const asked = plainGet(new URL(`${slow}/x`), { ...options, stallMs: 10_000, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('the client went away')), 50);
    await assert.rejects(asked, /the client went away/);
  });

  test('pauses a peer while its reader falls behind, instead of holding all it sends', async () => {
    const total = 96 * 1024 * 1024;
    const piece = randomBytes(1024 * 1024);
    let written = 0;
    let finished = false;
    const url = await listen(http.createServer((_req, res) => {
      const pump = () => {
        while (written < total) {
          written += piece.byteLength;
          if (!res.write(piece)) return res.once('drain', pump);
        }
        res.end(() => (finished = true));
      };
      pump();
    }));
    const answer = await plainGet(new URL(`${url}/big`), { ...options, stallMs: 5000 });
    const reading = answer.body[Symbol.asyncIterator]();
    await reading.next();
    // The reader takes nothing for a while: the peer may fill the read-ahead and the sockets'
    // buffers, not send the whole answer.
    await delay(500);
    assert.ok(written < total / 2, `the peer wrote ${written} of ${total} bytes to a reader that took one piece`);
    assert.equal(finished, false);
    let received = 0;
    for (let next = await reading.next(); !next.done; next = await reading.next()) received += next.value.byteLength;
    assert.ok(received > total - 2 * piece.byteLength, 'the rest comes once the reader reads again');
  });

  test('pauses a peer that sends its body a byte per chunk too, counting each piece for more than its byte', async () => {
    // 1 MiB pieces of one byte each, chunked: six bytes on the wire for each byte of body.
    const pieces = Buffer.from('1\r\nX\r\n'.repeat(1024 * 1024));
    const rounds = 6;
    let written = 0;
    const url = await listen(net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', async () => {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        // In slices, each waited for once the socket buffers are full: what was written is what
        // the reader's side took, give or take a slice.
        const slice = 61_440;
        for (let at = 0; at < rounds * pieces.byteLength && !socket.destroyed; at += slice) {
          const from = at % pieces.byteLength;
          if (!socket.write(pieces.subarray(from, from + slice))) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
          written += slice;
        }
        if (!socket.destroyed) socket.end('0\r\n\r\n');
      });
    }));
    const answer = await plainGet(new URL(`${url}/tiny`), { ...options, stallMs: 5000 });
    const reading = answer.body[Symbol.asyncIterator]();
    assert.equal(Buffer.from((await reading.next()).value as Uint8Array).toString(), 'X');
    // Long enough for a reader that held every piece to read most of the answer.
    await delay(1500);
    assert.ok(written < (rounds * pieces.byteLength) / 3, `the peer wrote ${written} of ${rounds * pieces.byteLength} bytes to a reader that took one piece`);
    answer.close();
  });
});
