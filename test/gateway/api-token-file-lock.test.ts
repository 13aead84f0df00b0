// Gateway processes sharing a data dir share `api-tokens.json`, and each changes it from what it
// read. Without a lock, two changes at once each write their own copy and one is lost: a token
// minted through one gateway is unknown, or a token revoked through one works again. Every change
// is made under the lock file beside it; a lock left by a process that died holding it is taken
// over, and one a live process holds too long is an error naming the lock file, not a hang.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { LockFileBusyError, withLockFileSync } from '../../src/file-io/lock-file';

const ACCOUNTS = ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY', '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y'];
const TOKENS_MODULE = JSON.stringify(join(__dirname, '../../src/gateway/auth/api-tokens.ts'));
const LOCK_MODULE = JSON.stringify(join(__dirname, '../../src/file-io/lock-file.ts'));

/** Runs `script` in a process of its own; what it printed, as JSON. */
const run = (script: string) => new Promise<unknown>((resolve, reject) => {
  execFile(process.execPath, ['--import', 'tsx', '-e', script], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
});

interface Churn {
  readonly kept: string[];
  readonly revoked: string[];
  readonly errors: string[];
}

describe('one API token file changed by several processes', () => {
  let dir: string;
  let n = 0;
  const freshFile = () => join(dir, `tokens-${++n}`, 'api-tokens.json');
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-token-file-lock-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A gateway process's tokens on `file`: once `go` exists, `rounds` times mints two tokens and
   * revokes the first, with up to a millisecond between rounds. Prints the tokens kept, those revoked, and any change
   * refused (a revocation of a token its own mint lost).
   */
  const churnScript = (file: string, go: string, name: string, rounds: number) => `
    const { existsSync } = require('node:fs');
    const { ApiTokens } = require(${TOKENS_MODULE});
    const tokens = new ApiTokens(${JSON.stringify(file)});
    const accounts = ${JSON.stringify(ACCOUNTS)};
    const kept = [], revoked = [], errors = [];
    const giveUpAt = Date.now() + 30_000;
    while (!existsSync(${JSON.stringify(go)}) && Date.now() < giveUpAt);
    for (let i = 0; i < ${rounds}; i++) {
      // A moment between requests, as a gateway has: changes back to back with no gap at all
      // would measure how unfair a lock file is to a waiter, not whether changes are lost.
      for (const until = performance.now() + Math.random(); performance.now() < until;);
      const account = accounts[i % accounts.length];
      try {
        const first = tokens.create(account, { name: '${name}-' + i + '-revoked', scopes: ['read'], createdBy: 'login' });
        const second = tokens.create(account, { name: '${name}-' + i + '-kept', scopes: ['publish'], createdBy: 'login' });
        kept.push(second.token);
        tokens.revoke(account, first.info.id);
        revoked.push(first.token);
      } catch (error) {
        errors.push(error.message);
      }
    }
    process.stdout.write(JSON.stringify({ kept, revoked, errors }));
  `;

  test('two processes minting and revoking at once lose no change: every kept token works, every revoked one is refused', async () => {
    const file = freshFile();
    const go = join(dir, `go-${n}`);
    // 2 processes × 120 rounds keep 80 working tokens per account, under the 100 allowed.
    const churning = [run(churnScript(file, go, 'one', 120)), run(churnScript(file, go, 'two', 120))];
    // Both are started (tsx loaded) before they go, so that their changes interleave.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(go, '');
    const results = (await Promise.all(churning)) as Churn[];
    const check = new ApiTokens(file);
    const works = (token: string) => {
      try {
        check.verify(token);
        return true;
      } catch {
        return false;
      }
    };
    const kept = results.flatMap((r) => r.kept);
    const revoked = results.flatMap((r) => r.revoked);
    // All three at once, so that a failure shows every kind of change lost.
    assert.deepEqual({
      keptThatFail: kept.filter((token) => !works(token)).length,
      revokedThatWork: revoked.filter(works).length,
      changesRefused: results.flatMap((r) => r.errors),
    }, { keptThatFail: 0, revokedThatWork: 0, changesRefused: [] });
    assert.deepEqual([kept.length, revoked.length], [240, 240]);
    assert.ok(!existsSync(`${file}.lock`), 'the lock is released');
  });

  test('a lock left by a process that died holding it is taken over at once, with a log line', () => {
    const file = freshFile();
    const tokens = new ApiTokens(file);
    const { token: before } = tokens.create(ACCOUNTS[0], { name: 'before', scopes: ['read'], createdBy: 'login' });
    // A gateway killed (SIGKILL: no finally runs) while it holds the lock.
    const crashed = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      require(${LOCK_MODULE}).withLockFileSync(${JSON.stringify(`${file}.lock`)}, () => process.kill(process.pid, 'SIGKILL'));
    `]);
    assert.equal(crashed.signal, 'SIGKILL', crashed.stderr.toString());
    const left = JSON.parse(readFileSync(`${file}.lock`, 'utf8')) as { pid: number };
    assert.equal(left.pid, crashed.pid);

    const logs: string[] = [];
    const started = Date.now();
    const { token, info } = new ApiTokens(file, { log: (line) => logs.push(line) }).create(ACCOUNTS[0], { name: 'after', scopes: ['read'], createdBy: 'login' });
    assert.ok(Date.now() - started < 1000, 'no wait for a holder that is gone');
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0], new RegExp(`lock file .*api-tokens\\.json\\.lock: took over a stale lock \\(process ${crashed.pid} is gone\\)`));
    assert.ok(!existsSync(`${file}.lock`), 'the lock is released after the change');
    assert.equal(tokens.verify(token).id, info.id);
    assert.equal(tokens.verify(before).name, 'before', 'the change was made on the file as it was');
  });

  test('a lock a live process holds past the wait is LockFileBusyError naming the lock file, and changes nothing', () => {
    const file = freshFile();
    const tokens = new ApiTokens(file, { waitMs: 300 });
    const { info } = tokens.create(ACCOUNTS[0], { name: 'ci', scopes: ['read'], createdBy: 'login' });
    const lockFile = `${file}.lock`;
    // This very process holds it (alive, and the lock is fresh): as a replica stuck mid-write would.
    withLockFileSync(lockFile, () => {
      const started = Date.now();
      assert.throws(() => tokens.revoke(ACCOUNTS[0], info.id), (error: unknown) => {
        assert.ok(error instanceof LockFileBusyError, String(error));
        assert.equal(error.lockFile, lockFile);
        assert.ok(error.message.includes(lockFile), error.message);
        assert.match(error.message, new RegExp(`held by process ${process.pid} .*retry shortly`));
        return true;
      });
      const waited = Date.now() - started;
      assert.ok(waited >= 300 && waited < 2000, `waited ${waited} ms`);
      assert.throws(() => tokens.create(ACCOUNTS[0], { name: 'other', scopes: ['read'], createdBy: 'login' }), LockFileBusyError);
    });
    assert.deepEqual(tokens.list(ACCOUNTS[0]).map((t) => [t.name, t.revokedAt]), [['ci', null]]);
  });
});
