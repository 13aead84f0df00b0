// The Kubo store through the real kubo-rpc-client, over a socket, against the embedded store's
// Kubo API server: the shared suite, and what happens when no node answers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStoreUnavailableError, KuboBlobStore, startEmbeddedIpfs, type BlobStore, type EmbeddedIpfs } from '../../src/ipfs';
import { blobStoreSuite } from './blob-store-suite';

blobStoreSuite('kubo (over the embedded Kubo API)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hcr-kubo-'));
  let ipfs: EmbeddedIpfs = await startEmbeddedIpfs({ dataDir, port: 0 });
  let store: BlobStore = await KuboBlobStore.open({ url: ipfs.apiUrl });
  return {
    store,
    async reopen() {
      // The node restarts on the same data (on another port) and the client is new too.
      await store.close();
      await ipfs.close();
      ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
      store = await KuboBlobStore.open({ url: ipfs.apiUrl });
      return store;
    },
    async cleanup() {
      await store.close();
      await ipfs.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Kubo store when the node is unreachable', () => {
  const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

  it('every call fails fast with BlobStoreUnavailableError that names the API and the fix', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const store = await KuboBlobStore.open({ url });
    const unavailable = (error: Error) =>
      error instanceof BlobStoreUnavailableError &&
      error.retryable &&
      error.message.includes(url) &&
      /unreachable \(ECONNREFUSED\)/.test(error.message) &&
      /unset IPFS_API to use the embedded store/.test(error.message);
    const started = Date.now();
    await assert.rejects(store.put([Buffer.from('hello')]), unavailable);
    await assert.rejects(store.get(CID), unavailable);
    await assert.rejects(store.get(CID, { offset: 1, length: 0 }), unavailable);
    await assert.rejects(store.has(CID), unavailable);
    await assert.rejects(store.pin(CID), unavailable);
    await assert.rejects(store.stat(CID), unavailable);
    await assert.rejects(store.ping(), unavailable);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  it('a node that accepts connections but never answers is reported unreachable once lookups time out', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const store = await KuboBlobStore.open({ url: `http://127.0.0.1:${port}`, lookupTimeoutMs: 200 });
      await assert.rejects(store.has(CID), (e: Error) => e instanceof BlobStoreUnavailableError && /no answer in time/.test(e.message));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses an IPFS_API that is not an address, saying what is expected', async () => {
    await assert.rejects(KuboBlobStore.open({ url: 'kubo:5001' }), /expected a URL like http:\/\/127\.0\.0\.1:5001/);
  });
});

/**
 * A node that knows one 1000-byte file and answers `cat` as told: whole, with Kubo's
 * X-Stream-Error trailer after some bytes, short of the length, or cut off mid-way.
 */
async function catServer(answer: 'whole' | 'stream-error' | 'short' | 'cut'): Promise<{ url: string; close: () => Promise<void> }> {
  const { createServer: createHttpServer } = await import('node:http');
  const bytes = Buffer.alloc(1000, 7);
  const server = createHttpServer((req, res) => {
    const command = new URL(req.url ?? '/', 'http://x').pathname;
    if (command === '/api/v0/files/stat') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ Hash: FILE_CID, Size: bytes.length, CumulativeSize: bytes.length + 100, Blocks: 4, Type: 'file' }));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Stream-Output': '1', Trailer: 'X-Stream-Error' });
    if (answer === 'whole') return res.end(bytes);
    res.write(bytes.subarray(0, 400));
    if (answer === 'stream-error') {
      res.addTrailers({ 'X-Stream-Error': 'merkledag: not found' });
      res.end();
    } else if (answer === 'short') {
      res.end();
    } else {
      setTimeout(() => res.socket?.destroy(), 20);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const FILE_CID = 'bafybeibrqvtv3a34i336jls3o4b56f5jubrfrrbqew3vgqskq6o4cs4vz4';

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let size = 0;
  for await (const chunk of stream) size += chunk.byteLength;
  return size;
}

describe('Kubo store reading a file that fails part-way', () => {
  it('streams a whole answer, and fails the stream (never ends it short) on an X-Stream-Error trailer, a short answer or a cut connection', async () => {
    for (const [answer, expected] of [
      ['whole', undefined],
      ['stream-error', /not found/],
      ['short', /ended after 400 of 1000 bytes/],
      ['cut', /unreachable|aborted|ECONNRESET|terminated/i],
    ] as const) {
      const node = await catServer(answer);
      try {
        const store = await KuboBlobStore.open({ url: node.url });
        const reading = drain(await store.get(FILE_CID));
        if (expected === undefined) assert.equal(await reading, 1000);
        else await assert.rejects(reading, (error: Error) => expected.test(error.message), `${answer}: expected ${expected}`);
      } finally {
        await node.close();
      }
    }
  });
});
