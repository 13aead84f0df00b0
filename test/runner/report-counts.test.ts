// `npm test`'s summary is what CI reads: its count must be every test that ran, and a failure must
// be reported by name wherever it falls in its file. Node's runner with --test-force-exit ends each
// file's process at its last test, and can lose the results still on their way to the runner
// (nodejs/node#64833): fast files with many cases lost their tail, and the run still passed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { testRunnerArgs } = require('../helpers/test-runner-args.cjs') as { testRunnerArgs: (concurrency: string, files: string[]) => string[] };

const FILES = 6;
const CASES = 100;
const dir = mkdtempSync(join(tmpdir(), 'hcr-report-counts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the files as `npm test` does, outside this test's own runner (whose context it would join). */
function runAsNpmTest(files: string[]) {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, testRunnerArgs('2', files), { encoding: 'utf8', env, maxBuffer: 256 * 1024 * 1024 });
}

/** Test files of many quick cases with long names: results faster than a busy runner reads them. */
function writeFiles(failLast: boolean): string[] {
  return Array.from({ length: FILES }, (_, n) => {
    const file = join(dir, `quick-${n}-${failLast ? 'fails' : 'passes'}.test.cjs`);
    const last = failLast && n === FILES - 1 ? `if (i === ${CASES - 1}) throw new Error('the last case of the last file fails');` : '';
    writeFileSync(file, `const { test } = require('node:test');\nfor (let i = 0; i < ${CASES}; i++) test(\`case \${i} \${'x'.repeat(20000)}\`, () => { ${last} });\n`);
    return file;
  });
}

function summary(output: string, field: string): number {
  const match = new RegExp(`^# ${field} (\\d+)$`, 'm').exec(output);
  assert.ok(match, `the report has its "# ${field}" line`);
  return Number(match[1]);
}

describe("npm test's report", () => {
  test('counts every test of files whose results come faster than the runner reads them', () => {
    const files = writeFiles(false);
    // Without the blocking pipe, each of these runs lost 7 to 11 of the 600 results here.
    for (let run = 0; run < 3; run++) {
      const result = runAsNpmTest(files);
      assert.equal(result.status, 0, result.stderr.slice(0, 2000));
      assert.equal(summary(result.stdout, 'tests'), FILES * CASES, `run ${run + 1}: every test counted`);
      assert.equal(summary(result.stdout, 'pass'), FILES * CASES);
    }
  });

  test("names a failure in a file's last case, and fails the run", () => {
    const files = writeFiles(true);
    for (let run = 0; run < 2; run++) {
      const result = runAsNpmTest(files);
      assert.equal(result.status, 1);
      assert.equal(summary(result.stdout, 'fail'), 1, `run ${run + 1}: the one failure counted, not more, not less`);
      // assert.ok on a boolean: the report is megabytes, too large to put in an assertion's message.
      assert.ok(/^not ok \d+ - case 99 x+$/m.test(result.stdout), `run ${run + 1}: the failing case is named`);
      assert.ok(result.stdout.includes('the last case of the last file fails'), `run ${run + 1}: with its error`);
      assert.equal(summary(result.stdout, 'tests'), FILES * CASES);
    }
  });
});
