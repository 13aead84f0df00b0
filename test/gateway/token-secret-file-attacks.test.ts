// The gateway's token signing secret, `<data dir>/gateway/token-secret`, against someone who can
// write into the data dir before the gateway first starts (a shared volume, a directory under
// /tmp). A symlink planted at the name of the temporary file the new secret is written to would
// send the key to a file the planter reads, or overwrite a file of the operator's; one planted at
// `token-secret` itself would have the gateway sign with a key the planter chose. And a secret
// file others may read, or one that is no plain file, is refused at start with its fix.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, mock, test } from 'node:test';
import { resolveAuth } from '../../src/gateway/auth/auth-options';

const VICTIM_TEXT = '# the operator\'s own file\n';
const root = mkdtempSync(join(tmpdir(), 'hcr-token-secret-'));
let cases = 0;

/** A fresh `<data dir>/gateway` directory, and one outside it for the files an attacker aims at. */
function dirs(): { gateway: string; victims: string; secretFile: string } {
  const base = join(root, String(cases++));
  const gateway = join(base, 'data', 'gateway');
  const victims = join(base, 'victims');
  mkdirSync(gateway, { recursive: true });
  mkdirSync(victims, { recursive: true });
  return { gateway, victims, secretFile: join(gateway, 'token-secret') };
}

const start = (secretFile: string) => resolveAuth(undefined, { service: '127.0.0.1:5000', secretFile });

/** Names a writer could choose when its random part is known: the one the gateway used before (pid and 32 random bits), the one it uses now, and common fixed ones. */
function predictableNames(knownRandom: Buffer): string[] {
  const pid = process.pid;
  return [
    `token-secret.${pid}.${knownRandom.subarray(0, 4).toString('hex')}.tmp`,
    `.token-secret.${knownRandom.subarray(0, 16).toString('hex')}.partial`,
    `token-secret.${pid}.tmp`,
    'token-secret.tmp',
    'token-secret.new',
    'token-secret.partial',
    '.token-secret.partial',
    'token-secret~',
  ];
}

/** Symlinks at `names`, half to an existing file of the operator's, half to a path that does not exist yet. */
function plant(gateway: string, victims: string, names: string[]): () => void {
  names.forEach((name, i) => {
    const target = join(victims, `victim-${i}`);
    if (i % 2 === 0) writeFileSync(target, VICTIM_TEXT);
    symlinkSync(target, join(gateway, name));
  });
  return () =>
    names.forEach((name, i) => {
      const target = join(victims, `victim-${i}`);
      if (i % 2 === 0) assert.equal(readFileSync(target, 'utf8'), VICTIM_TEXT, `written through the symlink at ${name}`);
      else assert.ok(!existsSync(target), `the secret was written through the symlink at ${name}`);
      assert.ok(lstatSync(join(gateway, name)).isSymbolicLink(), `${name} was replaced`);
    });
}

after(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => mock.restoreAll());

describe('writing a new token secret into a data dir others can write', () => {
  test('a symlink planted at every name the writer could choose is not written through, even with its random part known', () => {
    const { gateway, victims, secretFile } = dirs();
    // What an attacker who knew (or guessed) the random bits would plant: the exclusive create
    // alone must then stop the write.
    const known = Buffer.alloc(64, 0xab);
    mock.method(crypto, 'randomBytes', (size: number) => known.subarray(0, size));
    const names = predictableNames(known);
    const untouched = plant(gateway, victims, names);

    let failure: unknown;
    try {
      start(secretFile);
    } catch (error) {
      failure = error;
    }

    untouched();
    assert.match(String(failure), /^Error: cannot write a new token secret beside .*token-secret \(EEXIST.*\): .*chmod 700 /);
    assert.ok(!existsSync(secretFile), 'no secret file was made from a known key');
    assert.deepEqual(readdirSync(gateway).sort(), [...names].sort(), 'nothing else is left behind');
  });

  test('with its usual random name the secret is written beside the planted symlinks, whole, mode 0600, nothing left behind', () => {
    const { gateway, victims, secretFile } = dirs();
    const names = predictableNames(Buffer.alloc(16));
    const untouched = plant(gateway, victims, names);
    const opened: { flags: unknown; mode: unknown }[] = [];
    const fs = require('node:fs') as typeof import('node:fs');
    const openSync = fs.openSync;
    mock.method(fs, 'openSync', (path: string, flags: unknown, mode: unknown) => {
      if (String(path).includes('.partial')) opened.push({ flags, mode });
      return openSync(path, flags as string, mode as number);
    });

    const auth = start(secretFile);

    untouched();
    assert.deepEqual(opened, [{ flags: 'wx', mode: 0o600 }], 'created exclusively, mode 0600 from its creation on');
    assert.ok(lstatSync(secretFile).isFile());
    assert.equal(statSync(secretFile).mode & 0o777, 0o600);
    assert.deepEqual(readFileSync(secretFile), auth.secret);
    assert.equal(auth.secret.length, 32);
    assert.deepEqual(readdirSync(gateway).sort(), ['token-secret', ...names].sort());
    mock.restoreAll();
    assert.deepEqual(start(secretFile).secret, auth.secret, 'the next start reads the same secret');
  });
});

describe('an existing token secret that cannot be trusted is refused at start, with its fix', () => {
  const SECRET = Buffer.alloc(32, 0x5a);

  test('a symlink at token-secret, to a file others read, or to nothing yet', () => {
    const { gateway, victims, secretFile } = dirs();
    const chosen = join(victims, 'chosen-key');
    writeFileSync(chosen, SECRET, { mode: 0o600 });
    symlinkSync(chosen, secretFile);
    assert.throws(() => start(secretFile), /^Error: the token secret .*token-secret is a symbolic link to .*chosen-key, .*replace the link with a copy of the file \(cp --remove-destination .*; chmod 600 .*\), or delete it to have a new secret generated$/);

    rmSync(secretFile);
    const dangling = join(victims, 'not-yet');
    symlinkSync(dangling, secretFile);
    assert.throws(() => start(secretFile), /is a symbolic link to .*not-yet/);
    assert.ok(!existsSync(dangling), 'nothing was written through the link');
    assert.deepEqual(readdirSync(gateway), ['token-secret']);
  });

  test('a secret file others may read or write: chmod 600 named', () => {
    const { secretFile } = dirs();
    writeFileSync(secretFile, SECRET);
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      chmodSync(secretFile, mode);
      assert.throws(
        () => start(secretFile),
        (error: Error) => {
          assert.match(error.message, new RegExp(`^the token secret .*token-secret has mode 0${mode.toString(8)}, so users other than the gateway's may read or change it, .*: chmod 600 .*token-secret \\(and if others could read it, delete it`));
          return true;
        },
      );
    }
    chmodSync(secretFile, 0o600);
    assert.deepEqual(start(secretFile).secret, SECRET, 'once fixed, the gateway starts on it');
    chmodSync(secretFile, 0o400);
    assert.deepEqual(start(secretFile).secret, SECRET, 'read-only to its owner is fine');
  });

  test('a secret file that belongs to another user', { skip: process.getuid?.() !== 0 && 'needs root to give the file away' }, () => {
    const { secretFile } = dirs();
    writeFileSync(secretFile, SECRET, { mode: 0o600 });
    chownSync(secretFile, 4242, 4242);
    assert.throws(() => start(secretFile), /^Error: the token secret .*token-secret belongs to user 4242, not to the gateway's user \(0\): .*chown 0 .*, else delete it/);
  });

  test('a directory or a named pipe at token-secret is refused at once, not read (a pipe would hold the start up for ever)', () => {
    const { secretFile } = dirs();
    mkdirSync(secretFile);
    assert.throws(() => start(secretFile), /^Error: the token secret .*token-secret is a directory, not a regular file: remove it to have a new secret generated/);
    rmSync(secretFile, { recursive: true });
    execFileSync('mkfifo', ['-m', '600', secretFile]);
    assert.throws(() => start(secretFile), /is a named pipe, not a regular file/);
  });

  test('a short file is still refused as too short to be a key, whatever its mode', () => {
    const { secretFile } = dirs();
    writeFileSync(secretFile, 'changeme\n', { mode: 0o644 });
    assert.throws(() => start(secretFile), /holds 9 bytes, fewer than the 32 .*\(umask 077; head -c 32 \/dev\/urandom > .*token-secret\)/);
  });
});
