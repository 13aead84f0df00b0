// Without an index, a gateway reads an image's tags by scanning every tag on chain
// (ManifestDigests hashes space, image and tag together, so there is no reading one image's).
// Done per request, anyone could make it read all of chain storage as often as they liked; here
// many tag lists at one best block cost one scan, and a push is seen as soon as its block is best.
// Real dev chain, real gateways; the replica's RPC calls are counted on its own WebSocket.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import type { RunningGateway } from '../../src/gateway';
import { settledHead } from '../helpers/devnet';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

describe('tag lists without an index', () => {
  let t: TestGateway;
  let api: ApiPromise;
  let replica: RunningGateway;
  const calls: string[] = [];

  before(async () => {
    t = await startTestGateway();
    for (const tag of ['v1', 'v2']) await pushImage(t.url, 'acme/app', tag, makeImage([randomBlob(32)]));
    await pushImage(t.url, 'acme/other', 'v1', makeImage([randomBlob(32)]));
    const provider = new WsProvider(t.chain.devnet.wsUrl);
    const send = provider.send.bind(provider);
    provider.send = ((method: string, ...rest: unknown[]) => {
      calls.push(method);
      return (send as (...args: unknown[]) => Promise<unknown>)(method, ...rest);
    }) as typeof provider.send;
    api = await ApiPromise.create({ provider, noInitWarn: true });
    replica = await t.startReplica({ api });
  });
  after(async () => {
    await replica?.close();
    await api?.disconnect();
    await t?.close();
  });

  const tagList = async (name: string): Promise<string[]> => {
    const response = await fetch(`${replica.url}/v2/${name}/tags/list`);
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { tags: string[] }).tags;
  };

  it('scans every tag on chain once per best block, however many lists are asked for', async () => {
    await settledHead(t.chain.api);
    assert.deepEqual(await tagList('acme/app'), ['v1', 'v2']);
    calls.length = 0;
    const lists = await Promise.all(Array.from({ length: 20 }, (_, i) => tagList(i % 2 ? 'acme/app' : 'acme/other')));
    for (let i = 0; i < 20; i++) lists.push(await tagList(i % 2 ? 'acme/app' : 'acme/other'));
    for (const [i, tags] of lists.entries()) assert.deepEqual(tags, i % 2 ? ['v1', 'v2'] : ['v1']);
    const scans = calls.filter((method) => method === 'state_getKeysPaged').length;
    assert.equal(scans, 0, `40 lists at the block already scanned read the keys again ${scans} times`);
  });

  it('lists a tag pushed through another gateway as soon as its block is best', async () => {
    await pushImage(t.url, 'acme/app', 'v3', makeImage([randomBlob(32)]));
    await settledHead(t.chain.api);
    calls.length = 0;
    assert.deepEqual(await tagList('acme/app'), ['v1', 'v2', 'v3']);
    assert.ok(calls.includes('state_getKeysPaged'), 'a new best block is scanned again');
  });
});
