// The HTTP doors send Retry-After with a refusal that says when to try again (a publish past its
// account's rate, an index that is busy or down); the plugin door's gRPC statuses dropped it, so a
// gRPC client had no wait to follow but its own. A status now carries `retry-after` metadata in
// seconds, as the admission refusals' RESOURCE_EXHAUSTED already did.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type ScriptedPluginDoor, startScriptedPluginDoor } from './helpers/scripted-plugin-door';

let door: ScriptedPluginDoor;

before(async () => {
  door = await startScriptedPluginDoor((_query, variables) => {
    // A wait past the doors' query deadline: given up at once, and the wait passed on.
    if (variables.name === 'busy') return { status: 429, headers: { 'retry-after': '30' }, body: { errors: [{ message: 'Too many requests at once', extensions: { code: 'TOO_MANY_REQUESTS', maxConcurrentPerClient: 8 } }] } };
    return { status: 500, body: { errors: [{ message: 'the database is down' }] } };
  });
});

after(async () => {
  await door?.close();
});

async function refusedWith(name: string): Promise<grpc.ServiceError> {
  let refusal: grpc.ServiceError | undefined;
  await door.call('DiscoverPlugins', { name }).catch((error: grpc.ServiceError) => (refusal = error));
  assert.ok(refusal, `DiscoverPlugins ${name} was refused`);
  return refusal;
}

test('an index that asks for a wait: UNAVAILABLE with retry-after metadata naming that wait', async () => {
  const error = await refusedWith('acme/busy');
  assert.equal(error.code, grpc.status.UNAVAILABLE, error.details);
  assert.match(error.details, /answered 429 .* asked to wait 30 s/);
  assert.deepEqual(error.metadata.get('retry-after'), ['30']);
  assert.deepEqual(error.metadata.get('hcr-error-code'), ['UNAVAILABLE']);
});

test('an index that fails: UNAVAILABLE with the doors\' retry-after, as the HTTP doors send it', async () => {
  const error = await refusedWith('acme/down');
  assert.equal(error.code, grpc.status.UNAVAILABLE, error.details);
  assert.match(error.details, /answered HTTP 500: the database is down; retry shortly/);
  assert.deepEqual(error.metadata.get('retry-after'), ['5']);
});
