// The wallet API over real HTTP against the dev chain: build → sign with a keyring → submit →
// follow to finalized (SSE and polling), and every kind of bad submission refused with a 4xx
// that names the field and the fix, with nothing reaching the chain.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KeyringPair } from '@polkadot/keyring/types';
import { signerFromUri } from '../../src/chain';
import { verifyLoginToken } from '../../src/gateway/auth/login-token';
import { startWalletApiServer, type WalletApiServer } from '../../src/wallet-api';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { postJson, readStatusEvents, requestJson } from './helpers/http';
import { signedExtrinsic, signPayload } from './helpers/signing';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex, u8aWrapBytes } from '@polkadot/util';

let chain: TestChain;
let server: WalletApiServer;
let api: string;
let alice: KeyringPair;
let bob: KeyringPair;
let gateway: KeyringPair;

before(async () => {
  chain = await startTestChain();
  [alice, bob, gateway] = await Promise.all([signerFromUri('//Alice'), signerFromUri('//Bob'), signerFromUri('//Gateway')]);
  server = await startWalletApiServer({ api: chain.api, port: 0, page: false, gatewayAddress: gateway.address, txTimeoutMs: 60_000 });
  api = `${server.url}/api`;
});

after(async () => {
  await server?.close();
  await chain?.close();
});

async function build(action: string, body: Record<string, unknown>) {
  const answer = await postJson(`${api}/calls/${action}`, body);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body;
}

/** Builds, signs with `pair`, submits the signed extrinsic and reads the status stream to its end. */
async function run(action: string, pair: KeyringPair, args: Record<string, unknown> = {}) {
  const call = await build(action, { signer: pair.address, ...args });
  const submitted = await postJson(`${api}/extrinsics`, { extrinsic: signedExtrinsic(chain.api, pair, call.payload) });
  assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
  const { events } = await readStatusEvents(`${server.url}${submitted.body.links.events}`);
  return { call, submitted: submitted.body, events, last: events.at(-1) };
}

/** Polls the status endpoint until the transaction is finalized or failed. */
async function waitForFinal(url: string) {
  for (let i = 0; i < 120; i++) {
    const { body } = await requestJson(url);
    if (body.status === 'finalized' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not reach finalized or failed`);
}

describe('building calls', () => {
  test('the OpenAPI document describes every route', async () => {
    const { status, body } = await requestJson(`${api}/openapi.json`);
    assert.equal(status, 200);
    assert.equal(body.openapi, '3.0.3');
    assert.deepEqual(Object.keys(body.paths).sort(), ['/accounts/{address}', '/calls/{action}', '/config', '/extrinsics', '/extrinsics/{hash}', '/extrinsics/{hash}/events', '/graphql', '/login/message', '/login/token', '/spaces/{id}/name']);
    assert.equal(body.servers[0].url, '/api');
  });

  test('a call comes with its data, its human form and a SignerPayloadJSON for the signer', async () => {
    const call = await build('create-space', { signer: alice.address, name: 'acme' });
    assert.equal(call.callData, chain.api.tx.containerRegistry.createSpace('acme').method.toHex());
    assert.deepEqual(call.call, { args: { name: 'acme' }, method: 'createSpace', section: 'containerRegistry' });
    assert.match(call.description, /Create the space "acme"/);
    const { payload } = call;
    assert.equal(payload.address, alice.address);
    assert.equal(payload.method, call.callData);
    assert.equal(payload.genesisHash, chain.api.genesisHash.toHex());
    for (const field of ['blockHash', 'blockNumber', 'era', 'nonce', 'specVersion', 'transactionVersion', 'tip']) assert.match(payload[field], /^0x[0-9a-f]+$/, field);
    assert.equal(payload.version, 4);
    assert.ok(payload.signedExtensions.includes('CheckNonce'));
  });

  test('a script without polkadot.js signs signingBytes and sends the MultiSignature', { timeout: 90_000 }, async () => {
    const call = await build('create-space', { signer: bob.address, name: 'bobs' });
    const signature = u8aToHex(u8aConcat([1], bob.sign(hexToU8a(call.signingBytes))));
    const submitted = await postJson(`${api}/extrinsics`, { payload: call.payload, signature });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    const polled = await waitForFinal(`${server.url}${submitted.body.links.status}`);
    assert.equal(polled.status, 'finalized');
  });

  test('create-space refuses a name another space claimed first, built here or signed elsewhere', async () => {
    const { status, body } = await postJson(`${api}/calls/create-space`, { signer: alice.address, name: 'bobs' });
    assert.equal(status, 409);
    assert.equal(body.error.code, 'NAME_TAKEN');
    assert.equal(body.error.field, 'name');
    assert.match(body.error.message, new RegExp(`the name "bobs" is taken: space \\d+ \\(owner ${bob.address}\\) claimed it first`));
    assert.match(body.error.message, /would be a shadow: pulls of bobs\/… never resolve to its images.*Pick another name\.$/);
    // The same call signed without the API's help is refused before it reaches the node.
    const signed = await chain.api.tx.containerRegistry.createSpace('bobs').signAsync(alice);
    const before = (await chain.api.rpc.system.accountNextIndex(alice.address)).toNumber();
    const submitted = await postJson(`${api}/extrinsics`, { extrinsic: signed.toHex() });
    assert.equal(submitted.status, 409);
    assert.equal(submitted.body.error.code, 'NAME_TAKEN');
    assert.equal((await chain.api.rpc.system.accountNextIndex(alice.address)).toNumber(), before);
  });

  test('each field error names the field and the fix', async () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['create-space', { signer: 5, name: 'acme' }, 'signer', /must be a string, not the number 5: give the SS58 address/],
      ['create-space', { signer: alice.address, name: 42 }, 'name', /name must be a string, not the number 42/],
      ['create-space', { signer: alice.address }, 'name', /name is missing: give the space name/],
      ['create-space', { signer: alice.address, name: 'Not Valid' }, 'name', /use lowercase letters and digits/],
      ['create-space', { signer: alice.address, name: 'acme', nmae: 'x' }, 'nmae', /has no field "nmae": its fields are signer, name/],
      ['add-member', { signer: alice.address, spaceId: [], member: bob.address }, 'spaceId', /spaceId must be a string/],
      ['add-member', { signer: alice.address, spaceId: '1', member: 'bob' }, 'member', /is not an account address: use an SS58 address/],
      ['grant-gateway', { signer: '5Grwva' }, 'signer', /is not an account address/],
    ];
    for (const [action, body, field, message] of cases) {
      const { status, body: answer } = await postJson(`${api}/calls/${action}`, body);
      assert.equal(status, 400, `${action} ${JSON.stringify(body)}`);
      assert.equal(answer.error.field, field);
      assert.match(answer.error.message, message);
    }
    const notJson = await requestJson(`${api}/calls/create-space`, { rawBody: '{"signer":', contentType: 'application/json' });
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error.message, /not valid JSON/);
    const noType = await requestJson(`${api}/calls/create-space`, { rawBody: 'name=acme', contentType: 'application/x-www-form-urlencoded' });
    assert.equal(noType.status, 415);
    const unknown = await postJson(`${api}/calls/delete-space`, { signer: alice.address });
    assert.equal(unknown.status, 404);
    assert.match(unknown.body.error.message, /use one of create-space, add-member, grant-gateway, revoke-gateway/);
  });
});

describe('submitting and following', () => {
  test('create a space: submitted → ready → inBlock → finalized, over SSE and by polling', { timeout: 90_000 }, async () => {
    const { submitted, events, last } = await run('create-space', alice, { name: 'acme' });
    assert.equal(submitted.action, 'create-space');
    assert.equal(submitted.signer, alice.address);
    // The stream starts with the record as it is when the client connects, then every change.
    assert.ok(events.length >= 2, JSON.stringify(events));
    assert.equal(last.status, 'finalized');
    assert.deepEqual(last.history.map((h: { status: string }) => h.status), ['submitted', 'ready', 'inBlock', 'finalized']);
    const polled = await requestJson(`${server.url}${submitted.links.status}`);
    assert.equal(polled.body.status, 'finalized');
    assert.equal(typeof polled.body.blockNumber, 'number');
    const account = await requestJson(`${api}/accounts/${alice.address}`);
    assert.equal(account.body.space.name, 'acme');
  });

  test('add a member from a wallet\'s payload and signature, then grant and revoke the gateway', { timeout: 120_000 }, async () => {
    const { body: account } = await requestJson(`${api}/accounts/${alice.address}`);
    const call = await build('add-member', { signer: alice.address, spaceId: account.space.id, member: bob.address });
    const submitted = await postJson(`${api}/extrinsics`, { payload: call.payload, signature: signPayload(chain.api, alice, call.payload) });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    assert.equal((await readStatusEvents(`${server.url}${submitted.body.links.events}`)).events.at(-1).status, 'finalized');
    assert.deepEqual((await requestJson(`${api}/accounts/${alice.address}`)).body.space.members, [alice.address, bob.address]);

    assert.equal((await run('grant-gateway', alice)).last.status, 'finalized');
    assert.equal((await requestJson(`${api}/accounts/${alice.address}`)).body.gatewayGrant, true);
    assert.equal((await run('revoke-gateway', alice)).last.status, 'finalized');
    assert.equal((await requestJson(`${api}/accounts/${alice.address}`)).body.gatewayGrant, false);
  });

  test('a second space for the same owner fails with the error in words', { timeout: 90_000 }, async () => {
    const { last } = await run('create-space', alice, { name: 'another' });
    assert.equal(last.status, 'failed');
    assert.equal(last.error.code, 'ContainerRegistry.UserAlreadyHasSpace');
    assert.match(last.error.message, /^You already own a space/);
    assert.ok(last.blockHash);
  });
});

describe('refused submissions never reach the chain', () => {
  /** The dev chain builds blocks until earlier transactions are final: wait for it to go quiet. */
  async function settledChainState() {
    let last = await chainState();
    for (let i = 0; i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = await chainState();
      if (now.head === last.head) return now;
      last = now;
    }
    throw new Error('the dev chain kept building blocks');
  }

  async function chainState() {
    const [pending, nonce, head] = await Promise.all([chain.api.rpc.author.pendingExtrinsics(), chain.api.rpc.system.accountNextIndex(alice.address), chain.api.rpc.chain.getHeader()]);
    return { pending: pending.length, nonce: nonce.toNumber(), head: head.number.toNumber() };
  }

  test('malformed, unsigned, mis-signed, stale and not-allowed extrinsics get clear 4xx errors', { timeout: 90_000 }, async () => {
    const before = await settledChainState();
    const good = (await build('create-space', { signer: alice.address, name: 'zeta' })).payload;
    const goodHex = signedExtrinsic(chain.api, alice, good);
    const decoded = chain.api.registry.createType('Extrinsic', goodHex);
    const sigHex = (decoded.inner.signature as unknown as { multiSignature: { toHex(): string } }).multiSignature.toHex().slice(4);
    assert.ok(goodHex.includes(sigHex));
    const flipped = sigHex.slice(0, 10) + (sigHex[10] === '0' ? '1' : '0') + sigHex.slice(11);
    const transfer = (await chain.api.tx.balances.transferKeepAlive(bob.address, 1_000_000_000n).signAsync(alice)).toHex();
    const proxyToBob = (await chain.api.tx.proxy.addProxy(bob.address, 'NonTransfer', 0).signAsync(alice)).toHex();
    const anyProxy = (await chain.api.tx.proxy.addProxy(gateway.address, 'Any', 0).signAsync(alice)).toHex();
    const staleNonce = (await chain.api.tx.containerRegistry.createSpace('zeta').signAsync(alice, { nonce: 0 })).toHex();

    const cases: [string, Record<string, unknown>, number, string, string, RegExp][] = [
      ['not hex', { extrinsic: '0xzz' }, 400, 'MALFORMED_EXTRINSIC', 'extrinsic', /not 0x-prefixed hex/],
      ['odd length', { extrinsic: '0x123' }, 400, 'MALFORMED_EXTRINSIC', 'extrinsic', /even number of digits/],
      ['not a number', { extrinsic: 1234 }, 400, 'INVALID_FIELD', 'extrinsic', /must be a string of 0x-prefixed hex/],
      ['garbage', { extrinsic: '0x0102030405060708' }, 400, 'MALFORMED_EXTRINSIC', 'extrinsic', /does not decode as an extrinsic of this chain|bytes but the extrinsic/],
      ['trailing bytes', { extrinsic: `${goodHex}00` }, 400, 'MALFORMED_EXTRINSIC', 'extrinsic', /send exactly one extrinsic/],
      ['unsigned', { extrinsic: chain.api.tx.containerRegistry.createSpace('zeta').toHex() }, 400, 'NOT_SIGNED', 'extrinsic', /is not signed/],
      ['tampered signature', { extrinsic: goodHex.replace(sigHex, flipped) }, 400, 'BAD_SIGNATURE', 'extrinsic', /is not 5Grwva.*'s over this call/],
      ['signed by another key', { payload: good, signature: signPayload(chain.api, bob, good) }, 400, 'BAD_SIGNATURE', 'signature', /sign the payload .* with that account/],
      ['a payload from another chain', { payload: { ...good, genesisHash: `0x${'11'.repeat(32)}` }, signature: signPayload(chain.api, alice, good) }, 400, 'INVALID_FIELD', 'payload', /another chain/],
      ['both forms', { extrinsic: goodHex, signature: '0x00' }, 400, 'INVALID_FIELD', 'extrinsic', /not both/],
      ['a transfer', { extrinsic: transfer }, 422, 'CALL_NOT_ALLOWED', 'extrinsic', /calls balances.transferKeepAlive, which this API does not submit/],
      ['a proxy for someone else', { extrinsic: proxyToBob }, 422, 'CALL_NOT_ALLOWED', 'extrinsic', /delegate .* is not this gateway/],
      ['an Any proxy', { extrinsic: anyProxy }, 422, 'CALL_NOT_ALLOWED', 'extrinsic', /proxy type is Any, not NonTransfer/],
      ['a used nonce', { extrinsic: staleNonce }, 409, 'STALE', 'extrinsic', /nonce 0 was already used/],
    ];
    for (const [what, body, status, code, field, message] of cases) {
      const answer = await postJson(`${api}/extrinsics`, body);
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, code, what);
      assert.equal(answer.body.error.field, field, what);
      assert.match(answer.body.error.message, message, what);
    }
    assert.deepEqual(await chainState(), before);
  });

  test('status of an unknown or malformed hash', async () => {
    assert.equal((await requestJson(`${api}/extrinsics/0x${'ab'.repeat(32)}`)).status, 404);
    const bad = await requestJson(`${api}/extrinsics/0x1234`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'hash');
  });
});

describe('docker login and the index', () => {
  test('a signed sign-in message becomes a login token the gateway verifies', async () => {
    const { body: challenge } = await postJson(`${api}/login/message`, { address: bob.address });
    const host = new URL(server.url).host;
    assert.equal(challenge.domain, host);
    assert.match(challenge.message, new RegExp(`^${host.replace(/\./g, '\\.')} wants you to sign in`));
    const signature = u8aToHex(bob.sign(u8aWrapBytes(stringToU8a(challenge.message))));
    const { status, body: login } = await postJson(`${api}/login/token`, { message: challenge.message, signature });
    assert.equal(status, 200, JSON.stringify(login));
    assert.equal(login.username, bob.address);
    assert.match(login.command, new RegExp(`\\| docker login ${host.replace(/\./g, '\\.')} --username ${bob.address} --password-stdin$`));
    assert.equal((await verifyLoginToken(login.token, { domain: host, address: bob.address })).address, bob.address);

    const forged = await postJson(`${api}/login/token`, { message: challenge.message, signature: u8aToHex(alice.sign(u8aWrapBytes(stringToU8a(challenge.message)))) });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.error.field, 'signature');
    const badTtl = await postJson(`${api}/login/message`, { address: bob.address, ttlSeconds: 'long' });
    assert.equal(badTtl.body.error.field, 'ttlSeconds');
  });

  test('without an index, /graphql says how to configure one', async () => {
    const answer = await postJson(`${api}/graphql`, { query: '{ spaces { id } }' });
    assert.equal(answer.status, 503);
    assert.match(answer.body.error.message, /no index configured/);
  });
});
