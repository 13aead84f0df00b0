// hcr artifact push and pull draw a progress bar on stderr for long transfers: on a terminal only
// (scripts, pipes and --json get none), at most ten times a second, ending at 100% on a line of
// its own.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar } from '../../src/cli/commands/artifact/progress';

/** What `work` writes to stderr. */
function stderrOf(work: () => void): string[] {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    work();
  } finally {
    process.stderr.write = write;
  }
  return written;
}

describe('the artifact progress bar', () => {
  it('redraws one line in place with the share, the bytes and the rate, and ends at 100% with a newline', () => {
    const total = 8 * 1024 * 1024;
    const written = stderrOf(() => {
      const progress = progressBar('pushing firmware.bin', total, { enabled: true });
      for (let sent = 0; sent < total; sent += 64 * 1024) progress.add(64 * 1024);
      progress.done();
    });
    // 128 chunks within a few milliseconds: the first draw, then the final one.
    assert.ok(written.length <= 4, `drawn ${written.length} times`);
    const lines = written.filter((chunk) => chunk !== '\n');
    for (const line of lines) {
      assert.match(line, /^\rpushing firmware\.bin \[[#.]{30}\] +\d+% [\d.]+ (B|KiB|MiB) of 8\.0 MiB, [\d.]+ (B|KiB|MiB|GiB)\/s\x1b\[K$/);
    }
    assert.match(lines.at(-1)!, /\[#{30}\] 100% 8\.0 MiB of 8\.0 MiB/);
    assert.equal(written.at(-1), '\n');
  });

  it('without a known size shows the bytes and the rate alone', () => {
    const written = stderrOf(() => {
      const progress = progressBar('pulling acme/sensor:1.0.0', undefined, { enabled: true });
      progress.add(3000);
      progress.done();
    });
    assert.match(written.at(-2)!, /^\rpulling acme\/sensor:1\.0\.0 2\.9 KiB, [\d.]+ (B|KiB|MiB|GiB)\/s\x1b\[K$/);
  });

  it('draws nothing when stderr is no terminal, as under a script or a pipe', () => {
    assert.equal(process.stderr.isTTY, undefined, 'the test runner gives its files no terminal');
    const written = stderrOf(() => {
      const progress = progressBar('pushing big.bin', 64 * 1024 * 1024);
      progress.add(64 * 1024 * 1024);
      progress.done();
    });
    assert.deepEqual(written, []);
  });
});
