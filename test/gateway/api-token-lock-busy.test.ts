// The API token file's lock held by another process that does not let go (a replica stuck
// mid-write) makes minting, revoking and logging out a retryable 503 naming the lock file, after a
// bounded wait: never a hang, never a 500. Once that process is gone, its lock is taken over (the
// gateway log says so) and the same requests succeed.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { loginHeader, mintToken } from '../doors/helpers/tokens';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const LOCK_MODULE = JSON.stringify(join(__dirname, '../../src/file-io/lock-file.ts'));

/** A process holding `lockFile` until it is killed; resolves once it holds it. */
async function holdLock(lockFile: string): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
    require(${LOCK_MODULE}).withLockFileSync(${JSON.stringify(lockFile)}, () => {
      process.stdout.write('held');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    });
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(holder.stdout!, 'data')) as [Buffer];
  assert.equal(chunk.toString(), 'held');
  return holder;
}

describe('the API token file locked by a process that does not let go', () => {
  let t: TestGateway;
  let holder: ChildProcess | undefined;
  before(async () => {
    t = await startTestGateway({ auth: { anonymousPull: false } });
  });
  after(async () => {
    holder?.kill('SIGKILL');
    await t?.close();
  });

  test('minting, revoking and logging out answer 503 with Retry-After naming the lock file, and work once the holder is gone', async () => {
    const alice = t.keys.alice;
    const login = await createLoginToken(alice, t.gateway.service, { ttlSeconds: 600 });
    // A token minted with `login`: logging that login out revokes it, under the lock.
    const minted = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicCredentials(alice.address, login) }, body: JSON.stringify({ name: 'ci', scopes: ['read'] }) });
    assert.equal(minted.status, 201, await minted.clone().text());
    const ci = (await minted.json()) as { id: string; token: string };
    const other = await mintToken(t.url, t.gateway.service, alice, ['read'], 'device');
    const lockFile = join(t.dataDir, 'gateway', 'api-tokens.json.lock');
    holder = await holdLock(lockFile);

    const started = Date.now();
    const mint = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await loginHeader(alice, t.gateway.service) }, body: JSON.stringify({ name: 'later', scopes: ['read'] }) });
    const waited = Date.now() - started;
    const mintBody = (await mint.json()) as { error?: { code: string; message: string } };
    assert.deepEqual([mint.status, mint.headers.get('retry-after'), mintBody.error?.code], [503, '1', 'UNAVAILABLE'], JSON.stringify(mintBody));
    assert.ok(mintBody.error!.message.includes(lockFile), mintBody.error!.message);
    assert.match(mintBody.error!.message, new RegExp(`held by process ${holder.pid} .*retry shortly`));
    assert.ok(waited < 10_000, `answered after ${waited} ms`);

    const revoke = await fetch(`${t.url}/api/tokens/${other.id}`, { method: 'DELETE', headers: { authorization: await loginHeader(alice, t.gateway.service) } });
    const revokeBody = (await revoke.json()) as { error?: { code: string; message: string } };
    assert.deepEqual([revoke.status, revoke.headers.get('retry-after'), revokeBody.error?.code], [503, '1', 'UNAVAILABLE']);
    assert.ok(revokeBody.error!.message.includes(lockFile), revokeBody.error!.message);

    const logout = await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: basicCredentials(alice.address, login) } });
    const logoutBody = await logout.text();
    assert.equal(logout.status, 503, logoutBody);
    assert.ok(logout.headers.get('retry-after'), 'a logout to send again');
    assert.ok(logoutBody.includes(lockFile), logoutBody);
    // Nothing was changed meanwhile: both tokens still work.
    for (const token of [ci.token, other.token]) {
      const list = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(list.status, 403, 'a read token is known (and refused only for its scope)');
    }

    // The holder dies without letting go: its lock is taken over at once.
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const again = await fetch(`${t.url}/api/tokens/${other.id}`, { method: 'DELETE', headers: { authorization: await loginHeader(alice, t.gateway.service) } });
    assert.equal(again.status, 200, await again.text());
    assert.ok(t.logs.some((line) => line.includes(`${lockFile}: took over a stale lock (process ${holder!.pid} is gone)`)), t.logs.join('\n'));
    const logoutAgain = await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: basicCredentials(alice.address, login) } });
    assert.equal(logoutAgain.status, 204, await logoutAgain.text());
    for (const token of [ci.token, other.token]) {
      const list = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(list.status, 401, 'a revoked token is refused');
    }
  });
});
