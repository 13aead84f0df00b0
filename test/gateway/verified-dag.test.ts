// A file fetched from peers over real HTTP, whose recorded DAG is not what a file should be, or
// whose blocks the local store stops taking. Content that is not a file ends the download
// whichever peer sends it, never with part of it left out; a store that fails does not hold up
// the client, who still gets every verified byte.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { CID } from 'multiformats/cid';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { carBlock, carHeader } from '../../src/ipfs/car';
import { ipfsModules } from '../../src/ipfs/esm';
import { PeerClient } from '../../src/gateway/peers/peer-client';
import { withPeers } from '../../src/gateway/peers/peer-store';
import { NotAFileError, verifiedFile } from '../../src/gateway/peers/verified-dag';
import { type Block, rawBlock, unixfsNode } from './helpers/dag';

const servers: http.Server[] = [];
const dirs: string[] = [];
after(() => {
  for (const server of servers) server.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A trustless peer holding `blocks` (depth-first from the first): the CAR of the first, and any of them alone. */
async function peerWith(blocks: Block[]): Promise<{ client: PeerClient; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    requests.push(req.url ?? '');
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
  return { client: new PeerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { stallMs: 2_000 }), requests };
}

async function drain(root: CID, peers: PeerClient[]): Promise<string> {
  const m = await ipfsModules();
  let data = '';
  for await (const block of verifiedFile(m, root, peers, () => undefined)) if (block.data) data += Buffer.from(block.data).toString('latin1');
  return data;
}

describe('a file from peers whose DAG or store misbehaves', () => {
  test('ends at a block that is not part of a file (a directory), leaving nothing out and asking no other peer', async () => {
    const a = await rawBlock(Buffer.from('AAAA'));
    const hidden = await rawBlock(Buffer.from('HIDDEN'));
    const directory = await unixfsNode('directory', [{ cid: hidden.cid, size: 6, name: 'x' }]);
    const b = await rawBlock(Buffer.from('BBBB'));
    const root = await unixfsNode('file', [{ cid: a.cid, size: 4 }, { cid: directory.cid, size: 6 }, { cid: b.cid, size: 4 }]);
    const first = await peerWith([root, a, directory, b]);
    const second = await peerWith([root, a, directory, b]);
    await assert.rejects(drain(root.cid, [first.client, second.client]), (error: Error) => {
      assert.ok(error instanceof NotAFileError, `${error.name}: ${error.message}`);
      assert.match(error.message, new RegExp(`block ${directory.cid} of ${root.cid} is not part of a UnixFS file`));
      return true;
    });
    assert.equal(second.requests.length, 0, 'the content is not a file whoever sends it: no other peer is asked');
  });

  test('refuses a file whose blocks hold more bytes than its root says it has', async () => {
    const a = await rawBlock(Buffer.from('AAAA'));
    const b = await rawBlock(Buffer.from('BBBBBBBBBB'));
    // The root says its second link holds 4 bytes (8 in all); that block holds 10.
    const root = await unixfsNode('file', [{ cid: a.cid, size: 4 }, { cid: b.cid, size: 4 }]);
    const peer = await peerWith([root, a, b]);
    await assert.rejects(drain(root.cid, [peer.client]), (error: Error) => error instanceof NotAFileError && /hold more than the 8 bytes its root says/.test(error.message));
  });

  test('sends the whole file to its reader when the local store stops taking its blocks', { timeout: 30_000 }, async () => {
    const bytes = randomBytes(12 * 256 * 1024);
    const leaves: Block[] = [];
    for (let at = 0; at < bytes.byteLength; at += 256 * 1024) leaves.push(await rawBlock(bytes.subarray(at, at + 256 * 1024)));
    const root = await unixfsNode('file', leaves.map((l) => ({ cid: l.cid, size: l.bytes.byteLength })));
    const peer = await peerWith([root, ...leaves]);
    const dir = mkdtempSync(join(tmpdir(), 'hcr-full-disk-'));
    dirs.push(dir);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dir));
    try {
      // A disk that fills after two blocks: the store fails without reading the rest.
      store.putBlocks = async (_root, blocks) => {
        let taken = 0;
        for await (const _block of blocks) if (++taken === 2) throw new Error('no space left on device');
        throw new Error('unreachable');
      };
      const logs: string[] = [];
      const withPeer = withPeers(store, { peers: [peer.client.url], log: (line) => logs.push(line), stallMs: 2_000 });
      const pieces: Buffer[] = [];
      for await (const piece of await withPeer.get(root.cid.toString())) pieces.push(piece as Buffer);
      assert.ok(Buffer.concat(pieces).equals(bytes), 'every byte of the file came');
      assert.ok(logs.some((line) => line.includes(`${root.cid} from peers was not kept (no space left on device)`)), logs.join('\n'));
    } finally {
      await store.close();
    }
  });
});
