// RegisterPlugin's `/ipfs/<cid>` is read only when the gateway's IPFS node already holds the
// content: a Kubo node asked for anything else would fetch it from the IPFS network for whoever
// asked. The store here records whether it was asked to read, as a network fetch would start.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import type { GatewayContext } from '../../src/gateway/context';
import { openPluginSource } from '../../src/gateway/doors/plugins/plugin-source';

async function cidOf(bytes: Uint8Array): Promise<string> {
  return CID.create(1, raw.code, await sha256.digest(bytes)).toString();
}

function storeContext(held: { has: boolean; size: number }) {
  const reads: string[] = [];
  const ctx = {
    artifacts: { maxFileBytes: 1000 },
    store: {
      has: async () => held.has,
      stat: async () => ({ size: held.size }),
      get: async (cid: string) => {
        reads.push(cid);
        return Readable.from([Buffer.from('plugin bytes')]);
      },
    },
  } as unknown as GatewayContext;
  return { ctx, reads };
}

describe('RegisterPlugin with /ipfs/<cid>', () => {
  test('content the gateway\'s node does not hold is refused without being read (no network fetch)', async () => {
    const cid = await cidOf(Buffer.from('somebody else\'s file'));
    const { ctx, reads } = storeContext({ has: false, size: 10 });
    await assert.rejects(openPluginSource(ctx, `/ipfs/${cid}`, undefined), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'NOT_FOUND');
      assert.match(error.message, /does not hold .* it reads \/ipfs\/<cid> plugins only from content it already holds .*: add the file to the gateway's IPFS node first .* or send the bytes as a data URL/);
      return true;
    });
    assert.deepEqual(reads, []);
  });

  test('held content larger than the largest file a door accepts is refused before it is read', async () => {
    const cid = await cidOf(Buffer.from('a large held file'));
    const { ctx, reads } = storeContext({ has: true, size: 5000 });
    await assert.rejects(openPluginSource(ctx, cid, undefined), /is 5000 bytes, larger than 1000, the most this gateway accepts/);
    assert.deepEqual(reads, []);
  });

  test('held content within the bound is read', async () => {
    const cid = await cidOf(Buffer.from('held'));
    const { ctx, reads } = storeContext({ has: true, size: 12 });
    const source = await openPluginSource(ctx, `ipfs://${cid}`, undefined);
    let text = '';
    for await (const chunk of source.stream) text += chunk;
    assert.equal(text, 'plugin bytes');
    assert.deepEqual(reads, [cid]);
  });
});
