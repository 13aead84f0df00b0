// The embedded store's Kubo RPC server on the wire: Kubo's methods, shapes and errors, as the
// real kubo-rpc-client and plain HTTP clients see them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedIpfs, type EmbeddedIpfs } from '../../src/ipfs';
import { readCounts } from '../../src/file-io/read-at';
import { CHUNK, collect } from './helpers/bytes';

type KuboJson = { Message?: string; Hash?: string; Code?: number; Type?: string };

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const ABSENT_CID = 'bafkreic22obqjnjvykmh3pjemv6buenyqsme75qa3hzytxvq2ttdj7xhsi';

function multipart(parts: { name: string; bytes: Buffer; type?: string }[], boundary = 'b0undary'): { body: Buffer; type: string } {
  const pieces = parts.flatMap(({ name, bytes, type }) => [
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: ${type ?? 'application/octet-stream'}\r\n\r\n`),
    bytes,
    Buffer.from('\r\n'),
  ]);
  return { body: Buffer.concat([...pieces, Buffer.from(`--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

describe('embedded Kubo RPC server', () => {
  let dataDir: string;
  let ipfs: EmbeddedIpfs;
  const post = (command: string, init: RequestInit = {}) => fetch(`${ipfs.apiUrl}/api/v0/${command}`, { method: 'POST', ...init });

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hcr-kubo-api-'));
    ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
  });
  after(async () => {
    await ipfs?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers the real kubo-rpc-client: add, cat with a range, files.stat, pin.add, pin.ls, version', async () => {
    const { create } = await import('kubo-rpc-client');
    const client = create({ url: ipfs.apiUrl });
    const bytes = randomBytes(300_000);
    const added = await client.add(bytes, { cidVersion: 1, pin: false });
    assert.match(added.cid.toString(), /^bafybei/);
    assert.ok(added.size > bytes.length, 'add reports the cumulative DAG size');
    assert.deepEqual(Buffer.from(await collect(client.cat(added.cid, { offset: 10, length: 100 }))), bytes.subarray(10, 110));
    const stat = await client.files.stat(`/ipfs/${added.cid}`, { withLocal: true });
    assert.equal(stat.size, bytes.length);
    assert.equal(stat.type, 'file');
    assert.equal(stat.local, true);
    assert.equal(stat.blocks, 2);
    await assert.rejects(all(client.pin.ls({ paths: added.cid })), /is not pinned/);
    assert.equal((await client.pin.add(added.cid)).toString(), added.cid.toString());
    const pins = await all(client.pin.ls({ paths: added.cid }));
    assert.equal(pins.length, 1);
    const listed = (await all(client.pin.ls())).map((pin) => ({ cid: pin.cid.toString(), type: pin.type }));
    assert.deepEqual(listed, [{ cid: added.cid.toString(), type: 'recursive' }]);
    assert.match((await client.version()).version, /embedded/);
  });

  it('cat of a file kept as its leaves (as the gateway stores uploads) is sent from that file, whole and in ranges', async () => {
    const { create } = await import('kubo-rpc-client');
    const client = create({ url: ipfs.apiUrl });
    const bytes = randomBytes(5 * CHUNK + 4321);
    const imported = await ipfs.store.importLeavesElsewhere!([bytes]);
    const file = join(dataDir, 'upload');
    writeFileSync(file, bytes);
    await ipfs.store.adoptFile!(imported.cid, file);
    const readsBefore = readCounts.sync + readCounts.async;
    assert.ok(Buffer.from(await collect(client.cat(imported.cid))).equals(bytes));
    assert.ok(readCounts.sync + readCounts.async - readsBefore >= 3, 'read in pieces from the file, not walked block by block');
    for (const [offset, length] of [[CHUNK - 7, 2 * CHUNK + 14], [0, 1], [bytes.length - 5, 100], [3 * CHUNK, CHUNK]]) {
      const range = Buffer.from(await collect(client.cat(imported.cid, { offset, length })));
      assert.ok(range.equals(bytes.subarray(offset, offset + length)), `bytes ${offset}+${length}`);
    }
  });

  it('adds several files of one form and names each', async () => {
    const form = multipart([{ name: 'a.txt', bytes: Buffer.from('aaa') }, { name: 'b.txt', bytes: Buffer.from('bbb') }]);
    const res = await post('add?cid-version=1', { body: form.body, headers: { 'content-type': form.type } });
    assert.equal(res.status, 200);
    const lines = (await res.text()).trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((line) => [line.Name, line.Size]), [['a.txt', '3'], ['b.txt', '3']]);
    assert.match(lines[0].Hash, /^bafkrei/);
  });

  it('errors are Kubo JSON: 500 with Code 0 for failures, 400 with Code 1 for bad input', async () => {
    const missing = await post(`cat?arg=${ABSENT_CID}`);
    assert.equal(missing.status, 500);
    assert.match(missing.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await missing.json(), { Message: `block was not found locally (offline): ipld: could not find ${ABSENT_CID}`, Code: 0, Type: 'error' });

    const noArg = await post('cat');
    assert.equal(noArg.status, 400);
    assert.deepEqual(await noArg.json(), { Message: 'argument "ipfs-path" is required', Code: 1, Type: 'error' });

    const bad = await post('cat?arg=not-a-cid');
    assert.equal(bad.status, 500);
    assert.match(((await bad.json()) as KuboJson).Message ?? '', /not a usable blob CID/);

    const badInt = await post(`cat?arg=${ABSENT_CID}&offset=x`);
    assert.equal(badInt.status, 400);
  });

  it('says when a range starts past the end, as Kubo does', async () => {
    const form = multipart([{ name: 'f', bytes: Buffer.from('0123456789') }]);
    const { Hash } = (await (await post('add?cid-version=1', { body: form.body, headers: { 'content-type': form.type } })).json()) as KuboJson;
    const res = await post(`cat?arg=/ipfs/${Hash}&offset=11`);
    assert.equal(res.status, 500);
    assert.equal(((await res.json()) as KuboJson).Message, 'offset was past the end of file (11 > 10)');
    assert.equal(await (await post(`cat?arg=${Hash}&offset=10`)).text(), '');
    assert.equal(await (await post(`cat?arg=${Hash}&offset=8&length=50`)).text(), '89');
  });

  it('refuses import options that would give CIDs Kubo would not, and says what to pass', async () => {
    const form = multipart([{ name: 'f', bytes: Buffer.from('x') }]);
    const cases: [string, RegExp][] = [
      ['add', /cid-version=0 \(the default\).*pass cid-version=1/],
      ['add?cid-version=1&raw-leaves=false', /raw-leaves=false/],
      ['add?cid-version=1&chunker=size-1048576', /use chunker=size-262144/],
      ['add?cid-version=1&trickle=true', /trickle/],
      ['add?cid-version=1&wrap-with-directory=true', /wrap-with-directory/],
    ];
    for (const [command, message] of cases) {
      const res = await post(command, { body: form.body, headers: { 'content-type': form.type } });
      assert.equal(res.status, 500, command);
      assert.match(((await res.json()) as KuboJson).Message ?? '', message);
    }
    const notMultipart = await post('add?cid-version=1', { body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(notMultipart.status, 400);
  });

  it('is POST only, 404 for other commands, and refuses cross-origin requests', async () => {
    const get = await fetch(`${ipfs.apiUrl}/api/v0/version`);
    assert.equal(get.status, 405);
    assert.equal((await post('dag/put')).status, 404);
    assert.equal((await fetch(`${ipfs.apiUrl}/`)).status, 404);
    const crossOrigin = await post('version', { headers: { origin: 'https://evil.example' } });
    assert.equal(crossOrigin.status, 403);
  });

  it('a cut-off upload adds and pins nothing, and the server carries on', async () => {
    const { create } = await import('kubo-rpc-client');
    const client = create({ url: ipfs.apiUrl });
    const pinsBefore = (await all(client.pin.ls())).length;
    const url = new URL(ipfs.apiUrl);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        const head = '--cut\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n';
        socket.write(
          `POST /api/v0/add?cid-version=1 HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=cut\r\nContent-Length: ${10_000_000}\r\n\r\n${head}`,
        );
        socket.write(randomBytes(1_000_000), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await all(client.pin.ls())).length, pinsBefore);
    assert.match((await client.version()).version, /embedded/);
  });

  it('names the fix when its port is taken', async () => {
    const port = Number(new URL(ipfs.apiUrl).port);
    const other = mkdtempSync(join(tmpdir(), 'hcr-kubo-api-'));
    try {
      await assert.rejects(startEmbeddedIpfs({ dataDir: other, port }), /port is in use .*set IPFS_API=http:\/\/127\.0\.0\.1:\d+ to use it/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
