// Loaded into every test process by `--require` (from test-runner-args.cjs; unlike `--import` it
// also reaches the runner's own process): the runner that `npm test` starts and each test file's.
// With --test-force-exit, Node's runner calls process.exit() as soon as its last test has run and
// its reporter has closed, but the report may still be on its way out: frames in the reporter's
// own streams, or bytes the stdout pipe could not take yet (on Linux Node writes to a pipe without
// blocking and keeps the rest). Both are lost at exit: a file's last results vanished from the
// report and the run passed with fewer tests counted than ran (nodejs/node#64833; here up to 17 of
// the 49 cases of log-line-forging.test.ts), or the runner's own summary was cut. So stdout blocks
// on a full pipe, and the runner's forced exit waits until nothing has been written for a moment
// (at most a few seconds) before it exits.
const { stdout } = process;
if (!stdout.isTTY && stdout._handle && typeof stdout._handle.setBlocking === 'function') stdout._handle.setBlocking(true);

const QUIET_MS = 50;
const MOST_MS = 5000;
let lastWrite = Date.now();
const write = stdout.write;
stdout.write = function writeNoted(...args) {
  lastWrite = Date.now();
  return write.apply(this, args);
};

const exit = process.exit;
process.exit = function exitOnceReportIsOut(code) {
  // Only the runner's forced exit waits: any other caller (a test's own code included) keeps
  // process.exit as it is. The stack's third line is the caller's frame.
  const caller = (new Error().stack ?? '').split('\n')[2] ?? '';
  if (!caller.includes('node:internal/test_runner/')) return exit.call(process, code);
  if (code !== undefined) process.exitCode = code;
  const giveUpAt = Date.now() + MOST_MS;
  const timer = setInterval(() => {
    const now = Date.now();
    if ((now - lastWrite >= QUIET_MS && stdout.writableLength === 0) || now >= giveUpAt) {
      clearInterval(timer);
      exit.call(process);
    }
  }, 10);
};
