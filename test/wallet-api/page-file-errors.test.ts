// What a stranger learns from requests the page's files or the API cannot answer: an asset that
// is not there, a path whose %-escapes are not UTF-8, a POST to an asset. The static server's
// errors name the file they looked for, so passed on they told anyone where the server is
// installed (the gateway's error handler quotes a 4xx's message) or, in the server the wallet API
// starts on its own, showed the stack; and a path parameter Express could not decode was a 500
// "the wallet API failed", with its stack written to the log on every such request.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signerFromUri } from '../../src/chain';
import { startGateway } from '../../src/gateway';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { WEB_OUT_DIR } from '../../src/wallet-api/web-build';
import { startTestChain, type TestChain } from '../helpers/devnet';

interface Answer {
  status: number;
  text: string;
}

/** One request with the path exactly as given (fetch would normalise a malformed escape). */
function raw(base: string, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What must never reach a client: a file system path, an errno, a stack frame. */
function assertNothingInternal(answer: Answer, root: string, what: string): void {
  assert.ok(!answer.text.includes(root), `${what} names the page's directory: ${answer.text}`);
  assert.doesNotMatch(answer.text, /ENOENT|ENOTDIR|node_modules|\bat [\w.<>]+ \(|&nbsp;at /, `${what}: ${answer.text}`);
}

const PAGE_FILE_REQUESTS = [
  { path: '/assets/index-missing.js', method: 'GET', status: 404 },
  { path: '/assets/%E0%A4%A.js', method: 'GET', status: 400 },
  { path: '/assets/index-missing.js', method: 'POST', status: 405 },
] as const;

let chain: TestChain;
before(async () => {
  chain = await startTestChain();
});
after(async () => {
  await chain?.close();
});

describe('requests the page\'s files cannot answer', () => {
  test('in the server the wallet API starts on its own: a status and a line, no path or stack', { timeout: 240_000 }, async () => {
    const server = await startWalletApiServer({ api: chain.api, port: 0, log: () => undefined });
    try {
      for (const { path, method, status } of PAGE_FILE_REQUESTS) {
        const answer = await raw(server.url, path, method);
        assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
        assertNothingInternal(answer, WEB_OUT_DIR, `${method} ${path}`);
      }
      assert.equal((await raw(server.url, '/')).status, 200);
    } finally {
      await server.close();
    }
  });

  test('in a gateway: a status and a line, no path', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcr-page-errors-'));
    const webRoot = join(dataDir, 'web');
    mkdirSync(join(webRoot, 'assets'), { recursive: true });
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(webRoot, 'assets', 'index-present.js'), '');
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    const gateway = await startGateway({ api: chain.api, blobStore: store, dataDir, gatewaySigner: await signerFromUri('//Gateway'), port: 0, webRoot, log: () => undefined });
    try {
      for (const { path, method, status } of PAGE_FILE_REQUESTS) {
        const answer = await raw(gateway.url, path, method);
        assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
        assertNothingInternal(answer, dataDir, `${method} ${path}`);
      }
      assert.equal((await raw(gateway.url, '/assets/index-present.js')).status, 200);
      // Paths that are not the page's still reach the registry's own routes (which ask for a login).
      assert.equal((await raw(gateway.url, '/v2/')).status, 401);
    } finally {
      await gateway.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('a wallet API path that does not decode', () => {
  let server: WalletApiServer;
  const logged: string[] = [];
  before(async () => {
    server = await startWalletApiServer({ api: chain.api, port: 0, page: false, log: (line) => logged.push(line) });
  });
  after(async () => {
    await server?.close();
  });

  test('is the client\'s error (400, saying how to escape it), not an internal one written to the log', async () => {
    for (const path of ['/api/accounts/%E0%A4%A', '/api/spaces/%FF/name', '/api/extrinsics/%C0%AF']) {
      const answer = await raw(server.url, path);
      assert.equal(answer.status, 400, `${path}: ${answer.text}`);
      const error = JSON.parse(answer.text).error;
      assert.equal(error.code, 'INVALID_FIELD');
      assert.match(error.message, /does not decode .*percent-encode each path segment as UTF-8/);
    }
    assert.deepEqual(logged, []);
  });
});
