// The IPFS node (Kubo) dies while a blob is uploaded, and is still down, or dies again, when the
// upload is committed. The commit must be a retryable 503 naming IPFS with the upload session
// kept, so the same PUT succeeds once the node is back, and nothing may be recorded meanwhile.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { RunningGateway } from '../../src/gateway';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { digestOf, ociErrors } from './helpers/oci-client';
import { type ReplicaOnKubo, replicaOnKubo } from './helpers/replica-on-kubo';

type Mode = 'forward' | 'add-cut' | 'down';

/**
 * Lets every call through, except: `add-cut` takes part of an upload to the node and then cuts
 * the connection (the node died mid-add); `down` cuts every call at once.
 */
function dying(mode: () => Mode): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const now = mode();
    if (now === 'down' || (now === 'add-cut' && req.url?.startsWith('/api/v0/add'))) {
      let taken = 0;
      req.on('data', (chunk: Buffer) => {
        taken += chunk.length;
        if (now === 'down' || taken > 64 * 1024) res.socket?.destroy();
      });
      req.on('end', () => res.socket?.destroy());
      return true;
    }
    return false;
  };
}

describe('Kubo dying during an upload and its commit', () => {
  let t: TestGateway;
  let onKubo: ReplicaOnKubo;
  let replica: RunningGateway;
  let mode: Mode = 'forward';

  before(async () => {
    t = await startTestGateway();
    // A gateway that may push (it holds the gateway key), with its bytes in Kubo.
    onKubo = await replicaOnKubo(t, dying(() => mode), { gatewaySigner: t.keys.gateway });
    replica = onKubo.replica;
  });
  after(async () => {
    await onKubo?.close();
    await t?.close();
  });

  for (const during of ['add-cut', 'down'] as const) {
    it(`a commit while the node is ${during === 'down' ? 'down' : 'dying mid-add'} is a 503 with Retry-After; the same PUT works once it is back`, { timeout: 60_000 }, async () => {
      const bytes = randomBytes(1024 * 1024);
      const digest = digestOf(bytes);
      const started = await fetch(`${replica.url}/v2/acme/up/blobs/uploads/`, { method: 'POST' });
      assert.equal(started.status, 202, await started.clone().text());
      const location = started.headers.get('location')!;
      mode = during;
      try {
        // The chunk is on the gateway's disk whatever happens to the import streaming it to IPFS.
        assert.equal((await fetch(`${replica.url}${location}`, { method: 'PATCH', body: bytes })).status, 202);
        const put = await fetch(`${replica.url}${location}?digest=${digest}`, { method: 'PUT' });
        assert.equal(put.status, 503, await put.clone().text());
        assert.ok(Number(put.headers.get('retry-after')) > 0);
        const [error] = await ociErrors(put);
        assert.equal(error.code, 'UNAVAILABLE');
        assert.match(error.message, /IPFS/);
        // Nothing half-made: the blob is not there, and the session still holds every byte.
        assert.equal((await fetch(`${replica.url}/v2/acme/up/blobs/${digest}`, { method: 'HEAD' })).status, 404);
        const status = await fetch(`${replica.url}${location}`);
        assert.equal(status.status, 204);
        assert.equal(status.headers.get('range'), `0-${bytes.length - 1}`);
      } finally {
        mode = 'forward';
      }
      const again = await fetch(`${replica.url}${location}?digest=${digest}`, { method: 'PUT' });
      assert.equal(again.status, 201, await again.clone().text());
      const pulled = await fetch(`${replica.url}/v2/acme/up/blobs/${digest}`);
      assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), bytes);
    });
  }
});
