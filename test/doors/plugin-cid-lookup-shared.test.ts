// GetPlugin answers a plugin's CID only once its bytes were hashed to the file's digest, and anyone
// may call it. On a gateway that did not receive the file itself (a replica), the first lookup
// reads and hashes the whole file: calls arriving together share that one read, rather than
// each of a few hundred small calls reading the same file (up to the doors' 4 GiB) side by side.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { RunningGateway } from '../../src/gateway';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import type { EmbeddedBlobStore } from '../../src/ipfs';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { pluginRegistryClient, pushPluginOverOci } from './helpers/plugin-client';

const CALLS = 8;

/** The store, counting the reads of each CID. */
function countingReads(store: EmbeddedBlobStore): { store: EmbeddedBlobStore; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const counting = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function') return value;
      if (property !== 'get') return value.bind(target);
      return (cid: string, ...rest: unknown[]) => {
        reads.set(cid, (reads.get(cid) ?? 0) + 1);
        return (value as (...args: unknown[]) => unknown).call(target, cid, ...rest);
      };
    },
  });
  return { store: counting, reads };
}

describe('GetPlugin on a gateway that has not verified the file yet', () => {
  let t: TestGateway;
  let replica: RunningGateway;
  let registry: RunningPluginRegistry;
  let client: grpc.Client & Record<string, any>;
  let reads: Map<string, number>;

  before(async () => {
    t = await startTestGateway({ artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    const counted = countingReads(t.store);
    reads = counted.reads;
    replica = await t.startReplica({ blobStore: counted.store, artifacts: { defaultSpace: 'acme', indexWaitMs: 0 } });
    registry = await startPluginRegistry({ context: replica.gateway.context, port: 0 });
    client = pluginRegistryClient<typeof client>(registry.address);
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await t?.close();
  });

  test(`${CALLS} calls at once read the file's bytes once, and all get its CID`, async () => {
    // A plugin pushed through the first gateway (as oras would push it): the replica has its
    // bytes in the shared store, but never hashed them.
    const pushed = await pushPluginOverOci(t.url, 'acme/big', '1.0.0', 'big.so', randomBytes(4 * 1024 * 1024));
    assert.equal(pushed.status, 201, await pushed.clone().text());

    const getPlugin = () => new Promise<{ plugin: { cid: string } }>((resolve, reject) => client.GetPlugin({ name: 'big', version: '1.0.0' }, (error: grpc.ServiceError | null, answer: any) => (error ? reject(error) : resolve(answer))));
    const answers = await Promise.all(Array.from({ length: CALLS }, getPlugin));
    const cid = answers[0].plugin.cid;
    assert.match(cid, /^baf/);
    assert.deepEqual(new Set(answers.map((a) => a.plugin.cid)), new Set([cid]));
    assert.equal(reads.get(cid), 1, `the file was read ${reads.get(cid)} times for ${CALLS} calls`);
  });
});
