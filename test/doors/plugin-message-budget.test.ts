// RegisterPlugin messages are read whole into memory, up to the server's largest message: the
// gateway bounds what all of them hold at once, over every publisher, and a call past the bound
// is refused before its message is read, with RESOURCE_EXHAUSTED and a retry-after.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { MessageBudget } from '../../src/gateway/doors/plugins/message-budget';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { mintToken } from './helpers/tokens';
import { pluginRegistryService } from './helpers/plugin-client';

const MAX_MESSAGE_BYTES = 256 * 1024;
const dataUrl = (bytes: number) => `data:application/octet-stream;base64,${randomBytes(bytes).toString('base64')}`;

interface HeldCall {
  /** Sends the message; the call's answer. */
  send(request: unknown): Promise<unknown>;
}


describe('the memory RegisterPlugin messages hold at once', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let hasty: RunningPluginRegistry;
  let method: grpc.MethodDefinition<unknown, unknown>;
  let service: grpc.ServiceClientConstructor;
  const clients: grpc.Client[] = [];
  let alice: string;
  let bob: string;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true }, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    // Room for two of the largest messages, one of them per account.
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0, maxMessageBytes: MAX_MESSAGE_BYTES, messageBudgetBytes: 2 * MAX_MESSAGE_BYTES, messageBudgetWaitMs: 300 });
    // One that waits half a second for a message after the metadata.
    hasty = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0, maxMessageBytes: MAX_MESSAGE_BYTES, messageBudgetBytes: MAX_MESSAGE_BYTES, messageArrivalMs: 500 });
    service = pluginRegistryService();
    method = service.service.RegisterPlugin as grpc.MethodDefinition<unknown, unknown>;
    alice = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'ci')).token;
    bob = (await mintToken(t.url, t.gateway.service, t.keys.bob, ['publish'], 'bob-ci')).token;
  });
  after(async () => {
    for (const client of clients) client.close();
    await registry?.close();
    await hasty?.close();
    await t?.close();
  });

  const clientOf = (address: string) => {
    const client = new service(address, grpc.credentials.createInsecure());
    clients.push(client);
    return client;
  };

  const metadata = (token: string) => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${token}`);
    return m;
  };

  /** A call whose metadata went out (it is admitted) and whose message is held back. */
  function heldCall(address: string, token: string): HeldCall & { answer: Promise<unknown> } {
    let settle!: (error: grpc.ServiceError | null, value?: unknown) => void;
    const answer = new Promise<unknown>((resolve, reject) => (settle = (error, value) => (error ? reject(error) : resolve(value))));
    answer.catch(() => undefined);
    const stream = clientOf(address).makeClientStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, metadata(token), (error, value) => settle(error, value));
    return {
      answer,
      send: (request) => {
        stream.write(request);
        stream.end();
        return answer;
      },
    };
  }

  function register(address: string, token: string, request: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => clientOf(address).makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, metadata(token), (error, value) => (error ? reject(error) : resolve(value))));
  }

  const budgetSpent = (error: grpc.ServiceError) => {
    assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, /as many plugin messages as it holds in memory at once, and no room was made within 0 s .*: retry in 5 s/);
    assert.equal(error.metadata.get('retry-after')[0], '5');
    return true;
  };

  test('a call past the budget is refused with a retry-after; one account holds half of it at most; the budget frees as calls end', async () => {
    const first = heldCall(registry.address, alice);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Alice holds her half: her next call waits, Bob's does not.
    await assert.rejects(register(registry.address, alice, { name: 'over', version: '1.0.0', plugin: dataUrl(100) }), budgetSpent);
    const second = heldCall(registry.address, bob);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Both halves held: nobody's call fits.
    await assert.rejects(register(registry.address, bob, { name: 'over', version: '1.0.0', plugin: dataUrl(100) }), budgetSpent);
    assert.equal(((await first.send({ name: 'held-1', version: '1.0.0', plugin: dataUrl(100) })) as { message: string }).message, 'Plugin registered successfully');
    // Bob may not write to acme: his call is answered on its merits, not by the budget.
    await assert.rejects(second.send({ name: 'held-2', version: '1.0.0', plugin: dataUrl(100) }), (error: grpc.ServiceError) => error.code === grpc.status.PERMISSION_DENIED);
    // Both ended: the budget is whole again.
    assert.equal(((await register(registry.address, alice, { name: 'after', version: '1.0.0', plugin: dataUrl(100) })) as { message: string }).message, 'Plugin registered successfully');
  });

  test('calls sent together wait for one another\'s room rather than being refused', async () => {
    // Room for four of the largest messages (the default), two of them for one account.
    const roomy = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0, maxMessageBytes: MAX_MESSAGE_BYTES, messageBudgetBytes: 4 * MAX_MESSAGE_BYTES });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => register(roomy.address, alice, { name: `together-${i}`, version: '1.0.0', plugin: dataUrl(100) }))).finally(() => roomy.close());
    assert.equal(answers.filter((a) => (a as { message: string }).message === 'Plugin registered successfully').length, 12);
  });

  test('a call whose message does not come in time is ended, and gives its room back', { timeout: 10_000 }, async () => {
    const held = heldCall(hasty.address, alice);
    await assert.rejects(held.answer, (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED, `${grpc.status[error.code]}: ${error.details}`);
      assert.match(error.details, /the RegisterPlugin message did not arrive within 1 s of the call's metadata/);
      return true;
    });
    assert.equal(((await register(hasty.address, alice, { name: 'after-late', version: '1.0.0', plugin: dataUrl(100) })) as { message: string }).message, 'Plugin registered successfully');
  });

  test('a waiting call gets the room a share gives back, or nothing once its wait is over', async () => {
    const budget = new MessageBudget(1000);
    const first = budget.take(1000, 'alice')!;
    const waiting = budget.wait(600, 'bob', 5_000);
    const late = budget.wait(600, 'carol', 50);
    first.shrinkTo(300);
    const given = await waiting.share;
    assert.ok(given, 'the room the shrink made went to the call waiting first');
    assert.equal(await late.share, undefined, 'no room within its wait');
    given.release();
    first.release();
    assert.equal(budget.usedBytes, 0);
  });

  test('a call keeps only what its message holds once it arrived', () => {
    const budget = new MessageBudget(1000);
    const share = budget.take(400, 'alice')!;
    assert.equal(budget.take(400, 'alice'), undefined, 'one account holds half at most');
    const other = budget.take(400, 'bob')!;
    assert.equal(budget.take(400, 'carol'), undefined, 'the whole budget is held');
    share.shrinkTo(100);
    assert.equal(budget.usedBytes, 500);
    share.release();
    share.release();
    other.release();
    assert.equal(budget.usedBytes, 0);
  });
});
