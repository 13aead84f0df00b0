// The gateway trusts what its data dir holds (its token secret, cached blobs, logs of what it
// recorded). A data dir every user may write, or another user's, lets anyone on the host plant
// those files; one the gateway cannot write failed later with EACCES stack traces. `hcr gateway`
// refuses both at start, before it reaches for the chain, naming the fix; data dirs the project
// creates itself always pass.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, mock, test } from 'node:test';
import { DataDirError, openDataDir } from '../../src/file-io/data-dir';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';

const root = mkdtempSync(join(tmpdir(), 'hcr-data-dir-'));
let cases = 0;
const fresh = () => join(root, String(cases++));

after(() => {
  chmodSync(root, 0o700);
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => mock.restoreAll());

function refusal(dir: string, inside: string[] = []): string {
  try {
    openDataDir(dir, inside);
  } catch (error) {
    assert.ok(error instanceof DataDirError, String(error));
    return error.message;
  }
  return assert.fail(`${dir} was accepted`);
}

describe('the gateway\'s data dir', { timeout: 60_000 }, () => {
  test('a missing one is created with its folders, closed to other users, and passes', () => {
    const dir = join(fresh(), 'data');
    // Even under umask 0 (some containers), what the gateway creates is closed to others.
    const umask = process.umask(0);
    try {
      openDataDir(dir, [join(dir, 'gateway'), join(dir, 'ipfs')]);
    } finally {
      process.umask(umask);
    }
    for (const path of [dir, join(dir, 'gateway'), join(dir, 'ipfs')]) assert.equal(statSync(path).mode & 0o777, 0o700, path);
    openDataDir(dir, [join(dir, 'gateway'), join(dir, 'ipfs')]);
  });

  test('one every user may write, or a folder in it, is refused with chmod 700', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'gateway'), { recursive: true });
    chmodSync(dir, 0o777);
    assert.equal(
      refusal(dir),
      `the data dir ${dir} has mode 0777, so every user on this host may create files in it, and plant ones the gateway trusts (its token secret, cached blobs): chmod 700 ${dir}`,
    );
    chmodSync(dir, 0o1777);
    assert.match(refusal(dir), /has mode 1777, .*: chmod 700 /);
    chmodSync(dir, 0o755);
    openDataDir(dir);
    chmodSync(join(dir, 'gateway'), 0o757);
    assert.match(refusal(dir, [join(dir, 'gateway')]), new RegExp(`^the data dir ${join(dir, 'gateway')} has mode 0757, .*: chmod 700 ${join(dir, 'gateway')}$`));
  });

  test('another user\'s is refused, naming the owner and the fix', () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    // A root-owned data dir is trusted (root may plant anything anyway): as root, give it away.
    if (process.getuid!() === 0) chownSync(dir, 4242, 4242);
    const uid = statSync(dir).uid;
    // As if the gateway ran as another user than the data dir's owner.
    mock.method(process as { getuid: () => number }, 'getuid', () => uid + 1000);
    assert.match(refusal(dir), new RegExp(`^the data dir ${dir} belongs to user ${uid}, not to the gateway's user \\(${uid + 1000}\\): .*chown -R ${uid + 1000} ${dir} .*--data-dir \\(HCR_DATA_DIR\\)$`));
  });

  test('one the gateway cannot write, or a file in its place, is refused at once', { skip: process.getuid?.() === 0 && 'root may write anywhere' }, () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o500 });
    assert.match(refusal(dir), new RegExp(`^the gateway's user \\(\\d+\\) cannot write to the data dir ${dir} \\(EACCES\\): chmod 700 ${dir} and chown \\d+ ${dir}, or give a writable one with --data-dir \\(HCR_DATA_DIR\\)$`));
    assert.match(refusal(join(dir, 'new')), /^cannot create the data dir .*\/new \(EACCES\): create it as the gateway's user \(mkdir -m 700 .*\), or give another with --data-dir \(HCR_DATA_DIR\)$/);
    const file = join(fresh());
    writeFileSync(file, '');
    assert.match(refusal(file), /is not a directory: move the file away, or give another data dir with --data-dir/);
  });

  test('hcr gateway: exit 2 with the message before it connects to the chain, no stack trace', async () => {
    const dir = fresh();
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const env: NodeJS.ProcessEnv = { ...process.env, CHAIN_RPC: 'ws://127.0.0.1:1' };
    for (const name of ['HCR_CONFIG', 'IPFS_API', 'HCR_DATA_DIR', 'GATEWAY_SURI']) delete env[name];
    const run = await collect(spawnHcr(['gateway', '--data-dir', dir, '--port', '0'], env), 'gateway on an open data dir');
    expectExit(run, 2);
    assert.equal(run.stderr, `error: the data dir ${dir} has mode 0777, so every user on this host may create files in it, and plant ones the gateway trusts (its token secret, cached blobs): chmod 700 ${dir}\n`);
  });
});
