// A peer's answers built to mislead: a compressed body no one asked for, a CAR whose header names
// another DAG than the one asked for, a Content-Length that lies, a head that runs on, redirects
// that never end. Each is refused with an error naming what the peer did, and costs a bounded
// amount of memory and time.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, test } from 'node:test';
import { carBlock, carHeader } from '../../src/ipfs/car';
import { PeerClient, PeerError } from '../../src/gateway/peers/peer-client';
import { rawBlock, unixfsNode } from './helpers/dag';

const servers: http.Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

async function peer(handler: http.RequestListener): Promise<{ client: PeerClient; url: string }> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { client: new PeerClient(url, { stallMs: 2_000 }), url };
}

async function drain(blocks: AsyncIterable<unknown> | undefined): Promise<number> {
  let n = 0;
  for await (const _ of blocks ?? []) n++;
  return n;
}

test('refuses a compressed answer, naming its Content-Encoding, for a block and for a CAR', async () => {
  const block = await rawBlock(Buffer.from('a block of bytes'));
  const car = Buffer.concat([await carHeader([block.cid]), ...carBlock(block.cid, block.bytes)]);
  const { client } = await peer((req, res) => {
    const raw = /format=raw/.test(req.url ?? '');
    res.writeHead(200, { 'Content-Type': raw ? 'application/vnd.ipld.raw' : 'application/vnd.ipld.car', 'Content-Encoding': 'gzip' });
    res.end(gzipSync(raw ? block.bytes : car));
  });
  await assert.rejects(client.block(block.cid), (error: Error) => error instanceof PeerError && error.reason === 'malformed' && /Content-Encoding: gzip/.test(error.message));
  await assert.rejects(async () => drain(await client.car(block.cid)), (error: Error) => error instanceof PeerError && error.reason === 'malformed' && /Content-Encoding: gzip/.test(error.message));
});

test('refuses a CAR whose header names another root than the CID asked for, before reading its blocks', async () => {
  const asked = await rawBlock(Buffer.from('the block asked for'));
  const other = await rawBlock(Buffer.from('another block'));
  const { client } = await peer(async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car' });
    res.end(Buffer.concat([await carHeader([other.cid]), ...carBlock(asked.cid, asked.bytes)]));
  });
  await assert.rejects(async () => drain(await client.car(asked.cid)), (error: Error) => error instanceof PeerError && error.reason === 'malformed' && error.message.includes(`root is ${other.cid}, not ${asked.cid}`));
});

test('takes a CAR whose header names the CID asked for, in another version of it', async () => {
  const asked = await unixfsNode('file', []);
  const { client } = await peer(async (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car' });
    // CIDv0 in the header, CIDv1 asked for: the same block.
    res.end(Buffer.concat([await carHeader([asked.cid.toV0()]), ...carBlock(asked.cid, asked.bytes)]));
  });
  assert.equal(await drain(await client.car(asked.cid)), 1);
});

test('says a body shorter than its Content-Length was cut short, and ignores bytes past it', async () => {
  const block = await rawBlock(Buffer.from('0123456789'));
  const { client: short } = await peer((req, res) => {
    res.socket!.end(`HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.raw\r\nContent-Length: 100\r\n\r\n${Buffer.from(block.bytes).toString('latin1')}`);
  });
  await assert.rejects(short.block(block.cid), (error: Error) => error instanceof PeerError && error.reason === 'cut_short');
  const { client: long } = await peer((req, res) => {
    res.socket!.end(`HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.raw\r\nContent-Length: 10\r\n\r\n${Buffer.from(block.bytes).toString('latin1')}and more`);
  });
  assert.deepEqual(Buffer.from((await long.block(block.cid))!), Buffer.from(block.bytes));
});

test('gives up on an answer head that runs on, and on redirects that never end', async () => {
  const block = await rawBlock(Buffer.from('x'));
  const { client: endless } = await peer((_req, res) => {
    res.socket!.write('HTTP/1.1 200 OK\r\n');
    const line = `X-Padding: ${'a'.repeat(1_000)}\r\n`;
    for (let i = 0; i < 200 && !res.socket!.destroyed; i++) res.socket!.write(line);
  });
  await assert.rejects(endless.block(block.cid), (error: Error) => error instanceof PeerError && error.reason === 'malformed' && /head runs past/.test(error.message));
  let asked = 0;
  const { client: loop } = await peer((req, res) => {
    asked++;
    res.writeHead(302, { Location: req.url }).end();
  });
  await assert.rejects(loop.block(block.cid), (error: Error) => error instanceof PeerError && /HTTP 302/.test(error.message));
  assert.ok(asked <= 4, `asked ${asked} times`);
});
