// Cancelling an upload (DELETE) while it is still in use. Its bytes stop counting against its
// uploader's quota at once, so it must take no more: a chunk still arriving is cut off and
// answered BLOB_UPLOAD_UNKNOWN, not written on, uncounted, up to the blob bound. An upload whose
// commit has begun can no longer be cancelled, or its blob would count against no one. A status
// request that finds the upload just before it goes is told it is unknown, not an internal error.
// The first case runs a real dev chain, gateway and embedded IPFS over real sockets; the others
// hold the handler's look at the upload to make the race happen every time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../../src/gateway/context';
import type { OciError } from '../../src/gateway/errors/oci-error';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { deleteUpload, getUpload } from '../../src/gateway/handlers/uploads';
import { LocalBlobs } from '../../src/gateway/storage/local-blobs';
import { UploadQuota } from '../../src/gateway/storage/upload-quota';
import { UploadSessions } from '../../src/gateway/storage/upload-sessions';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { randomBlob } from './helpers/oci-client';

const KiB = 1024;
const QUOTA = 1024 * KiB;

describe('cancelling an upload that is still in use', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ uploadQuotaBytes: QUOTA });
  });
  after(async () => {
    await t?.close();
  });

  const ip = '203.0.113.77';
  const start = async () => {
    const response = await fetch(`${t.url}/v2/acme/cancel/blobs/uploads/`, { method: 'POST', headers: { 'x-forwarded-for': ip } });
    assert.equal(response.status, 202, await response.clone().text());
    return new URL(response.headers.get('location')!, t.url).href;
  };
  const offsetOf = async (location: string) => (await fetch(location, { headers: { 'x-forwarded-for': ip } })).headers.get('range');

  it('cuts off a chunk still arriving when its upload is cancelled, so no byte past the quota is written', async () => {
    const location = await start();
    const sending = request(location, { method: 'PATCH', headers: { 'x-forwarded-for': ip, 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' } });
    // The gateway may close the connection once it has answered.
    sending.on('error', () => undefined);
    const answer = new Promise<{ status: number; body: string; range?: string }>((resolve) => {
      sending.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (text: string) => (body += text));
        res.on('end', () => resolve({ status: res.statusCode!, body, range: res.headers.range }));
      });
    });
    const chunk = (bytes: Buffer) => new Promise<void>((resolve) => sending.write(bytes, () => resolve()));

    await chunk(randomBlob(256 * KiB).bytes);
    // The first bytes are on disk: the chunk is under way.
    for (let i = 0; i < 100 && (await offsetOf(location)) === '0-0'; i++) await new Promise((resolve) => setTimeout(resolve, 20));

    const cancelled = await fetch(location, { method: 'DELETE', headers: { 'x-forwarded-for': ip } });
    assert.equal(cancelled.status, 204, await cancelled.clone().text());

    // Twice the quota, sent on the cancelled upload's chunk.
    for (let i = 0; i < 8 && !sending.destroyed; i++) await Promise.race([chunk(randomBlob(256 * KiB).bytes), new Promise((resolve) => setTimeout(resolve, 500))]);
    if (!sending.destroyed) sending.end();
    const { status, body, range } = await answer;
    assert.equal(status, 404, `the chunk of a cancelled upload is not taken (it answered Range ${range}): ${body}`);
    const [error] = JSON.parse(body).errors as { code: string; message: string }[];
    assert.equal(error.code, 'BLOB_UPLOAD_UNKNOWN');
    assert.match(error.message, /cancelled/);

    // The uploader holds nothing: a new upload takes its whole quota.
    const next = await start();
    const full = await fetch(next, { method: 'PATCH', headers: { 'x-forwarded-for': ip, 'content-range': `0-${QUOTA - 1}` }, body: randomBlob(QUOTA).bytes });
    assert.equal(full.status, 202, await full.clone().text());
    assert.equal((await fetch(next, { method: 'DELETE', headers: { 'x-forwarded-for': ip } })).status, 204);
  });

});

// The DELETE's look at the upload and its removal are apart in time (the look reads session.json):
// a commit can begin in between. Here the look is held until the commit has begun, as the race
// would have it, through the handler itself.
describe('a DELETE that raced a commit', () => {
  it('cannot remove an upload whose commit began after it looked, so its blob still counts against its uploader', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-cancel-commit-'));
    try {
      const quota = new UploadQuota(QUOTA);
      const sessions = new UploadSessions(join(dir, 'uploads'), undefined, { quota });
      const local = new LocalBlobs(join(dir, 'blobs'), { quota });
      const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
      const blob = randomBlob(64 * KiB);
      const session = await sessions.create('acme/cancel', alice);
      await sessions.append(session, Readable.from([blob.bytes]));

      const { uploads, looked, goOn } = lookHeld(sessions);
      const ctx = { access: { require: async () => alice }, policy: { permit: async () => undefined }, uploads } as unknown as GatewayContext;
      const answered: { status?: number } = {};
      const res = { setHeader: () => res, status: (status: number) => ((answered.status = status), res), end: () => res } as unknown as Response;
      const deleting = deleteUpload(ctx, {} as Request, res, { name: 'acme/cancel', uuid: session.id });

      await looked;
      // The PUT: its digest checked, the upload now becomes the blob.
      const finished = await sessions.finish(session, blob.digest);
      assert.equal(finished.digest, blob.digest);
      goOn();
      const outcome = await deleting.then(
        () => `removed it (HTTP ${answered.status})`,
        (error: OciError) => error.code,
      );
      assert.equal(outcome, 'BLOB_UPLOAD_UNKNOWN', 'the DELETE finds the upload being committed gone, and leaves it');

      await local.commit({ digest: blob.digest, cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', size: blob.size, committedAt: Date.now() }, 'acme/cancel', session.id);
      assert.equal(quota.held(alice).blobBytes, blob.size, 'the committed blob counts against its uploader');
      await sessions.remove(session);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a status request that raced a cancel', () => {
  it('answers BLOB_UPLOAD_UNKNOWN, not an internal error, when the upload went after it was found', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-status-cancel-'));
    try {
      const sessions = new UploadSessions(join(dir, 'uploads'));
      const alice = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
      const session = await sessions.create('acme/cancel', alice);
      const { uploads, looked, goOn } = lookHeld(sessions);
      const ctx = { access: { require: async () => alice }, policy: { permit: async () => undefined }, uploads } as unknown as GatewayContext;
      const res = { setHeader: () => res, status: () => res, end: () => res } as unknown as Response;
      const asking = getUpload(ctx, {} as Request, res, { name: 'acme/cancel', uuid: session.id });
      await looked;
      await sessions.remove(session);
      goOn();
      const outcome = await asking.then(
        () => 'answered a status',
        (error: Error) => toOciError(error).code,
      );
      assert.equal(outcome, 'BLOB_UPLOAD_UNKNOWN');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `sessions`, with each look at an upload (get) held after it found it, until goOn. */
function lookHeld(sessions: UploadSessions): { uploads: UploadSessions; looked: Promise<void>; goOn: () => void } {
  let found!: () => void;
  const looked = new Promise<void>((resolve) => (found = resolve));
  let goOn!: () => void;
  const held = new Promise<void>((resolve) => (goOn = resolve));
  const uploads = new Proxy(sessions, {
    get(target, property) {
      if (property === 'get') {
        return async (...args: Parameters<UploadSessions['get']>) => {
          const session = await target.get(...args);
          found();
          await held;
          return session;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { uploads, looked, goOn };
}
