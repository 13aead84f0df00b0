#!/usr/bin/env node
// Runs every test file under test/ with Node's test runner (Node 20's --test takes no globs).
// Arguments narrow the run to files whose path contains any of them: `npm test -- devnet`.
const { readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { spawn } = require('node:child_process');
const { createInterface } = require('node:readline');
const { testRunnerArgs } = require('./helpers/test-runner-args.cjs');

const root = join(__dirname, '..');

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' || name === 'helpers' ? [] : find(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const filters = process.argv.slice(2);
// HCR_TEST_EXCLUDE leaves out files whose path contains any of its comma-separated parts: CI's
// second pass, on another Node, leaves out the page's browser suites, whose code runs in the browser.
const excluded = (process.env.HCR_TEST_EXCLUDE ?? '').split(',').map((part) => part.trim()).filter(Boolean);
const matching = find(__dirname).filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
const files = matching.filter((file) => !excluded.some((part) => file.includes(part))).sort();
if (files.length < matching.length) console.error(`leaving out ${matching.length - files.length} test files matching HCR_TEST_EXCLUDE (${excluded.join(', ')})`);
if (files.length === 0) {
  console.error(`no test files match ${filters.join(', ')}${excluded.length ? ` outside HCR_TEST_EXCLUDE (${excluded.join(', ')})` : ''}`);
  process.exit(2);
}

// The report streams through as it comes; the failures' details are repeated at its end, where a
// reader of a long log (or of its last lines only) finds why, not just which.
const failures = [];
let open; // the failure block being read: its indentation and lines
function remember(line) {
  if (open) {
    open.lines.push(line);
    if (line === `${open.indent}  ...`) {
      if (!open.lines.some((l) => l.includes("failureType: 'cancelledByParent'"))) failures.push(open.lines.slice(0, 60));
      open = undefined;
    }
    return;
  }
  const match = /^(\s*)not ok \d+ - /.exec(line);
  if (match) open = { indent: match[1], lines: [line] };
}

// Two files at a time: most of a file's time is spent waiting (for blocks, servers, engines), and
// two fit these 2-core machines (a whole pass in about two thirds of the time of one at a time).
// HCR_TEST_CONCURRENCY sets another number, e.g. 1 to rule out two files disturbing each other.
const concurrency = process.env.HCR_TEST_CONCURRENCY ?? '2';
if (!/^[1-9][0-9]?$/.test(concurrency)) {
  console.error(`HCR_TEST_CONCURRENCY is "${concurrency}": give a number of test files to run at once, from 1 to 99`);
  process.exit(2);
}

const child = spawn(process.execPath, testRunnerArgs(concurrency, files), { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
createInterface({ input: child.stdout }).on('line', (line) => {
  process.stdout.write(`${line}\n`);
  remember(line);
});
child.on('close', (code, signal) => {
  if (failures.length > 0) {
    process.stdout.write(`# ${failures.length} failed (tests, suites or hooks), their details again:\n`);
    for (const [first, ...rest] of failures) {
      process.stdout.write(`# failed: ${first.replace(/^\s*not ok \d+ - /, '')}\n`);
      for (const line of rest) if (!/^\s*(---|\.\.\.)$/.test(line)) process.stdout.write(`#   ${line.trim()}\n`);
    }
  }
  process.exit(code ?? (signal ? 1 : 0));
});
