// The indexer's children (processor, GraphQL server, content indexer) stop when the process that
// started them is killed without stopping them (SIGKILL, a crash), instead of living on with
// their ports and database connections; a child that is done still exits by itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TYPESCRIPT_NODE_ARGS } from '../../src/config/typescript-runner';

const PARENT = join(__dirname, 'fixtures', 'parent-of-child.ts');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the parent and resolves once the line matching `pattern` appears, with the lines so far. */
function startParent(childScript: string) {
  const parent = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, PARENT, childScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: parent.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const lineMatching = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
      waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  return { parent, lineMatching };
}

describe('a child of the indexer', () => {
  it('stops, through its own SIGTERM handling, when its parent is killed with SIGKILL', async () => {
    const { parent, lineMatching } = startParent('child-waiting.ts');
    const pid = Number(/child (\d+)/.exec(await lineMatching(/^child \d+$/))![1]);
    await lineMatching(/\[child\] ready/);
    assert.equal(isAlive(pid), true);
    parent.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    assert.equal(isAlive(pid), false, 'the child outlived its parent by 10 s');
  });

  it('that is done exits by itself: the channel to its parent does not hold it open', async () => {
    const { parent, lineMatching } = startParent('child-done.ts');
    try {
      await lineMatching(/\[child\] done/);
      assert.equal(await lineMatching(/^child exited/), 'child exited 0');
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
