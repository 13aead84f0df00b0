// A push that meets a full disk under the gateway's data dir is told so: 507 with a message that
// names the cause and that the operator must free space (retrying at once cannot help), not the
// usual "internal error". The data dir's paths stay in the gateway's log, which names the file.
// The failures are caused on the real gateway's context, one call at a time, with the error
// Node's fs gives for a full disk.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { onNextCall } from '../helpers/on-next-call';

function fullDisk(syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, ${syscall} '${path}'`), { code: 'ENOSPC', errno: -28, syscall, path });
}

describe('a full disk under the data dir', () => {
  let t: TestGateway;
  const secretPath = '/srv/hcr-data/gateway/uploads/0f3c';

  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  async function assertFullDiskAnswer(response: Response): Promise<void> {
    assert.equal(response.status, 507);
    const body = await response.json() as { errors: { code: string; message: string }[] };
    assert.equal(body.errors[0].code, 'UNAVAILABLE');
    assert.match(body.errors[0].message, /the gateway's disk is full \(ENOSPC\), so nothing of this request was stored; the gateway's operator must free space where its data dir is/);
    assert.doesNotMatch(body.errors[0].message, /hcr-data/, 'the data dir\'s path is for the log, not the client');
    assert.ok(t.logs.some((line) => line.includes(secretPath)), 'the log names the file for the operator');
  }

  test('starting an upload is answered 507, naming the disk and the fix', async () => {
    const ctx = t.gateway.gateway.context;
    onNextCall(ctx.uploads, 'create', async () => {
      throw fullDisk('mkdir', secretPath);
    });
    await assertFullDiskAnswer(await fetch(`${t.url}/v2/acme/app/blobs/uploads/`, { method: 'POST' }));
  });

  test('a chunk the disk cannot take is answered 507, and the upload can go on once there is room', async () => {
    const ctx = t.gateway.gateway.context;
    const started = await fetch(`${t.url}/v2/acme/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    const location = new URL(started.headers.get('location')!, t.url).toString();
    const chunk = randomBytes(4096);
    onNextCall(ctx.uploads, 'append', async () => {
      throw fullDisk('write', secretPath);
    });
    const patch = () => fetch(location, { method: 'PATCH', body: chunk, headers: { 'content-type': 'application/octet-stream', 'content-range': `0-${chunk.length - 1}` } });
    await assertFullDiskAnswer(await patch());
    // Nothing was lost: the session is still there, at offset 0, and takes the same chunk again.
    const status = await fetch(location);
    assert.equal(status.status, 204);
    assert.equal(status.headers.get('range'), '0-0');
    assert.equal((await patch()).status, 202);
  });
});
