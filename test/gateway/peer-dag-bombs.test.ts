// A recorded CID whose DAG is built to cost a peer fetch without end: nodes that hold none of the
// file's bytes and link the node below them hundreds of times over, four levels deep (two
// hundred to the fourth blocks to walk, each repeat taken from memory, so no peer's pace ends
// it). The fetch must refuse it as no file, at once.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { carBlock, carHeader } from '../../src/ipfs/car';
import { ipfsModules } from '../../src/ipfs/esm';
import { PeerClient } from '../../src/gateway/peers/peer-client';
import { NotAFileError, verifiedFile } from '../../src/gateway/peers/verified-dag';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';

const servers: http.Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** A trustless peer sending each of `blocks` once (dups=n), the first as the root, or any alone. */
async function peerWith(blocks: Block[]): Promise<PeerClient> {
  const server = http.createServer(async (req, res) => {
    const asked = /^\/ipfs\/([^/?]+)/.exec(req.url ?? '')?.[1];
    const block = blocks.find((b) => b.cid.toString() === asked);
    if (!block) return void res.writeHead(404).end();
    if (/format=raw/.test(req.url ?? '')) return void res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.raw' }).end(block.bytes);
    res.writeHead(200, { 'Content-Type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n' });
    res.write(await carHeader([block.cid]));
    for (const b of blocks) for (const part of carBlock(b.cid, b.bytes)) res.write(part);
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new PeerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { stallMs: 2_000 });
}

test('refuses, at once, a DAG whose nodes hold no bytes and link each other hundreds of times over', { timeout: 20_000 }, async () => {
  const m = await ipfsModules();
  const empty = await unixfsNode('file', []);
  const levels: Block[] = [empty];
  for (let level = 0; level < 4; level++) levels.unshift(await unixfsNode('file', Array.from({ length: 200 }, () => ({ cid: levels[0].cid, size: 0 }))));
  const peer = await peerWith(levels);
  const started = Date.now();
  let blocks = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of verifiedFile(m, levels[0].cid, [peer], () => undefined)) blocks++;
    })(),
    (error: Error) => error instanceof NotAFileError && /hold none of the file's bytes/.test(error.message),
  );
  assert.ok(blocks < 1_000, `walked ${blocks} blocks`);
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

test('still fetches a file with long runs of repeated leaves and an empty file', { timeout: 20_000 }, async () => {
  const m = await ipfsModules();
  const leaf = await rawBlock(Buffer.alloc(1024, 0));
  const middle = await unixfsNode('file', Array.from({ length: 100 }, () => ({ cid: leaf.cid, size: 1024 })));
  const root = await unixfsNode('file', Array.from({ length: 100 }, () => ({ cid: middle.cid, size: 100 * 1024 })));
  const peer = await peerWith([root, middle, leaf]);
  let bytes = 0;
  for await (const block of verifiedFile(m, root.cid, [peer], () => undefined)) bytes += block.data?.byteLength ?? 0;
  assert.equal(bytes, 100 * 100 * 1024);
  const empty = await unixfsNode('file', []);
  let blocks = 0;
  for await (const _ of verifiedFile(m, empty.cid, [await peerWith([empty])], () => undefined)) blocks++;
  assert.equal(blocks, 1);
});
