// Preloaded (`node --require`) into an `hcr` child by tests of its stall limit, so they need not
// wait the real 30 s: a request's idle timeout of exactly HCR_TEST_STALL_FROM ms (the limit the
// product sets, STALL_MS) runs for HCR_TEST_STALL_TO ms instead. Every idle timeout the child asks
// for is appended to HCR_TEST_STALL_LOG, one number a line, so the test still checks that the
// product asked for its 30 s limit. Anything else (other values, other timers) is untouched, and
// nothing is printed: the child's stdout, stderr and exit code stay the product's own.
const { appendFileSync } = require('node:fs');
const { ClientRequest } = require('node:http');

const from = Number(process.env.HCR_TEST_STALL_FROM);
const to = Number(process.env.HCR_TEST_STALL_TO);
const log = process.env.HCR_TEST_STALL_LOG;
if (!(from > 0) || !(to > 0) || !log) throw new Error('quick-stall.js needs HCR_TEST_STALL_FROM, HCR_TEST_STALL_TO and HCR_TEST_STALL_LOG');
for (const name of ['HCR_TEST_STALL_FROM', 'HCR_TEST_STALL_TO', 'HCR_TEST_STALL_LOG']) delete process.env[name];

const setTimeout = ClientRequest.prototype.setTimeout;
ClientRequest.prototype.setTimeout = function (msecs, ...rest) {
  appendFileSync(log, `${msecs}\n`);
  return setTimeout.call(this, msecs === from ? to : msecs, ...rest);
};
