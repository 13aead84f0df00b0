// A Kubo RPC API reached through something that answers in its place: a proxy's login or error
// page sent with 200, a server that answers JSON of another shape, or a port that is not the RPC
// API (Kubo's HTTP gateway on 8080 answers every /api/v0/… call with 404 "404 page not found", a
// proxy with its HTML 404 page: neither asked the node, so neither says a blob is missing). Every call must fail as the
// retryable "IPFS unavailable" that names IPFS_API and the fix (the gateway answers 503 with
// Retry-After for it, where a plain store error is a 500 "internal error"), and block/get must
// never hand on such an answer as the block. The node behind the proxy is the embedded store's
// Kubo API; the proxy forwards to it until it is told to answer in its place.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlobStoreUnavailableError, KuboBlobStore } from '../../src/ipfs';
import { type StoreBehindProxy, storeBehindProxy } from './helpers/kubo-proxy';

type Mode = 'forward' | 'html' | 'empty-json' | 'not-found-page' | 'gateway-404' | 'html-404';

const PAGE = '<!DOCTYPE html><html><body><h1>Please sign in</h1></body></html>';
const HTML_404 = '<!DOCTYPE html><html><body><h1>404 Not Found</h1><p>nginx</p></body></html>';

/** Forwards every call, or answers it itself: 200 with a page, a line of text or `{}`, or a 404 page. */
function standIn(mode: () => Mode): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const now = mode();
    if (now === 'forward') return false;
    req.resume();
    req.on('end', () => {
      if (now === 'html') res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE);
      else if (now === 'not-found-page') res.writeHead(200, { 'Content-Type': 'text/plain' }).end('page not found');
      // What Kubo's HTTP gateway (Go's http.NotFound) sends for a path it does not serve.
      else if (now === 'gateway-404') res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      else if (now === 'html-404') res.writeHead(404, { 'Content-Type': 'text/html' }).end(HTML_404);
      else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    return true;
  };
}

/** The error the gateway turns into 503 with Retry-After, naming the API and pointing at IPFS_API. */
function notKubo(error: unknown): boolean {
  return error instanceof BlobStoreUnavailableError && /not a Kubo RPC answer|not that block/.test(error.message) && /IPFS_API/.test(error.message);
}

describe('Kubo store behind something that answers in the node\'s place', () => {
  let kubo: StoreBehindProxy;
  let store: KuboBlobStore;
  let mode: Mode = 'forward';
  let cid: string;
  const bytes = Buffer.from('the bytes of a stored layer');

  before(async () => {
    kubo = await storeBehindProxy(bytes, standIn(() => mode));
    ({ store, cid } = kubo);
  });
  after(() => kubo?.close());

  it('an HTML page sent with 200 fails lookups, reads, uploads, pins and the version check as retryable, naming IPFS_API', async () => {
    mode = 'html';
    try {
      await assert.rejects(store.has(cid), notKubo, 'has');
      await assert.rejects(store.stat(cid), notKubo, 'stat');
      await assert.rejects(store.get(cid), notKubo, 'get');
      await assert.rejects(store.isPinned(cid), notKubo, 'isPinned');
      await assert.rejects(store.put([Buffer.from('a new layer')]), notKubo, 'put');
      await assert.rejects(store.ping(), notKubo, 'ping');
    } finally {
      mode = 'forward';
    }
    // The node itself was never at fault: everything answers again once the proxy forwards.
    assert.equal((await store.stat(cid)).size, bytes.length);
  });

  it('block/get answered with a page is refused, never handed on as the block', async () => {
    assert.ok(await store.getBlock(cid));
    mode = 'html';
    try {
      await assert.rejects(store.getBlock(cid), notKubo);
    } finally {
      mode = 'forward';
    }
  });

  it('JSON of another shape (`{}`) fails lookups and uploads as retryable, and does not pass the version check', async () => {
    mode = 'empty-json';
    try {
      await assert.rejects(store.stat(cid), notKubo, 'stat');
      await assert.rejects(store.getBlock(cid), notKubo, 'getBlock');
      await assert.rejects(store.put([Buffer.from('another layer')]), notKubo, 'put');
      // /readyz asks ping(): a server answering `{}` to anything is not a ready IPFS node.
      await assert.rejects(store.ping(), notKubo, 'ping');
    } finally {
      mode = 'forward';
    }
    await store.ping();
  });

  it('a page saying "page not found" is no word on the blob: unavailable, not "IPFS does not have it"', async () => {
    mode = 'not-found-page';
    try {
      // Not found would be a 404 telling the client the content is missing, when the node was never asked.
      await assert.rejects(store.stat(cid), notKubo, 'stat');
      await assert.rejects(store.has(cid), notKubo, 'has');
    } finally {
      mode = 'forward';
    }
  });
  for (const wrong of ['gateway-404', 'html-404'] as const) {
    it(`a ${wrong} answer (IPFS_API not the RPC port) fails lookups, reads, blocks, pins and uploads as unavailable, not as a missing blob`, async () => {
      mode = wrong;
      try {
        const notKubo404 = (error: unknown) => notKubo(error) && /HTTP 404/.test((error as Error).message);
        await assert.rejects(store.stat(cid), notKubo404, 'stat');
        await assert.rejects(store.has(cid), notKubo404, 'has');
        await assert.rejects(store.get(cid), notKubo404, 'get');
        await assert.rejects(store.getBlock(cid), notKubo404, 'getBlock');
        await assert.rejects(store.pin(cid), notKubo404, 'pin');
        await assert.rejects(store.put([Buffer.from('a new layer')]), notKubo404, 'put');
        await assert.rejects(store.ping(), BlobStoreUnavailableError, 'ping');
      } finally {
        mode = 'forward';
      }
      assert.equal((await store.stat(cid)).size, bytes.length);
    });
  }

  it('the node\'s own "not found" (its JSON refusal) is still a missing blob', async () => {
    const other = await KuboBlobStore.open({ url: kubo.ipfs.apiUrl, lookupTimeoutMs: 2_000, offline: true });
    try {
      const { CID } = await import('multiformats/cid');
      const { sha256 } = await import('multiformats/hashes/sha2');
      const RAW = 0x55;
      assert.equal(await other.has(CID.createV1(RAW, await sha256.digest(Buffer.from('never added here'))).toString()), false);
    } finally {
      await other.close();
    }
  });
});
