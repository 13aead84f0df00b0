// The wallet API as an attacker uses it, over real sockets against the dev chain (sealing blocks
// only when asked, so submitted transactions stay pending as long as a test needs): signatures
// made for something else or somewhere else never become a docker password, the domain is never
// taken from request headers, only the four calls are relayed, progress streams and followed
// transactions are bounded per client and in total and let go when clients leave, the GraphQL
// proxy forwards nothing but the query to nowhere but the index, and another website cannot use
// the API through a visitor's browser.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON } from '@polkadot/types/types';
import { stringToHex, stringToU8a, u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { signerFromUri } from '../../src/chain';
import { startGateway } from '../../src/gateway';
import { loginMessage, newLoginClaims } from '../../src/gateway/auth/login-token';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { postJson, requestJson } from './helpers/http';
import { signedExtrinsic, signPayload } from './helpers/signing';

let chain: TestChain;
let server: WalletApiServer;
let api: string;
let keys: Record<'alice' | 'bob' | 'charlie' | 'dave' | 'eve' | 'ferdie' | 'gateway', KeyringPair>;

before(async () => {
  chain = await startTestChain({ manualSeal: true });
  const names = ['alice', 'bob', 'charlie', 'dave', 'eve', 'ferdie', 'gateway'] as const;
  const pairs = await Promise.all(names.map((name) => signerFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`)));
  keys = Object.fromEntries(names.map((name, i) => [name, pairs[i]])) as typeof keys;
  server = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: keys.gateway.address, txTimeoutMs: 120_000, log: () => undefined });
  api = `${server.url}/api`;
});

after(async () => {
  await server?.close();
  await chain?.close();
});

interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One request with exactly these headers (fetch would not send Host as given), from `localAddress` when set. */
function raw(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: init.headers, localAddress: init.localAddress, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function build(base: string, action: string, body: Record<string, unknown>): Promise<{ payload: SignerPayloadJSON }> {
  const answer = await postJson(`${base}/calls/${action}`, body);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

async function buildAndSign(base: string, action: string, pair: KeyringPair, args: Record<string, unknown> = {}): Promise<string> {
  return signedExtrinsic(chain.api, pair, (await build(base, action, { signer: pair.address, ...args })).payload);
}

describe('docker login', () => {
  const signRaw = (pair: KeyringPair, message: string) => u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(message))));

  test('the domain is where the server listens, whatever Host a request sends', async () => {
    const own = new URL(server.url).host;
    const asked = await raw(`${api}/login/message`, { headers: { host: 'registry.attacker.example', 'x-forwarded-host': 'registry.attacker.example', 'content-type': 'application/json' }, body: JSON.stringify({ address: keys.bob.address }) });
    assert.equal(asked.status, 200, asked.text);
    assert.equal(asked.json.domain, own);
    assert.ok(asked.json.message.startsWith(`${own} wants you to sign in`));
    const config = await raw(`${api}/config`, { headers: { host: 'registry.attacker.example' } });
    assert.equal(config.json.registry, own);

    // Bob signed in to another registry: sending its Host along does not make it a login here.
    const claims = newLoginClaims(keys.bob.address, 'registry.attacker.example');
    const message = loginMessage(claims);
    const refused = await raw(`${api}/login/token`, { headers: { host: 'registry.attacker.example', 'content-type': 'application/json' }, body: JSON.stringify({ message, signature: signRaw(keys.bob, message) }) });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.error.field, 'message');
    assert.match(refused.json.error.message, /is for registry\.attacker\.example, not this gateway/);
    assert.doesNotMatch(refused.text, /hcr1\./);
  });

  test('a gateway names its token service, not Host or X-Forwarded-Host (even from a trusted proxy)', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcr-wallet-attacks-'));
    // The API is mounted beside a page; an empty one does (no build needed).
    const webRoot = join(dataDir, 'web');
    mkdirSync(webRoot);
    writeFileSync(join(webRoot, 'index.html'), '');
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    const gateway = await startGateway({ api: chain.api, blobStore: store, dataDir, gatewaySigner: keys.gateway, port: 0, webRoot, auth: { enabled: true, service: 'registry.example.com' }, trustProxy: true, log: () => undefined });
    try {
      const headers = { host: 'registry.attacker.example', 'x-forwarded-host': 'registry.attacker.example', 'x-forwarded-proto': 'https', 'content-type': 'application/json' };
      const asked = await raw(`${gateway.url}/api/login/message`, { headers, body: JSON.stringify({ address: keys.bob.address }) });
      assert.equal(asked.status, 200, asked.text);
      assert.equal(asked.json.domain, 'registry.example.com');
      const message = loginMessage(newLoginClaims(keys.bob.address, 'registry.attacker.example'));
      const refused = await raw(`${gateway.url}/api/login/token`, { headers, body: JSON.stringify({ message, signature: signRaw(keys.bob, message) }) });
      assert.equal(refused.status, 400, refused.text);
      assert.match(refused.json.error.message, /not this gateway \(registry\.example\.com\)/);
    } finally {
      await gateway.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('an expired sign-in, another account\'s signature or a signed transaction payload is no docker password', async () => {
    const domain = new URL(server.url).host;
    const expired = loginMessage(newLoginClaims(keys.bob.address, domain, { now: new Date(Date.now() - 2 * 3600_000), ttlSeconds: 3600 }));
    const fresh = (await postJson(`${api}/login/message`, { address: keys.bob.address })).body.message as string;
    // The sign-in text as the call of a transaction payload the wallet signs with signPayload:
    // a payload carrying a whole sign-in message is over 256 bytes, so the wallet signs its hash.
    const { payload } = await build(api, 'grant-gateway', { signer: keys.bob.address });
    const asPayload = signPayload(chain.api, keys.bob, { ...payload, method: stringToHex(fresh) });
    const cases: [string, string, string, string, RegExp][] = [
      ['expired', expired, signRaw(keys.bob, expired), 'message', /expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z: get a fresh message from POST \/api\/login\/message/],
      ['signed by Alice', fresh, signRaw(keys.alice, fresh), 'signature', /signature is not 5FHneW46.*: sign the message/],
      ['a signed payload', fresh, asPayload, 'signature', /signature is not/],
      ['the payload signature without its type byte', fresh, `0x${asPayload.slice(4)}`, 'signature', /signature is not/],
    ];
    for (const [what, message, signature, field, reason] of cases) {
      const answer = await postJson(`${api}/login/token`, { message, signature });
      assert.equal(answer.status, 400, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.field, field, what);
      assert.match(answer.body.error.message, reason, what);
      assert.doesNotMatch(JSON.stringify(answer.body), /hcr1\.|\bat .*\.ts:\d+/, what);
    }
  });
});

describe('submissions', () => {
  test('only the four calls, signed for this chain, as MultiAddress::Id of this gateway', { timeout: 60_000 }, async () => {
    const tx = chain.api.tx;
    const createSpace = tx.containerRegistry.createSpace('wrapped');
    const wrapped: [string, () => Promise<string>][] = [];
    if (tx.utility?.batch) wrapped.push(['utility.batch', async () => (await tx.utility.batch([createSpace]).signAsync(keys.dave)).toHex()]);
    if (tx.utility?.batchAll) wrapped.push(['utility.batchAll', async () => (await tx.utility.batchAll([createSpace]).signAsync(keys.dave)).toHex()]);
    if (tx.utility?.asDerivative) wrapped.push(['utility.asDerivative', async () => (await tx.utility.asDerivative(0, createSpace).signAsync(keys.dave)).toHex()]);
    if (tx.proxy?.proxy) wrapped.push(['proxy.proxy', async () => (await tx.proxy.proxy(keys.alice.address, null, createSpace).signAsync(keys.dave)).toHex()]);
    if (tx.sudo?.sudo) wrapped.push(['sudo.sudo', async () => (await tx.sudo.sudo(createSpace).signAsync(keys.dave)).toHex()]);
    if (tx.multisig?.asMultiThreshold1) wrapped.push(['multisig.asMultiThreshold1', async () => (await tx.multisig.asMultiThreshold1([keys.alice.address], createSpace).signAsync(keys.dave)).toHex()]);
    assert.ok(wrapped.length > 0, 'the dev runtime has no wrapping call to try');
    for (const [name, sign] of wrapped) {
      const answer = await postJson(`${api}/extrinsics`, { extrinsic: await sign() });
      assert.equal(answer.status, 422, `${name}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'CALL_NOT_ALLOWED', name);
      assert.match(answer.body.error.message, new RegExp(`calls ${name.replace('.', '\\.')}, which this API does not submit`), name);
    }

    // The gateway's own key as Raw or Address32 bytes is not the grant POST /calls builds.
    const gatewayKey = u8aToHex(keys.gateway.publicKey);
    for (const delegate of [{ Raw: gatewayKey }, { Address32: gatewayKey }]) {
      const signed = (await tx.proxy.addProxy(delegate as never, 'NonTransfer', 0).signAsync(keys.dave)).toHex();
      const answer = await postJson(`${api}/extrinsics`, { extrinsic: signed });
      assert.equal(answer.status, 422, `${Object.keys(delegate)[0]}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'CALL_NOT_ALLOWED');
      assert.match(answer.body.error.message, /is not given as an account id \(MultiAddress::Id\)/);
    }

    // Signed for another chain (another genesis): the signature is not over this chain's payload.
    const { payload } = await build(api, 'grant-gateway', { signer: keys.dave.address });
    const foreign: SignerPayloadJSON = { ...payload, genesisHash: `0x${'22'.repeat(32)}` };
    const extrinsic = chain.api.registry.createType('Extrinsic', { method: payload.method }, { version: payload.version });
    extrinsic.addSignature(payload.address, signPayload(chain.api, keys.dave, foreign), foreign);
    const otherChain = await postJson(`${api}/extrinsics`, { extrinsic: extrinsic.toHex() });
    assert.equal(otherChain.status, 400, JSON.stringify(otherChain.body));
    assert.equal(otherChain.body.error.code, 'BAD_SIGNATURE');
    assert.equal((await chain.api.rpc.author.pendingExtrinsics()).length, 0);
  });

  test('oversized or compressed bodies are refused as the client\'s to fix, never as internal errors', async () => {
    const tooBig = await requestJson(`${api}/extrinsics`, { rawBody: JSON.stringify({ extrinsic: `0x${'00'.repeat(200_000)}` }) });
    assert.equal(tooBig.status, 413);
    assert.equal(tooBig.body.error.code, 'INVALID_BODY');
    const longExtrinsic = await postJson(`${api}/extrinsics`, { extrinsic: `0x${'00'.repeat(70_000)}` });
    assert.equal(longExtrinsic.status, 400);
    assert.match(longExtrinsic.body.error.message, /larger than 65536 bytes/);
    for (const encoding of ['br', 'x-made-up']) {
      const answer = await raw(`${api}/login/message`, { headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body: '{}' });
      assert.equal(answer.status, 415, `${encoding}: ${answer.text}`);
      assert.equal(answer.json.error.code, 'INVALID_BODY');
      assert.match(answer.json.error.message, /unsupported content encoding .*: send an uncompressed UTF-8 JSON object/);
    }
  });
});

describe('what one client holds open at once', () => {
  let limited: WalletApiServer;
  let base: string;
  const hashes: Record<string, string> = {};

  before(async () => {
    limited = await startWalletApiServer({
      api: chain.api,
      port: 0,
      page: false,
      gatewayAddress: keys.gateway.address,
      txTimeoutMs: 120_000,
      log: () => undefined,
      concurrency: { pendingPerSigner: 1, pending: 2, streamsPerIp: 2, streams: 3 },
    });
    base = `${limited.url}/api`;
  });
  after(() => limited?.close());

  async function submit(pair: KeyringPair) {
    return postJson(`${base}/extrinsics`, { extrinsic: await buildAndSign(base, 'grant-gateway', pair) });
  }

  test('transactions followed: a few per signer and a bound for everyone, freed once they end', { timeout: 90_000 }, async () => {
    const first = await submit(keys.eve);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    hashes.eve = first.body.hash;
    // Eve's next nonce counts her pooled transaction, so this one is valid: only the bound refuses it.
    const next = (await chain.api.tx.proxy.removeProxy(keys.gateway.address, 'NonTransfer', 0).signAsync(keys.eve, { nonce: 1 })).toHex();
    const second = await postJson(`${base}/extrinsics`, { extrinsic: next });
    assert.equal(second.status, 429, JSON.stringify(second.body));
    assert.equal(second.body.error.code, 'RATE_LIMITED');
    assert.match(second.body.error.message, new RegExp(`${keys.eve.address} already has 1 transactions in progress through this gateway, the most allowed: wait until one is finalized or failed`));

    const ferdie = await submit(keys.ferdie);
    assert.equal(ferdie.status, 202, JSON.stringify(ferdie.body));
    hashes.ferdie = ferdie.body.hash;
    const charlie = await submit(keys.charlie);
    assert.equal(charlie.status, 429, JSON.stringify(charlie.body));
    assert.match(charlie.body.error.message, /this gateway is following 2 transactions, the most it allows at once/);
    // Refused before the node: only Eve's and Ferdie's are pooled.
    const pooled = (await chain.api.rpc.author.pendingExtrinsics()).map((x) => x.signer.toString());
    assert.deepEqual(pooled.sort(), [keys.eve.address, keys.ferdie.address].sort());
  });

  /** Opens a progress stream and resolves once its first event arrived (or with the refusal). */
  function openStream(hash: string, localAddress: string): Promise<{ status: number; body: string; close(): void; closed: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}/extrinsics/${hash}/events`, { localAddress, headers: { accept: 'text/event-stream' } }, (res) => {
        let body = '';
        const closed = new Promise<void>((done) => res.on('close', () => done()));
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
          if (res.statusCode === 200 && body.includes('\n\n')) resolve({ status: 200, body, close: () => req.destroy(), closed });
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, close: () => req.destroy(), closed }));
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
      req.end();
    });
  }

  test('progress streams: a few per address and a bound for everyone, freed when the client goes', { timeout: 60_000 }, async () => {
    const [a, b] = [await openStream(hashes.eve, '127.0.0.1'), await openStream(hashes.ferdie, '127.0.0.1')];
    assert.equal(a.status, 200);
    assert.match(a.body, /event: status\n/);
    const third = await openStream(hashes.eve, '127.0.0.1');
    assert.equal(third.status, 429, third.body);
    const refused = JSON.parse(third.body);
    assert.equal(refused.error.code, 'RATE_LIMITED');
    assert.match(refused.error.message, /127\.0\.0\.1 already has 2 progress streams open, the most allowed from one client \(an IPv4 address or an IPv6 \/64\): close one .*or poll \/api\/extrinsics\/0x/);

    const other = await openStream(hashes.eve, '127.0.0.2');
    assert.equal(other.status, 200, other.body);
    const full = await openStream(hashes.eve, '127.0.0.3');
    assert.equal(full.status, 429, full.body);
    assert.match(JSON.parse(full.body).error.message, /this gateway has 3 progress streams open, the most it allows: poll/);
    // Polling still answers.
    assert.equal((await requestJson(`${base}/extrinsics/${hashes.eve}`)).body.status, 'ready');

    // Clients that go away give their streams back.
    a.close();
    b.close();
    other.close();
    await Promise.all([a.closed, b.closed, other.closed]);
    let again = await openStream(hashes.eve, '127.0.0.3');
    for (let i = 0; again.status !== 200 && i < 20; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      again = await openStream(hashes.eve, '127.0.0.3');
    }
    assert.equal(again.status, 200, again.body);
    again.close();
  });

  test('finalized transactions give their place back', { timeout: 90_000 }, async () => {
    chain.devnet.chain.produceBlock();
    chain.devnet.chain.produceBlock();
    for (const who of ['eve', 'ferdie']) {
      let status = '';
      for (let i = 0; i < 100 && status !== 'finalized' && status !== 'failed'; i++) {
        status = (await requestJson(`${base}/extrinsics/${hashes[who]}`)).body.status;
        if (status !== 'finalized') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 'finalized', who);
    }
    const charlie = await submit(keys.charlie);
    assert.equal(charlie.status, 202, JSON.stringify(charlie.body));
    chain.devnet.chain.produceBlock();
    chain.devnet.chain.produceBlock();
  });
});

describe('the GraphQL proxy', () => {
  let upstream: Server;
  let elsewhere: Server;
  let proxied: WalletApiServer;
  let seen: { method?: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let elsewhereHits = 0;
  let answer: (res: import('node:http').ServerResponse) => void = () => undefined;

  const listen = async (s: Server) => {
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  };

  before(async () => {
    upstream = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        answer(res);
      });
    });
    elsewhere = createServer((_req, res) => {
      elsewhereHits++;
      res.setHeader('content-type', 'application/json');
      res.end('{"data":{"secret":"from a service the proxy must not reach"}}');
    });
    const upstreamUrl = await listen(upstream);
    const elsewhereUrl = await listen(elsewhere);
    (elsewhere as Server & { url?: string }).url = elsewhereUrl;
    proxied = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: keys.gateway.address, graphqlUrl: `${upstreamUrl}/graphql`, log: () => undefined });
  });
  after(async () => {
    await proxied?.close();
    upstream?.closeAllConnections();
    elsewhere?.closeAllConnections();
    await Promise.all([new Promise((resolve) => upstream?.close(resolve)), new Promise((resolve) => elsewhere?.close(resolve))]);
  });

  test('only the query goes on: no cookies, credentials or other headers; none come back', async () => {
    seen = [];
    answer = (res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('set-cookie', 'session=upstream');
      res.setHeader('access-control-allow-origin', '*');
      res.end('{"data":{"spaces":[]}}');
    };
    const sent = await raw(`${proxied.url}/api/graphql`, {
      headers: { 'content-type': 'application/json', cookie: 'session=visitor', authorization: 'Basic c2VjcmV0', 'x-forwarded-for': '10.0.0.1', 'proxy-authorization': 'Basic eA==', connection: 'keep-alive, x-hop', 'x-hop': '1' },
      body: JSON.stringify({ query: '{ spaces { id } }', variables: { a: 1 } }),
    });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.json, { data: { spaces: [] } });
    assert.equal(sent.headers['set-cookie'], undefined);
    assert.equal(sent.headers['access-control-allow-origin'], undefined);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, 'POST');
    for (const header of ['cookie', 'authorization', 'x-forwarded-for', 'proxy-authorization', 'x-hop']) assert.equal(seen[0].headers[header], undefined, header);
    assert.deepEqual(JSON.parse(seen[0].body), { query: '{ spaces { id } }', variables: { a: 1 } });

    // Other methods, extra fields, batches and big bodies never reach the index.
    seen = [];
    assert.equal((await raw(`${proxied.url}/api/graphql?query={spaces{id}}`)).status, 404);
    assert.equal((await postJson(`${proxied.url}/api/graphql`, { query: '{ spaces { id } }', extensions: {} })).status, 400);
    assert.equal((await requestJson(`${proxied.url}/api/graphql`, { rawBody: JSON.stringify([{ query: '{ a }' }, { query: '{ b }' }]) })).status, 400);
    assert.equal((await requestJson(`${proxied.url}/api/graphql`, { rawBody: JSON.stringify({ query: `{ ${'a '.repeat(200_000)}}` }) })).status, 413);
    assert.equal(seen.length, 0);
  });

  test('a redirect from the index is not followed', async () => {
    answer = (res) => {
      res.writeHead(307, { location: `${(elsewhere as Server & { url?: string }).url}/internal` });
      res.end();
    };
    const sent = await postJson(`${proxied.url}/api/graphql`, { query: '{ spaces { id } }' });
    assert.equal(sent.status, 503, JSON.stringify(sent.body));
    assert.equal(sent.body.error.code, 'INDEX_UNAVAILABLE');
    assert.match(sent.body.error.message, /answered with a redirect \(HTTP 307\), which is not followed/);
    assert.equal(elsewhereHits, 0);
  });

  test('an answer that is not JSON, or too large, is not passed on', { timeout: 60_000 }, async () => {
    answer = (res) => {
      res.setHeader('content-type', 'text/html');
      res.end('<script>alert(document.cookie)</script>');
    };
    const html = await postJson(`${proxied.url}/api/graphql`, { query: '{ spaces { id } }' });
    assert.equal(html.status, 503, JSON.stringify(html.body));
    assert.match(html.body.error.message, /answered HTTP 200 with text\/html, not JSON/);

    // 17 MiB without a length: cut off as it passes 16 MiB.
    answer = (res) => {
      res.setHeader('content-type', 'application/json');
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 17) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end('{}');
      };
      res.on('error', () => undefined);
      more();
    };
    const huge = await postJson(`${proxied.url}/api/graphql`, { query: '{ spaces { id } }' });
    assert.equal(huge.status, 502, JSON.stringify(huge.body).slice(0, 200));
    assert.match(huge.body.error.message, /larger than 16 MiB: ask for fewer rows/);
  });
});

describe('other websites', () => {
  test('cannot post to the API from a visitor\'s browser, nor read its answers', async () => {
    // A cross-site form or no-cors fetch can send only text/plain, form or multipart bodies.
    for (const [path, body] of [
      ['/extrinsics', '{"extrinsic":"0x00"}'],
      ['/login/token', '{"message":"x","signature":"0x00"}'],
      ['/calls/create-space', 'signer=5Grwva&name=acme'],
    ]) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
        const answer = await raw(`${api}${path}`, { headers: { 'content-type': type, origin: 'https://attacker.example' }, body });
        assert.equal(answer.status, 415, `${path} ${type}: ${answer.text}`);
        assert.equal(answer.headers['access-control-allow-origin'], undefined);
      }
    }
    // A JSON post needs a preflight, which grants nothing.
    const preflight = await raw(`${api}/extrinsics`, { method: 'OPTIONS', headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    assert.equal(preflight.headers['access-control-allow-origin'], undefined);
    assert.equal(preflight.headers['access-control-allow-methods'], undefined);
    const read = await raw(`${api}/config`, { headers: { origin: 'https://attacker.example' } });
    assert.equal(read.status, 200);
    assert.equal(read.headers['access-control-allow-origin'], undefined);
  });
});
