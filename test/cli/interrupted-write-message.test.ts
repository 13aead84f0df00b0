// Ctrl-C while hcr writes a file (`hcr login --write` into Docker's config.json, an export, a
// pull) removes the unfinished new copy and leaves the old file as it was. The message must say
// so: "the unfinished …/config.json was removed" read as if the user's config itself was gone.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, mock, test } from 'node:test';
import { partialFileFor } from '../../src/cli/partial-file';

const root = mkdtempSync(join(tmpdir(), 'hcr-interrupted-write-'));
let cases = 0;
after(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => mock.restoreAll());

/** Starts writing `target`, then delivers `signal` as the terminal would; returns what was printed and the exit code. */
async function interrupt(target: string, signal: NodeJS.Signals): Promise<{ stderr: string; exitCode: number | undefined }> {
  const partial = partialFileFor(target, { mode: 0o600 });
  await once(partial.stream, 'open');
  await new Promise((resolve) => partial.stream.write('{"auths":{"half', resolve));
  let stderr = '';
  let exitCode: number | undefined;
  mock.method(process.stderr, 'write', (chunk: string) => ((stderr += chunk), true));
  mock.method(process, 'exit', (code: number) => void (exitCode = code));
  process.emit(signal, signal);
  mock.restoreAll();
  await partial.discard();
  return { stderr, exitCode };
}

describe('the message of a write cut short by a signal', () => {
  test('over an existing config.json: the unfinished new copy was removed, config.json itself not changed', async () => {
    const dir = join(root, String(cases++));
    mkdirSync(dir);
    const config = join(dir, 'config.json');
    writeFileSync(config, '{"auths":{}}\n');

    const { stderr, exitCode } = await interrupt(config, 'SIGINT');

    assert.equal(exitCode, 130);
    assert.equal(stderr, `\nSIGINT: stopped; the unfinished new copy of ${config} was removed: ${config} itself was not changed\n`);
    assert.equal(readFileSync(config, 'utf8'), '{"auths":{}}\n');
    assert.deepEqual(readdirSync(dir), ['config.json']);
  });

  test('where no file was yet: it says the file was not created', async () => {
    const dir = join(root, String(cases++));
    mkdirSync(dir);
    const out = join(dir, 'acme.car');

    const { stderr, exitCode } = await interrupt(out, 'SIGTERM');

    assert.equal(exitCode, 143);
    assert.equal(stderr, `\nSIGTERM: stopped; the unfinished new copy of ${out} was removed: ${out} was not created\n`);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(dir), []);
  });
});
