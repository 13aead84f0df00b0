// A multipart body given up on (a publish refused on its metadata part, with the file part still
// coming) is not read on while the refusal is prepared: reading stops where the parts stopped
// being taken, instead of taking the rest of a body that may declare gigabytes.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { Request } from 'express';
import { multipartParts } from '../../src/gateway/doors/multipart';

/** How long the refusal takes to prepare (a reservation released, received files discarded). */
const REFUSAL_MS = 300;

describe('a multipart body given up on', () => {
  let server: Server;
  let readWhileRefusing: number | undefined;
  before(async () => {
    server = createServer((req, res) => {
      void (async () => {
        for await (const part of multipartParts(req as Request, { fieldBytes: 1024, files: 1, fields: 4 })) {
          if (part.kind === 'field') break;
        }
        const before = req.socket.bytesRead;
        await delay(REFUSAL_MS);
        readWhileRefusing = req.socket.bytesRead - before;
        res.writeHead(403, { Connection: 'close', 'Content-Type': 'text/plain' }).end('refused on its metadata\n');
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('is not read on after its parts stopped being taken', { timeout: 15_000 }, async () => {
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.write(
      'POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1073741824\r\n\r\n' +
        '--b\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{"name":"acme/base","version":"1.0.0"}\r\n' +
        '--b\r\nContent-Disposition: form-data; name="firmware"; filename="f.bin"\r\n\r\n',
    );
    // The file part, as fast as the socket takes it, until the answer comes.
    const piece = Buffer.alloc(64 * 1024, 0x61);
    const until = performance.now() + REFUSAL_MS + 3_000;
    while (answer === '' && !socket.destroyed && performance.now() < until) {
      if (!socket.write(piece)) await Promise.race([new Promise((resolve) => socket.once('drain', resolve)), delay(20)]);
    }
    socket.destroy();
    assert.match(answer, /^HTTP\/1\.1 403 /);
    assert.ok(readWhileRefusing !== undefined && readWhileRefusing < 512 * 1024, `${readWhileRefusing} bytes of the body were read while its refusal was prepared`);
  });
});
