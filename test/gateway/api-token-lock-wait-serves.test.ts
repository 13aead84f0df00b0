// A gateway whose API token file's lock another process holds keeps serving everything else while a
// mint or a revocation waits for it: the wait is on timers, not a blocked thread. A lock released
// within the bound lets the waiting change go through; one held past it makes the change a 503
// with Retry-After, as before, and in neither case does a health probe or a pull wait on it. A
// logout (POST /token/revoke, through LoginLedger.revokeAsync) waits for the lock the same way, its
// revocation recorded before it waits.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LockFileBusyError, withLockFile } from '../../src/file-io/lock-file';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';
import { OciError } from '../../src/gateway/errors/oci-error';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { loginHeader, mintToken } from '../doors/helpers/tokens';
import { watchEventLoop } from '../helpers/event-loop-watch';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const LOCK_MODULE = JSON.stringify(join(__dirname, '../../src/file-io/lock-file.ts'));

/** A process holding `lockFile` for `holdMs` (then letting go and exiting); resolves once it holds it. */
async function holdLock(lockFile: string, holdMs: number): Promise<ChildProcess> {
  const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
    require(${LOCK_MODULE}).withLockFileSync(${JSON.stringify(lockFile)}, () => {
      process.stdout.write('held');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
    });
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  // A holder that fails before it holds the lock fails the test rather than leave it waiting.
  const [chunk] = (await Promise.race([once(holder.stdout!, 'data'), once(holder, 'exit').then(([code]) => assert.fail(`the lock holder exited with ${code} before holding ${lockFile}`))])) as [Buffer];
  assert.equal(chunk.toString(), 'held');
  return holder;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The longest the event loop may go without a timer while a wait goes on: room for a busy test
 * machine, and far below a blocking wait, which stalls it for the whole hold (800 ms and more here).
 */
const STALL_MS = 400;

/** The longest stall watched: after a timer has had its turn, so a stall just before counts too. */
async function stopWatching(watch: ReturnType<typeof watchEventLoop>): Promise<number> {
  await pause(30);
  return watch.stop();
}

/** Asks `url` every 100 ms until `done` settles; how long each answer took (any answer but a 5xx). */
async function probeUntil(url: string, done: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void done.finally(() => (settled = true)).catch(() => undefined);
  const took: number[] = [];
  while (!settled) {
    const started = performance.now();
    const response = await fetch(url);
    await response.arrayBuffer();
    assert.ok(response.status < 500, `${url} answered ${response.status}`);
    took.push(performance.now() - started);
    await pause(100);
  }
  return took;
}

describe('waiting for a lock file held by another process', () => {
  let dir: string;
  const holders: ChildProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-lock-wait-'));
  });
  after(() => {
    for (const holder of holders) holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('withLockFile leaves the event loop running while it waits, and runs the work once the holder lets go', async () => {
    const lockFile = join(dir, 'released.lock');
    holders.push(await holdLock(lockFile, 800));
    const watch = watchEventLoop();
    const started = performance.now();
    const result = await withLockFile(lockFile, () => 'done');
    const waited = performance.now() - started;
    const longestStall = await stopWatching(watch);
    assert.equal(result, 'done');
    assert.ok(waited > 400, `it waited for the holder (${Math.round(waited)} ms)`);
    assert.ok(longestStall < STALL_MS, `the event loop stalled for ${Math.round(longestStall)} ms while waiting`);
  });

  test('withLockFile gives up after waitMs with LockFileBusyError, the event loop running meanwhile', async () => {
    const lockFile = join(dir, 'kept.lock');
    const holder = await holdLock(lockFile, 60_000);
    holders.push(holder);
    const watch = watchEventLoop();
    const started = performance.now();
    await assert.rejects(withLockFile(lockFile, () => 'never', { waitMs: 600 }), (error: unknown) => {
      assert.ok(error instanceof LockFileBusyError, String(error));
      assert.match(error.message, new RegExp(`held by process ${holder.pid} `));
      return true;
    });
    const waited = performance.now() - started;
    const longestStall = await stopWatching(watch);
    assert.ok(waited >= 590 && waited < 5_000, `gave up after ${Math.round(waited)} ms`);
    assert.ok(longestStall < STALL_MS, `the event loop stalled for ${Math.round(longestStall)} ms while waiting`);
  });
});

describe('a logout through LoginLedger.revokeAsync while another process holds the token file\'s lock', () => {
  const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
  let dir: string;
  let n = 0;
  const holders: ChildProcess[] = [];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-lock-wait-logout-'));
  });
  after(() => {
    for (const holder of holders) holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** A gateway's ledger and tokens, with a token minted with the login `nonce`. */
  const withMinted = (nonce: string) => {
    const data = join(dir, `gateway-${++n}`);
    const opened = openLoginsAndTokens(data, () => undefined);
    const minted = opened.apiTokens.create(ALICE, { name: 'ci', scopes: ['read'], createdBy: 'login', loginNonce: nonce });
    return { ...opened, minted, lockFile: join(data, 'api-tokens.json.lock') };
  };

  test('records the revocation at once, leaves the event loop running while it waits, then revokes what the login minted', async () => {
    const nonce = 'a'.repeat(32);
    const { logins, apiTokens, minted, lockFile } = withMinted(nonce);
    holders.push(await holdLock(lockFile, 800));
    const watch = watchEventLoop();
    const started = performance.now();
    const logout = logins.revokeAsync(ALICE, nonce, new Date(Date.now() + 3_600_000));
    assert.equal(logins.isRevokedNow(ALICE, nonce), true, 'the revocation is in the ledger before the tokens are looked for');
    await logout;
    const waited = performance.now() - started;
    const longestStall = await stopWatching(watch);
    assert.ok(waited > 400, `it waited for the holder (${Math.round(waited)} ms)`);
    assert.ok(longestStall < STALL_MS, `the event loop stalled for ${Math.round(longestStall)} ms while the logout waited`);
    assert.throws(() => apiTokens.verify(minted.token), /revoked .*with the login it was minted with/);
  });

  test('fails as a retryable 503 after the wait bound, the event loop running meanwhile, and the token revoked by the logout sent again', async () => {
    const nonce = 'b'.repeat(32);
    const { logins, apiTokens, minted, lockFile } = withMinted(nonce);
    const holder = await holdLock(lockFile, 60_000);
    holders.push(holder);
    const watch = watchEventLoop();
    await assert.rejects(logins.revokeAsync(ALICE, nonce, new Date(Date.now() + 3_600_000)), (error: unknown) => {
      assert.ok(error instanceof OciError && error.code === 'UNAVAILABLE' && error.headers['Retry-After'], String(error));
      assert.ok(error.message.includes(lockFile), error.message);
      return true;
    });
    const longestStall = await stopWatching(watch);
    assert.ok(longestStall < STALL_MS, `the event loop stalled for ${Math.round(longestStall)} ms while the logout waited`);
    assert.equal(logins.isRevokedNow(ALICE, nonce), true);
    assert.equal(apiTokens.verify(minted.token).id, minted.info.id, 'nothing was revoked without the lock');
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    await logins.revokeAsync(ALICE, nonce, new Date(Date.now() + 3_600_000));
    assert.throws(() => apiTokens.verify(minted.token), /revoked/);
  });
});

describe('a gateway whose API token file is locked by another process', () => {
  let t: TestGateway;
  const holders: ChildProcess[] = [];
  before(async () => {
    t = await startTestGateway({ auth: { anonymousPull: false } });
  });
  after(async () => {
    for (const holder of holders) holder.kill('SIGKILL');
    await t?.close();
  });

  const lockFile = () => join(t.dataDir, 'gateway', 'api-tokens.json.lock');
  const post = async (name: string) => fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: await loginHeader(t.keys.alice, t.gateway.service) }, body: JSON.stringify({ name, scopes: ['read'] }) });

  test('answers health probes and /v2/ promptly while a mint and a revocation wait, and the changes go through once the lock is let go', async () => {
    const other = await mintToken(t.url, t.gateway.service, t.keys.alice, ['read'], 'device');
    const holder = await holdLock(lockFile(), 1_500);
    holders.push(holder);
    const mintHeader = await loginHeader(t.keys.alice, t.gateway.service);
    const revokeHeader = await loginHeader(t.keys.alice, t.gateway.service);
    const started = performance.now();
    const mint = fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: mintHeader }, body: JSON.stringify({ name: 'waited', scopes: ['read'] }) });
    const revoke = fetch(`${t.url}/api/tokens/${other.id}`, { method: 'DELETE', headers: { authorization: revokeHeader } });
    const both = Promise.all([mint, revoke]);
    const [health, v2] = await Promise.all([probeUntil(`${t.url}/healthz`, both), probeUntil(`${t.url}/v2/`, both)]);
    const [minted, revoked] = await both;
    const waited = performance.now() - started;

    assert.equal(minted.status, 201, await minted.clone().text());
    assert.equal(revoked.status, 200, await revoked.clone().text());
    assert.ok(waited > 1_000, `the changes waited for the holder (${Math.round(waited)} ms)`);
    const slowest = Math.max(...health, ...v2);
    assert.ok(slowest < 200, `a probe took ${Math.round(slowest)} ms while the changes waited (${health.map(Math.round).join(', ')})`);
    assert.ok(health.length >= 5, `probed ${health.length} times while the changes waited`);
    if (holder.exitCode === null) await once(holder, 'exit');

    const { token } = (await minted.json()) as { token: string };
    const list = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(list.status, 403, 'the token minted after the wait is known (and refused only for its scope)');
    const gone = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${other.token}` } });
    assert.equal(gone.status, 401, 'the token revoked after the wait is refused');
  });

  test('answers health probes promptly while a logout waits to revoke what its login minted, and the token is revoked once the lock is let go', async () => {
    const login = await createLoginToken(t.keys.alice, t.gateway.service, { ttlSeconds: 600 });
    const minted = await fetch(`${t.url}/api/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basicCredentials(t.keys.alice.address, login) }, body: JSON.stringify({ name: 'ci', scopes: ['read'] }) });
    assert.equal(minted.status, 201, await minted.clone().text());
    const { token } = (await minted.json()) as { token: string };
    const holder = await holdLock(lockFile(), 1_500);
    holders.push(holder);
    const logout = fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { authorization: basicCredentials(t.keys.alice.address, login) } });
    const health = await probeUntil(`${t.url}/healthz`, logout);
    const answered = await logout;
    assert.equal(answered.status, 204, await answered.text());
    const slowest = Math.max(...health);
    assert.ok(slowest < 200, `a probe took ${Math.round(slowest)} ms while the logout waited (${health.map(Math.round).join(', ')})`);
    assert.ok(health.length >= 5, `probed ${health.length} times while the logout waited`);
    const gone = await fetch(`${t.url}/api/tokens`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(gone.status, 401, 'the token the login minted is revoked with it');
    if (holder.exitCode === null) await once(holder, 'exit');
  });

  test('answers health probes promptly while a mint waits out the bound, and the mint is then a 503 with Retry-After', async () => {
    const holder = await holdLock(lockFile(), 60_000);
    holders.push(holder);
    const started = performance.now();
    const mint = post('never');
    const health = await probeUntil(`${t.url}/healthz`, mint);
    const response = await mint;
    const waited = performance.now() - started;
    const body = (await response.json()) as { error?: { code: string; message: string } };
    assert.deepEqual([response.status, response.headers.get('retry-after'), body.error?.code], [503, '1', 'UNAVAILABLE'], JSON.stringify(body));
    assert.ok(body.error!.message.includes(lockFile()), body.error!.message);
    assert.ok(waited >= 1_900 && waited < 10_000, `answered after ${Math.round(waited)} ms`);
    const slowest = Math.max(...health);
    assert.ok(slowest < 200, `a probe took ${Math.round(slowest)} ms while the mint waited (${health.map(Math.round).join(', ')})`);
    assert.ok(health.length >= 10, `probed ${health.length} times while the mint waited`);
    holder.kill('SIGKILL');
    await once(holder, 'exit');
  });
});
