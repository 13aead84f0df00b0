// `Plugin.path` is the name a plugin client saves the file as. The file's title is whatever the
// manifest's pusher wrote, and any OCI client may push a plugin: the door answers the title's
// last path component only, never a path that climbs out of the client's plugin directory.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { pluginRegistryClient, pushPluginOverOci } from './helpers/plugin-client';

describe('the path GetPlugin answers', () => {
  let t: TestGateway;
  let registry: RunningPluginRegistry;
  let client: grpc.Client & Record<string, any>;

  before(async () => {
    t = await startTestGateway({ artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    registry = await startPluginRegistry({ context: t.gateway.gateway.context, port: 0 });
    client = pluginRegistryClient<typeof client>(registry.address);
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  test('is the title\'s last component, whatever directories the pusher put in it', async () => {
    // A plugin pushed over the OCI API (as oras would), its file titled with a climbing path.
    const pushed = await pushPluginOverOci(t.url, 'acme/climber', '1.0.0', '../../../home/user/.bashrc', randomBytes(200));
    assert.equal(pushed.status, 201, await pushed.clone().text());
    const found = await new Promise<{ plugin: { path: string; cid: string } }>((resolve, reject) => client.GetPlugin({ name: 'climber', version: '1.0.0' }, (error: grpc.ServiceError | null, answer: any) => (error ? reject(error) : resolve(answer))));
    assert.equal(found.plugin.path, '.bashrc');
    assert.ok(found.plugin.cid, 'the file is still answered, with its CID');
  });
});
