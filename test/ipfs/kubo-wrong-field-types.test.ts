// A Kubo RPC API reached through something that answers valid JSON with fields of the wrong type
// (`"Hash": 5` from add, `"Size": "11"` from files/stat): no Kubo sends that, so it is no Kubo
// answer, and must fail as the retryable "IPFS unavailable" naming IPFS_API and the field, as a
// page or `{}` does (kubo-garbage-answers.test.ts). Before, some were a 500 "internal error", a
// "CID recorded on chain is not valid" 502, a blob counted as missing, or a size passed on as a
// string. The node behind the proxy is the embedded store's Kubo API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlobStoreUnavailableError, type KuboBlobStore } from '../../src/ipfs';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { type StoreBehindProxy, storeBehindProxy } from './helpers/kubo-proxy';

describe('Kubo answers with fields of the wrong type', () => {
  let kubo: StoreBehindProxy;
  let store: KuboBlobStore;
  let cid: string;
  /** The JSON the proxy answers in the node's place, by command (`files/stat`); the rest is forwarded. */
  let answers: Record<string, string> = {};
  const bytes = Buffer.from('the bytes of a stored layer');

  before(async () => {
    kubo = await storeBehindProxy(bytes, (req, res) => {
      const answer = answers[new URL(req.url ?? '/', 'http://proxy').pathname.replace(/^\/api\/v0\//, '')];
      if (answer === undefined) return false;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(answer));
      return true;
    });
    ({ store, cid } = kubo);
  });
  after(() => kubo?.close());

  /** Rejected as not Kubo's answer, naming the call's field, and answered by the gateway as a 503. */
  async function assertNotKubo(call: Promise<unknown>, field: string, what: string): Promise<void> {
    const error = await call.then(
      (value) => assert.fail(`${what}: answered ${JSON.stringify(value)}`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof BlobStoreUnavailableError, `${what}: ${(error as Error)?.name}: ${(error as Error)?.message}`);
    assert.match(error.message, /not a Kubo RPC answer/, what);
    assert.match(error.message, /IPFS_API/, what);
    assert.ok(error.message.includes(`\`${field}\``), `${what}: the message names ${field}: ${error.message}`);
    const answered = toOciError(error);
    assert.equal(answered.status, 503, what);
    assert.ok(answered.headers['Retry-After'], `${what}: Retry-After`);
  }

  async function answering(replies: Record<string, string>, check: () => Promise<void>): Promise<void> {
    answers = replies;
    try {
      await check();
    } finally {
      answers = {};
    }
  }

  it('add: a `Hash` that is a number, or a string that is no CID, is not Kubo\'s answer', async () => {
    await answering({ add: '{"Name":"blob","Hash":5,"Size":"12"}' }, () => assertNotKubo(store.put([Buffer.from('a layer')]), 'Hash', 'Hash 5'));
    await answering({ add: '{"Name":"blob","Hash":"not-a-cid","Size":"12"}' }, () => assertNotKubo(store.put([Buffer.from('a layer')]), 'Hash', 'Hash "not-a-cid"'));
  });

  it('files/stat: a `Size` sent as a string is not passed on as the blob\'s size', async () => {
    const stat = (size: string) => JSON.stringify({ Hash: cid, Size: size, CumulativeSize: 100, Blocks: 1, Type: 'file', Local: true, WithLocality: true });
    await answering({ 'files/stat': stat('27') }, async () => {
      await assertNotKubo(store.stat(cid), 'Size', 'stat');
      await assertNotKubo(store.get(cid), 'Size', 'get');
    });
  });

  it('files/stat: a `Hash`, `Type` or `Local` of the wrong type is not Kubo\'s answer', async () => {
    await answering({ 'files/stat': JSON.stringify({ Hash: 5, Size: 27, Type: 'file' }) }, () => assertNotKubo(store.stat(cid), 'Hash', 'Hash 5'));
    // Not "the CID names a UnixFS 5, not a file" (a 502 blaming the record on chain).
    await answering({ 'files/stat': JSON.stringify({ Hash: cid, Size: 27, Type: 5 }) }, () => assertNotKubo(store.stat(cid), 'Type', 'Type 5'));
    // Not "the node does not hold it".
    await answering({ 'files/stat': JSON.stringify({ Hash: cid, Size: 27, Type: 'file', Local: 'true', WithLocality: true }) }, () => assertNotKubo(store.has(cid), 'Local', 'Local "true"'));
  });

  it('pin/ls and dag/import: a `Cid` that is no CID is not Kubo\'s answer', async () => {
    await answering({ 'pin/ls': '{"Cid":5,"Type":"recursive"}' }, () => assertNotKubo(store.isPinned(cid), 'Cid', 'pin/ls'));
    await answering({ 'dag/import': '{"Root":{"Cid":{"/":5},"PinErrorMsg":""}}' }, () => assertNotKubo(store.putBlocks(cid, store.blocks(cid)), 'Root.Cid', 'dag/import'));
  });

  it('version: a `Version` that is not a string does not pass the check', async () => {
    await answering({ version: '{"Version":5}' }, () => assertNotKubo(store.ping(), 'Version', 'version'));
  });

  it('the node\'s own answers still pass once the proxy forwards', async () => {
    assert.equal((await store.stat(cid)).size, bytes.length);
    assert.equal(await store.has(cid), true);
    assert.equal(await store.isPinned(cid), true);
    await store.ping();
  });
});
