// The keystore password prompt (`--keyring FILE` without HCR_KEYRING_PASSWORD) puts the terminal
// in raw mode so that nothing typed is echoed. However it ends, the terminal must be given back
// as it was: a shell left in raw mode echoes nothing and takes no line. And end of input without
// Enter (Ctrl-D, or the terminal gone) must end the prompt with an error saying what to do, not
// send half a password, nor wait for ever (or, with nothing left to wait on, exit 0 unlocked by
// nothing). Checked on a real pseudo-terminal through `script` (util-linux), and on a stand-in
// terminal for what a pty cannot easily show (its input ending).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { canAskForPassword, readPasswordFromTerminal } from '../../src/cli/commands/space/password';
import { CliError } from '../../src/cli/errors';
import { BIN, ROOT } from './helpers/run-hcr';

const PASSWORD = 'correct horse';

/** A terminal's stand-in: raw mode recorded, input written by the test. */
class FakeTerminal extends PassThrough {
  readonly isTTY = true;
  readonly rawModes: boolean[] = [];
  setRawMode(mode: boolean): this {
    this.rawModes.push(mode);
    return this;
  }
}

function prompt() {
  const input = new FakeTerminal();
  let shown = '';
  const output = { isTTY: true, write: (text: string) => (shown += text) };
  const answer = readPasswordFromTerminal('password: ', { input, output });
  return { input, answer, shown: () => shown };
}

afterEach(() => mock.restoreAll());

describe('the password prompt on a stand-in terminal', () => {
  test('Enter gives the password typed (Backspace honoured), and the terminal leaves raw mode', async () => {
    const { input, answer, shown } = prompt();
    input.write('correct horsx');
    input.write('\u007fe\r');
    assert.equal(await answer, PASSWORD);
    assert.deepEqual(input.rawModes, [true, false]);
    assert.equal(shown(), 'password: \n');
  });

  test('Ctrl-D, even after some characters, ends the prompt with exit 2 and the fix; no half password is sent', async () => {
    const { input, answer } = prompt();
    input.write('corr\u0004');
    await assert.rejects(answer, (error: CliError) => {
      assert.equal(error.exitCode, 2);
      assert.equal(error.message, 'the input ended before Enter was pressed, so no password was read: type the password and press Enter, or set HCR_KEYRING_PASSWORD');
      return true;
    });
    assert.deepEqual(input.rawModes, [true, false]);
  });

  test('the end of the input without Enter ends the prompt the same way', { timeout: 5_000 }, async () => {
    const { input, answer } = prompt();
    input.end('half');
    await assert.rejects(answer, (error: CliError) => error.exitCode === 2 && /the input ended before Enter was pressed/.test(error.message));
    assert.deepEqual(input.rawModes, [true, false]);
  });

  test('a signal while it waits gives the terminal back, then exits as the signal would', () => {
    for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129], ['SIGINT', 130], ['SIGQUIT', 131]] as const) {
      const listeners = process.listenerCount(signal);
      const { input } = prompt();
      let exitCode: number | undefined;
      mock.method(process, 'exit', (exit: number) => void (exitCode = exit));
      process.emit(signal, signal);
      mock.restoreAll();
      assert.equal(exitCode, code, signal);
      assert.deepEqual(input.rawModes, [true, false], signal);
      assert.equal(process.listenerCount(signal), listeners, `${signal}: the prompt's handler is gone`);
    }
  });

  test('without a terminal on both sides it does not ask at all', () => {
    assert.equal(canAskForPassword({ input: Object.assign(new PassThrough(), { isTTY: false }), output: { isTTY: true, write: () => true } }), false);
    assert.equal(canAskForPassword({ input: new FakeTerminal(), output: { write: () => true } }), false);
  });
});

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('the password prompt on a pseudo-terminal', { skip: !hasScript && 'needs script (util-linux) for a pseudo-terminal', timeout: 60_000 }, () => {
  let dir: string;
  let keystore: string;
  before(async () => {
    await cryptoWaitReady();
    dir = mkdtempSync(join(tmpdir(), 'hcr-password-prompt-'));
    keystore = join(dir, 'alice.json');
    writeFileSync(keystore, JSON.stringify(new Keyring({ type: 'sr25519' }).addFromUri('//Alice').toJson(PASSWORD)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * `hcr login --keyring` on a pty, then what the pty's settings are once it exited: `stty` runs
   * in the same terminal afterwards. `act` runs once the prompt shows, with hcr's process id.
   */
  async function onPty(act: (child: ChildProcess, pid: number) => void): Promise<{ output: string; exit: number; raw: boolean }> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['HCR_KEYRING_PASSWORD', 'HCR_SURI', 'HCR_CONFIG', 'HCR_GATEWAY']) delete env[name];
    const inner = `sh -c 'echo PID:$$; exec "$0" "$@"' '${process.execPath}' '${BIN}' login --keyring '${keystore}' --print-token; echo EXIT:$?; stty -a`;
    const child = spawn('script', ['-qec', inner, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let acted = false;
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const pid = /PID:(\d+)/.exec(output)?.[1];
      if (!acted && pid && /password for /.test(output)) {
        acted = true;
        act(child, Number(pid));
      }
    });
    await new Promise((resolve) => child.on('close', resolve));
    const exit = Number(/EXIT:(\d+)/.exec(output)?.[1] ?? NaN);
    return { output, exit, raw: /(^|\s)-icanon\b/.test(output) || /(^|\s)-echo\b/.test(output) };
  }

  test('Ctrl-D ends the prompt with exit 2 and the fix, the terminal back in its normal mode', async () => {
    const run = await onPty((child) => child.stdin!.write('corr\u0004'));
    assert.equal(run.exit, 2, run.output);
    assert.match(run.output, /error: the input ended before Enter was pressed, so no password was read: type the password and press Enter, or set HCR_KEYRING_PASSWORD/);
    assert.equal(run.raw, false, `left in raw mode:\n${run.output}`);
  });

  test('SIGHUP or SIGTERM from another process while it waits: the terminal is given back', async () => {
    const [hangup, terminated] = await Promise.all([onPty((_child, pid) => process.kill(pid, 'SIGHUP')), onPty((_child, pid) => process.kill(pid, 'SIGTERM'))]);
    assert.equal(hangup.exit, 129, hangup.output);
    assert.equal(hangup.raw, false, `SIGHUP left the terminal in raw mode:\n${hangup.output}`);
    assert.equal(terminated.exit, 143, terminated.output);
    assert.equal(terminated.raw, false, `SIGTERM left the terminal in raw mode:\n${terminated.output}`);
  });

  test('Enter with the right password signs the login, nothing echoed', async () => {
    const run = await onPty((child) => child.stdin!.write(`${PASSWORD}\r`));
    assert.equal(run.exit, 0, run.output);
    assert.match(run.output, /hcr1\./);
    assert.doesNotMatch(run.output, new RegExp(PASSWORD));
    assert.equal(run.raw, false);
  });
});
