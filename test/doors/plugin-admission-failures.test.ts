// What RegisterPlugin does when something under an admitted call fails: the client gets a status
// naming the failure, the call's upload slot is given back, and nothing is left behind that could
// later fail with nobody listening (an 'error' event or a rejection nobody handles takes the whole
// gateway process down, every door with it). The failures are caused on the real gateway's
// context, one call at a time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createLoginToken } from '../../src/gateway';
import type { GatewayContext } from '../../src/gateway/context';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { pluginRegistryClient } from './helpers/plugin-client';
import { mintToken } from './helpers/tokens';
import { onNextCall } from '../helpers/on-next-call';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

function registerPlugin(client: Client, request: unknown, token: string): Promise<{ message: string; cid: string }> {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => client.RegisterPlugin(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

async function refused(work: Promise<unknown>, code: grpc.status, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, message);
    return true;
  });
}

/**
 * Errors that would have taken the process down while `work` ran and for `settleMs` after it
 * (Node's test runner catches them instead, and would blame whichever test runs then).
 */
async function processFailuresDuring(work: () => Promise<void>, settleMs: number): Promise<string[]> {
  const failures: string[] = [];
  const note = (kind: string) => (error: unknown) => failures.push(`${kind}: ${(error as Error)?.message ?? String(error)}`);
  const uncaught = note('uncaught exception');
  const unhandled = note('unhandled rejection');
  process.on('uncaughtException', uncaught);
  process.on('unhandledRejection', unhandled);
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    process.off('uncaughtException', uncaught);
    process.off('unhandledRejection', unhandled);
  }
  return failures;
}

describe('RegisterPlugin when something under an admitted call fails', () => {
  let t: TestGateway;
  let ctx: GatewayContext;
  let registry: RunningPluginRegistry;
  let client: Client;
  let publish: string;

  before(async () => {
    // One upload at once per account: a call whose slot was not given back refuses the next one.
    t = await startTestGateway({ auth: { enabled: true }, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 }, limits: { uploads: { concurrentPerAccount: 1 } } });
    ctx = t.gateway.gateway.context;
    registry = await startPluginRegistry({ context: ctx, port: 0 });
    client = pluginRegistryClient<Client>(registry.address);
    publish = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  test('a plugin read from IPFS is let go when no upload session can be made, so its read failing later does not take the gateway down', async () => {
    const { cid } = await t.store.put([randomBytes(5000)]);
    // The uploads dir cannot take a new session (a full disk)...
    onNextCall(ctx.uploads, 'create', async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, mkdir'), { code: 'ENOSPC' });
    });
    // ...and the read of the held content, opened before, then fails as an IPFS read does when
    // the node goes away or the read's own timeout (minutes) passes: here soon after it opened.
    const get = ctx.store.get.bind(ctx.store);
    onNextCall(ctx.store, 'get', (held: string, options = {}) => get(held, { ...options, signal: AbortSignal.timeout(100) }));
    const failures = await processFailuresDuring(async () => {
      // A full disk is named as such, with its fix, not as an internal error.
      await refused(registerPlugin(client, { name: 'held', version: '1.0.0', plugin: `/ipfs/${cid}` }, publish), grpc.status.RESOURCE_EXHAUSTED, /the gateway's disk is full \(ENOSPC\).*free space where its data dir is/);
    }, 500);
    assert.deepEqual(failures, [], 'the gateway process would have gone down');
    // The failed call gave its slot back: the account's next upload is admitted and published.
    const registered = await registerPlugin(client, { name: 'held', version: '1.0.0', plugin: `/ipfs/${cid}` }, publish);
    assert.equal(registered.cid, cid);
  });

  test('a token check that fails (the token store unreadable) is answered, and takes no slot', async () => {
    onNextCall(ctx.apiTokens, 'verify', () => {
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    });
    const plugin = `data:application/octet-stream;base64,${randomBytes(100).toString('base64')}`;
    const failures = await processFailuresDuring(async () => {
      await refused(registerPlugin(client, { name: 'checked', version: '1.0.0', plugin }, publish), grpc.status.INTERNAL, /internal error; the gateway log has the details/);
    }, 100);
    assert.deepEqual(failures, [], 'the gateway process would have gone down');
    assert.equal((await registerPlugin(client, { name: 'checked', version: '1.0.0', plugin }, publish)).message, 'Plugin registered successfully');
  });

  test('a call that ends while its login is checked takes no slot', async () => {
    // The check of a login token's signature, slow this once (a loaded machine).
    const verify = ctx.loginFailures!.verify.bind(ctx.loginFailures);
    onNextCall(ctx.loginFailures!, 'verify', async (...args: Parameters<typeof verify>) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return verify(...args);
    });
    const plugin = `data:application/octet-stream;base64,${randomBytes(100).toString('base64')}`;
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${await createLoginToken(t.keys.alice, t.gateway.service)}`);
    const ended = new Promise<grpc.ServiceError | null>((resolve) => {
      const call = client.RegisterPlugin({ name: 'gone', version: '1.0.0', plugin }, metadata, (error) => resolve(error));
      setTimeout(() => call.cancel(), 50);
    });
    assert.equal((await ended)?.code, grpc.status.CANCELLED);
    // The check ends after the call did: what it would have admitted is not held for anyone.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await registerPlugin(client, { name: 'gone', version: '1.0.0', plugin }, publish)).message, 'Plugin registered successfully');
  });
});
