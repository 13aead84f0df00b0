// RegisterPlugin with a login token on a gateway that takes each login token once: the call's
// credential is checked once, as it is admitted (before its message is read), and the handler
// works with the account that check found; the same login token sent again is a replay.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createLoginToken } from '../../src/gateway';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { pluginRegistryClient } from './helpers/plugin-client';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

describe('RegisterPlugin with a login token taken once', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: Client;

  before(async () => {
    t = await startTestGateway({ auth: { enabled: true, loginTokenReuse: 'once' }, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    client = pluginRegistryClient<Client>(registry.address);
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  const register = (version: string, login: string) => {
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Basic ${Buffer.from(`${t.keys.alice.address}:${login}`).toString('base64')}`);
    const request = { name: 'once-plugin', version, plugin: `data:application/octet-stream;base64,${randomBytes(64).toString('base64')}` };
    return new Promise<{ cid: string }>((resolve, reject) => client.RegisterPlugin(request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
  };

  test('publishes with a fresh login token, and refuses the same token sent again as a replay', async () => {
    const login = await createLoginToken(t.keys.alice, t.gateway.service);
    const published = await register('1.0.0', login);
    assert.match(published.cid, /^baf/);
    await assert.rejects(register('1.0.1', login), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.UNAUTHENTICATED, `${grpc.status[error.code]}: ${error.details}`);
      assert.match(error.details, /already used \(a replay\)/);
      return true;
    });
  });
});
