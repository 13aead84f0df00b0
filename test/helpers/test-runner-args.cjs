// The command line run-all.js starts Node's test runner with, kept apart so a test can start the
// runner exactly as `npm test` does and check what its report counts.
const { join } = require('node:path');

const blockingReportPipe = join(__dirname, 'blocking-report-pipe.cjs');

/** Node's arguments for a test run of `files`, `concurrency` files at a time. */
function testRunnerArgs(concurrency, files) {
  return [
    '--import', 'tsx',
    // For --test-force-exit: without it a file's last results can be lost (see the module).
    '--require', blockingReportPipe,
    '--test', `--test-concurrency=${concurrency}`, '--test-timeout=600000',
    // A file's process ends once its tests have, instead of waiting for timers its clients leave
    // behind (polkadot.js holds each shared subscription 1.75 s after its last reader).
    '--test-force-exit',
    ...files,
  ];
}

module.exports = { testRunnerArgs };
