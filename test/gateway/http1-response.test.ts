// The peers' HTTP/1.1 answer reader, fed what node:http servers write (and what a broken or hostile
// peer could): the same head and body however the bytes are cut into reads, the body as views of
// what was read, and a clear refusal of what is not HTTP or was cut off.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, test } from 'node:test';
import { HttpFormatError, Http1Response, type ResponseHead } from '../../src/gateway/peers/http1-response';

interface Read {
  head?: ResponseHead;
  body: Uint8Array[];
  ended: boolean;
}

function reader(): { response: Http1Response; read: Read } {
  const read: Read = { body: [], ended: false };
  const response = new Http1Response({
    head: (head) => (read.head = head),
    body: (bytes) => read.body.push(bytes),
    end: () => (read.ended = true),
  });
  return { response, read };
}

/** Feeds `bytes` cut into pieces of `size`, then says the connection closed. */
function feedAll(bytes: Uint8Array, size: number, options: { close?: boolean } = {}): Read {
  const { response, read } = reader();
  for (let at = 0; at < bytes.byteLength; at += size) response.feed(bytes.subarray(at, at + size));
  if (options.close ?? true) response.closed();
  return read;
}

/** The raw bytes a node:http server writes for a GET answered by `handler`. */
async function wireBytes(handler: http.RequestListener): Promise<Buffer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((resolve) => socket.on('close', resolve));
    return Buffer.concat(chunks);
  } finally {
    server.close();
  }
}

const text = (pieces: Uint8Array[]) => Buffer.concat(pieces).toString('latin1');

describe('the peers\' HTTP/1.1 answer reader', () => {
  test('reads a chunked answer node:http wrote, however its bytes are cut into reads', async () => {
    const parts = [randomBytes(10), randomBytes(70_000), randomBytes(1)];
    const wire = await wireBytes((_req, res) => {
      res.setHeader('X-Many', ['one', 'two']);
      for (const part of parts) res.write(part);
      res.end();
    });
    for (const size of [wire.byteLength, 1, 3, 4096]) {
      const read = feedAll(wire, size);
      assert.equal(read.head?.status, 200);
      assert.equal(read.head?.headers['transfer-encoding'], 'chunked');
      assert.equal(read.head?.headers['x-many'], 'one, two');
      assert.equal(read.ended, true);
      assert.deepEqual(Buffer.concat(read.body), Buffer.concat(parts), `cut into ${size}-byte reads`);
    }
  });

  test('reads an answer of a stated length, and one that runs until the connection closes', async () => {
    const bytes = randomBytes(50_000);
    const sized = await wireBytes((_req, res) => {
      res.setHeader('Content-Length', bytes.byteLength);
      res.end(bytes);
    });
    const read = feedAll(sized, 1000);
    assert.equal(read.ended, true);
    assert.deepEqual(Buffer.concat(read.body), bytes);

    const untilClose = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: x\r\n\r\n'), bytes]);
    const { response, read: open } = reader();
    response.feed(untilClose);
    assert.equal(open.ended, false, 'no end is known until the connection closes');
    response.closed();
    assert.equal(open.ended, true);
    assert.deepEqual(Buffer.concat(open.body), bytes);
  });

  test('passes the body on as views of the bytes it was fed, not copies', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    const read = feedAll(wire, wire.byteLength);
    assert.equal(text(read.body), 'hello');
    assert.equal(read.body[0].buffer, wire.buffer);
  });

  test('skips an informational answer, reads trailers and chunk extensions, and ends an empty answer at once', () => {
    const wire = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=value\r\nabc\r\n0\r\nX-Trailer: yes\r\n\r\n');
    const read = feedAll(wire, 2);
    assert.equal(read.head?.status, 200);
    assert.equal(text(read.body), 'abc');
    assert.equal(read.ended, true);
    for (const empty of ['HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n']) {
      const { response, read: got } = reader();
      response.feed(Buffer.from(empty));
      assert.equal(got.ended, true, empty.split('\r\n')[0]);
      assert.equal(response.done, true);
    }
  });

  test('takes headers named like an object\'s own properties as headers, nothing more', () => {
    const wire = Buffer.from('HTTP/1.1 200 OK\r\nConstructor: one\r\n__proto__: two\r\nToString: three\r\nContent-Length: 2\r\n\r\nok');
    const read = feedAll(wire, wire.byteLength);
    const headers = read.head!.headers;
    assert.equal(headers.constructor, 'one');
    assert.equal(headers['__proto__'], 'two');
    assert.equal(headers.tostring, 'three');
    assert.equal(Object.getPrototypeOf(headers), null);
    assert.deepEqual(Object.keys(headers), ['constructor', '__proto__', 'tostring', 'content-length']);
    assert.equal(Buffer.concat(read.body).toString(), 'ok');
  });

  test('refuses what is not an HTTP/1.1 answer, naming what is wrong', () => {
    const refused = (wire: string, pattern: RegExp) => {
      assert.throws(() => feedAll(Buffer.from(wire), 7), (error: Error) => error instanceof HttpFormatError && !error.truncated && pattern.test(error.message), wire.slice(0, 40));
    };
    refused('SSH-2.0-OpenSSH\r\n\r\n', /is not an HTTP\/1\.1 status line/);
    refused('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /is not a header line/);
    refused('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', /is not one length/);
    refused('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /is not one length/);
    refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /"zz" is not a chunk size/);
    refused('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n', /runs past its stated size/);
    refused(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, /head runs past 65536 bytes/);
    refused(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1${' '.repeat(5000)}`, /too long to be one/);
  });

  test('says an answer was cut off when the connection closes before its end', () => {
    const cut = (wire: string, pattern: RegExp) => {
      assert.throws(() => feedAll(Buffer.from(wire), 5), (error: Error) => error instanceof HttpFormatError && error.truncated && pattern.test(error.message), wire.slice(0, 40));
    };
    cut('HTTP/1.1 200 OK\r\nContent-Le', /closed before a whole answer head came/);
    cut('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello', /cut off before its end/);
    cut('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n', /cut off before its end/);
  });
});
