// How long a peer may take, over plain HTTP and over HTTPS alike: the answer's head within the
// stall limit of the request however it is dripped, then at least 64 KiB of body in each stall
// limit of waiting on the peer. A peer sending a byte now and then, or framing with no body, is
// given up on; a slow but steady one is read to the end, and so is one whose reader stops reading
// for a while.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { type PeerAnswer, peerGet } from '../../src/gateway/peers/peer-http';
import { MIN_PROGRESS_BYTES } from '../../src/gateway/peers/stall-watch';
import { makeTestCa } from './helpers/tls';
import { missingTools } from './helpers/tools';

const opensslSkip = missingTools(['openssl'], 'openssl');
const STALL_MS = 400;
/** Each case's bound: a peer that is not given up on must fail the case, not hang the run. */
const CASE = { timeout: 30_000 };

class Stalled extends Error {
  constructor(readonly phase: string) {
    super(`stalled (${phase})`);
  }
}

const options = { accept: 'application/vnd.ipld.car', stallMs: STALL_MS, stallError: (phase: 'answer' | 'body') => new Stalled(phase) };

/** What a peer does once the request came: writes to the raw socket (plain or TLS). */
type Behaviour = (socket: net.Socket) => void | Promise<void>;

interface Transport {
  readonly name: string;
  /** A peer behaving so; its URL. */
  serve(behaviour: Behaviour): Promise<string>;
}

const servers: net.Server[] = [];
const peerSockets: net.Socket[] = [];
const dir = mkdtempSync(join(tmpdir(), 'hcr-peer-stalls-'));
after(() => {
  // Peers still dripping (a case that failed) are cut, so the run ends.
  for (const socket of peerSockets) socket.destroy();
  for (const server of servers) server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(server: net.Server, behaviour: Behaviour, scheme: string): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function onRequest(behaviour: Behaviour): (socket: net.Socket) => void {
  return (socket) => {
    peerSockets.push(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => void behaviour(socket));
  };
}

const plain: Transport = {
  name: 'plain HTTP',
  serve: (behaviour) => listen(net.createServer(onRequest(behaviour)), behaviour, 'http'),
};

let tlsOptions: { cert: Buffer; key: Buffer } | undefined;
const secure: Transport = {
  name: 'HTTPS',
  serve: (behaviour) => listen(tls.createServer(tlsOptions!, onRequest(behaviour)), behaviour, 'https'),
};

/** Writes `write` every `everyMs` until the socket closes. */
async function forever(socket: net.Socket, write: string | Buffer, everyMs: number): Promise<void> {
  while (!socket.destroyed) {
    socket.write(write);
    await delay(everyMs);
  }
}

async function bodyOf(answer: PeerAnswer, pauseAfterFirstMs = 0): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of answer.body) {
    if (pieces.length === 0 && pauseAfterFirstMs > 0) await delay(pauseAfterFirstMs);
    pieces.push(piece);
  }
  return Buffer.concat(pieces);
}

/** The time `work` took to fail with a stall of `phase`. */
async function stallsIn(work: Promise<unknown>, phase: string): Promise<number> {
  const started = performance.now();
  await assert.rejects(work, (error: Error) => error instanceof Stalled && error.phase === phase);
  return performance.now() - started;
}

describe('how long a peer may take', { skip: opensslSkip }, () => {
  before(async () => {
    const ca = await makeTestCa(join(dir, 'ca'));
    const issued = await ca.issue(join(dir, 'server'), { ips: ['127.0.0.1'] });
    tlsOptions = { cert: readFileSync(issued.certFile), key: readFileSync(issued.keyFile) };
    // Peers over HTTPS are reached through node:https's default agent, which is told to trust the test CA.
    https.globalAgent.options.ca = readFileSync(ca.caFile);
  });

  for (const transport of [plain, secure]) {
    describe(transport.name, () => {
      test('gives up on a head dripped a line at a time, and on 100 Continue after 100 Continue, the stall limit after the request', CASE, async () => {
        const dripping = await transport.serve(async (socket) => {
          socket.write('HTTP/1.1 200 OK\r\n');
          await forever(socket, 'X-Slow: yes\r\n', 50);
        });
        const dripped = await stallsIn(peerGet(`${dripping}/x`, options), 'answer');
        assert.ok(dripped < STALL_MS * 3, `took ${dripped} ms`);

        const continuing = await transport.serve((socket) => forever(socket, 'HTTP/1.1 100 Continue\r\n\r\n', 50));
        const continued = await stallsIn(peerGet(`${continuing}/x`, options), 'answer');
        assert.ok(continued < STALL_MS * 3, `took ${continued} ms`);
      });

      test('gives up on a body dripped a byte at a time, and on chunk framing or trailers that carry no body', CASE, async () => {
        const dripping = await transport.serve(async (socket) => {
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
          await forever(socket, 'x', 20);
        });
        const dripped = await peerGet(`${dripping}/x`, options);
        assert.equal(dripped.status, 200);
        const took = await stallsIn(bodyOf(dripped), 'body');
        assert.ok(took < STALL_MS * 3, `took ${took} ms`);

        // A byte of body for each 3 KiB of chunk extension.
        const padded = await transport.serve(async (socket) => {
          socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
          await forever(socket, `1;pad=${'p'.repeat(3000)}\r\nx\r\n`, 5);
        });
        await stallsIn(peerGet(`${padded}/x`, options).then((answer) => bodyOf(answer)), 'body');

        const trailing = await transport.serve(async (socket) => {
          socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n');
          await forever(socket, 'X-Trailer: more\r\n', 5);
        });
        await stallsIn(peerGet(`${trailing}/x`, options).then((answer) => bodyOf(answer)), 'body');
      });

      test('reads a slow but steady body to its end', CASE, async () => {
        // The least a peer must send in a stall limit comes in three slices, one every quarter of
        // the other cases' limit; this case's limit is twice theirs, so timers a loaded machine runs
        // late do not make a steady peer look stalled. The body still takes longer than the limit.
        const slice = Math.ceil(MIN_PROGRESS_BYTES / 3);
        const body = randomBytes(slice * 12);
        const steady = await transport.serve(async (socket) => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.byteLength}\r\n\r\n`);
          for (let at = 0; at < body.byteLength && !socket.destroyed; at += slice) {
            socket.write(body.subarray(at, at + slice));
            await delay(STALL_MS / 4);
          }
        });
        const answer = await peerGet(`${steady}/x`, { ...options, stallMs: STALL_MS * 2 });
        assert.deepEqual(await bodyOf(answer), body);
      });

      test('does not count the time its reader stops reading against the peer', CASE, async () => {
        // Larger than what is read ahead of a reader (8 MiB), so the peer waits on the reader.
        const body = randomBytes(24 * 1024 * 1024);
        const prompt = await transport.serve((socket) => {
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.byteLength}\r\n\r\n`);
          socket.write(body);
        });
        // Once the reader reads again, the peer (in this process, over TLS too) sends the rest of
        // 24 MiB: with the other cases' limit a loaded machine could take longer than that between
        // two 64 KiB, which is not what this case is about. The pause stays three limits long.
        const stallMs = STALL_MS * 3;
        const answer = await peerGet(`${prompt}/x`, { ...options, stallMs });
        const read = await bodyOf(answer, stallMs * 3);
        assert.equal(read.byteLength, body.byteLength);
        assert.ok(read.equals(body));
      });
    });
  }
});
