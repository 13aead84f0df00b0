// Gateway processes sharing one data dir share the login ledger's log: a login revoked through one
// is refused by the others, a login taken once (loginTokenReuse: once) through one is a replay for
// the others, even when they take it at the same moment, and a log compacted (replaced) by a
// process starting, or a line another process is still appending, is read right.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LoginLedger } from '../../src/gateway/auth/login-ledger';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const nonce = (c: string) => c.repeat(32);

describe('one login ledger log shared by two gateway processes', () => {
  let dir: string;
  let n = 0;
  const freshFile = () => join(dir, `login-nonces-${++n}.log`);
  const future = () => new Date(Date.now() + 3_600_000);

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-login-ledger-shared-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const LEDGER_MODULE = JSON.stringify(join(__dirname, '../../src/gateway/auth/login-ledger.ts'));

  /**
   * A process starting a gateway every few milliseconds on `file` (each start compacts the log),
   * from when it writes `ready` until `done` exists: hundreds of starts where a deployment sees one
   * now and then. It prints how many it made.
   */
  const starterScript = (file: string, ready: string, done: string) => `
    const { existsSync, writeFileSync } = require('node:fs');
    const { LoginLedger } = require(${LEDGER_MODULE});
    let starts = 0;
    writeFileSync(${JSON.stringify(ready)}, '');
    const giveUpAt = Date.now() + 100_000;
    while (!existsSync(${JSON.stringify(done)}) && Date.now() < giveUpAt) {
      new LoginLedger(${JSON.stringify(file)});
      starts++;
      for (const until = Date.now() + 5; Date.now() < until;);
    }
    process.stdout.write(JSON.stringify(starts));
  `;

  /**
   * A gateway process's ledger on `file`, which waits for `ready` and then runs `body` (with
   * `ledger`, and `expires` an hour ahead, in scope).
   */
  const ledgerScript = (file: string, ready: string, body: string) => `
    const { existsSync } = require('node:fs');
    const { LoginLedger } = require(${LEDGER_MODULE});
    const ledger = new LoginLedger(${JSON.stringify(file)});
    const expires = new Date(Date.now() + 3_600_000);
    while (!existsSync(${JSON.stringify(ready)}));
    ${body}
  `;

  /** Runs `script` in a process of its own; what it printed, as JSON. */
  const run = (script: string) => new Promise<unknown>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '-e', script], (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
  });

  /**
   * Runs the ledger scripts `workers` gives (each told the file that says go) while another process
   * starts a gateway on `file` again and again; what each printed, and how many starts there were.
   */
  const runWhileStarting = async (file: string, workers: (ready: string) => string[]): Promise<{ outputs: unknown[]; starts: number }> => {
    const ready = `${file}.starter-ready`;
    const done = `${file}.workers-done`;
    const starting = run(starterScript(file, ready, done));
    const outputs = await Promise.all(workers(ready).map(run)).finally(() => writeFileSync(done, ''));
    return { outputs, starts: (await starting) as number };
  };

  test('a login revoked through one is revoked for the other, and not written again', () => {
    const file = freshFile();
    const a = new LoginLedger(file);
    const b = new LoginLedger(file);
    assert.equal(b.isRevoked(ALICE, nonce('a')), false);
    a.revoke(ALICE, nonce('a'), future());
    assert.equal(b.isRevoked(ALICE, nonce('a')), true, 'B refuses the login A revoked');
    assert.equal(b.isRevoked(ALICE, nonce('b')), false, 'other logins still work');
    let told = 0;
    b.onRevoked(() => told++);
    b.revoke(ALICE, nonce('a'), future());
    assert.equal(told, 1, 'listeners are told again');
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1, 'a login revoked again is not written again');
    assert.equal(b.use(ALICE, nonce('a'), future()), false, 'a revoked login is not taken');
  });

  test('in single-use mode a login taken through one is a replay for the other', () => {
    const file = freshFile();
    const a = new LoginLedger(file);
    const b = new LoginLedger(file);
    assert.equal(a.use(ALICE, nonce('c'), future()), true);
    assert.equal(b.use(ALICE, nonce('c'), future()), false, 'B refuses the login A took');
    assert.equal(a.use(ALICE, nonce('c'), future()), false);
    assert.equal(b.use(ALICE, nonce('d'), future()), true);
    assert.equal(a.use(ALICE, nonce('d'), future()), false, 'and A the one B took');
    // Expired marks written elsewhere are not taken in.
    appendFileSync(file, `revoked ${ALICE}:${nonce('e')} ${Date.now() - 1000}\n`);
    assert.equal(a.isRevoked(ALICE, nonce('e')), false);
  });

  test('a log replaced by a compaction is read whole again', () => {
    const file = freshFile();
    const a = new LoginLedger(file);
    const b = new LoginLedger(file);
    a.revoke(ALICE, nonce('1'), future());
    assert.equal(b.isRevoked(ALICE, nonce('1')), true);
    // Another process compacts: the log is set aside and a fresh, shorter file written in its
    // place (another inode), holding marks B has not seen.
    const expiry = future().getTime();
    renameSync(file, `${file}.aside-test`);
    writeFileSync(file, `revoked ${ALICE}:${nonce('2')} ${expiry}\n`);
    assert.equal(b.isRevoked(ALICE, nonce('2')), true, 'a mark in the replacing file is taken in');
    assert.equal(b.isRevoked(ALICE, nonce('1')), true, 'marks read before stay');
    // Replaced in place, shorter than what was read (the same inode, cut and rewritten).
    writeFileSync(file, `used ${ALICE}:${nonce('3')} ${expiry}\n`);
    assert.equal(b.use(ALICE, nonce('3'), future()), false, 'a log cut shorter is read from its start');
    // The log gone for a moment (set aside, not yet written back): what was read is kept.
    rmSync(file);
    assert.equal(b.isRevoked(ALICE, nonce('2')), true);
    writeFileSync(file, `revoked ${ALICE}:${nonce('4')} ${expiry}\n`);
    assert.equal(b.isRevoked(ALICE, nonce('4')), true, 'the log written back is read');
  });

  test('a line still being appended is taken once complete, not half', () => {
    const file = freshFile();
    const b = new LoginLedger(file);
    const expiry = String(future().getTime());
    const line = `revoked ${ALICE}:${nonce('5')} ${expiry}`;
    // Half the line: its nonce cut short would be another (unknown) key, its expiry cut short a
    // past time. Neither is taken, and the half is not consumed.
    appendFileSync(file, line.slice(0, line.length - 6));
    assert.equal(b.isRevoked(ALICE, nonce('5')), false, 'no newline yet: not taken');
    appendFileSync(file, line.slice(line.length - 6));
    assert.equal(b.isRevoked(ALICE, nonce('5')), false, 'still no newline: not taken');
    appendFileSync(file, '\n');
    assert.equal(b.isRevoked(ALICE, nonce('5')), true, 'the completed line is taken whole');
    // Cut inside the nonce: the key read early would be another one.
    const cut = `revoked ${ALICE}:${nonce('6')} ${expiry}\n`;
    appendFileSync(file, cut.slice(0, 60));
    assert.equal(b.isRevoked(ALICE, nonce('6')), false);
    appendFileSync(file, cut.slice(60));
    assert.equal(b.isRevoked(ALICE, nonce('6')), true);
    // And a new process reading the log at its start takes in both.
    assert.equal(new LoginLedger(file).isRevoked(ALICE, nonce('6')), true);
  });

  test('in single-use mode a login taken at the same moment through several processes is taken by one of them alone', { timeout: 60_000 }, async () => {
    const file = freshFile();
    new LoginLedger(file);
    const NONCES = 300;
    const PROCESSES = 4;
    // Each process takes the same nonces in the same order from the same instant: without a
    // decision by the log itself, two would often both find a nonce unused and both take it.
    const startAt = Date.now() + 1500;
    const script = `
      const { LoginLedger } = require(${LEDGER_MODULE});
      const ledger = new LoginLedger(${JSON.stringify(file)});
      const expires = new Date(Date.now() + 3_600_000);
      while (Date.now() < ${startAt});
      const taken = [];
      for (let i = 0; i < ${NONCES}; i++) if (ledger.use(${JSON.stringify(ALICE)}, String(i).padStart(32, '0'), expires)) taken.push(i);
      process.stdout.write(JSON.stringify(taken));
    `;
    const runs = (await Promise.all(Array.from({ length: PROCESSES }, () => run(script)))) as number[][];
    const takers = new Map<number, number>();
    for (const taken of runs) for (const i of taken) takers.set(i, (takers.get(i) ?? 0) + 1);
    const twice = [...takers].filter(([, count]) => count > 1).map(([i]) => i);
    assert.deepEqual(twice, [], `nonces taken by more than one process: ${twice.length}`);
    assert.equal(takers.size, NONCES, 'a nonce no process took');
    assert.equal(new LoginLedger(file).use(ALICE, '0'.repeat(32), future()), false, 'a nonce taken is a replay afterwards');
  });

  test('in single-use mode a login taken just before another process starts is a replay while that start compacts the log', () => {
    const file = freshFile();
    const a = new LoginLedger(file);
    const b = new LoginLedger(file);
    assert.equal(a.use(ALICE, nonce('8'), future()), true);
    // A third process starting has set the log aside (compaction's first step) and not yet
    // written its live lines back: b, which has not read a's line, finds a new, empty log.
    renameSync(file, `${file}.0123456789ab.aside`);
    assert.equal(b.use(ALICE, nonce('8'), future()), false, 'the line in the log set aside came first');
    // The start finishes (here: the next start reads every set-aside log back): still one taker.
    const c = new LoginLedger(file);
    assert.equal(c.use(ALICE, nonce('8'), future()), false);
    assert.equal(a.use(ALICE, nonce('8'), future()), false);
    assert.equal(b.use(ALICE, nonce('9'), future()), true, 'another login is taken as before');
  });

  test('in single-use mode no login is taken twice, and none used once is refused, while other processes start and compact the log', { timeout: 120_000 }, async () => {
    const file = freshFile();
    new LoginLedger(file);
    const NONCES = 400;
    // The takers go once the starter runs, and it runs until they are done: however long each
    // process takes to load on a busy machine, the log is compacted all the while they take.
    const taker = (ready: string, from: number) => ledgerScript(file, ready, `
      const taken = [];
      for (let i = ${from}; i < ${from + NONCES}; i++) if (ledger.use(${JSON.stringify(ALICE)}, String(i).padStart(32, '0'), expires)) taken.push(i);
      process.stdout.write(JSON.stringify(taken));
    `);
    // Three processes take the same nonces at once (a token replayed through each), a fourth takes
    // nonces no other process uses (one login each, as a client does).
    const { outputs, starts } = await runWhileStarting(file, (ready) => [taker(ready, NONCES), taker(ready, 0), taker(ready, 0), taker(ready, 0)]);
    const [alone, ...runs] = outputs as [number[], ...number[][]];
    assert.ok(starts > 10, `the log was compacted again and again meanwhile (${starts} starts)`);
    const takers = new Map<number, number>();
    for (const taken of runs) for (const i of taken) takers.set(i, (takers.get(i) ?? 0) + 1);
    const twice = [...takers].filter(([, count]) => count > 1).map(([i]) => i);
    assert.deepEqual(twice, [], `nonces taken by more than one process: ${twice.length}`);
    // A nonce claimed by several at the very moment a start moves the log can be refused to all of
    // them (the safe side of a replay); one claimed once is never refused.
    assert.equal(alone.length, NONCES, `logins used once that were refused: ${NONCES - alone.length}`);
    assert.ok(takers.size > 0);
  });

  test('no logout made while other processes start is lost: every one is in force afterwards, in every process', { timeout: 120_000 }, async () => {
    const file = freshFile();
    new LoginLedger(file);
    const NONCES = 2000;
    // A start sets the log aside and removes it once written back: a line whose write landed in it
    // after the start had read it would go with it, and the login it revoked work again.
    const revoker = (ready: string, from: number) => ledgerScript(file, ready, `
      for (let i = ${from}; i < ${from + NONCES}; i++) ledger.revoke(${JSON.stringify(ALICE)}, String(i).padStart(32, '0'), expires);
      process.stdout.write('0');
    `);
    const { starts } = await runWhileStarting(file, (ready) => [revoker(ready, 0), revoker(ready, NONCES)]);
    assert.ok(starts > 10, 'the log was compacted again and again meanwhile');
    const afterwards = new LoginLedger(file);
    const forgotten = Array.from({ length: 2 * NONCES }, (_, i) => i).filter((i) => !afterwards.isRevoked(ALICE, String(i).padStart(32, '0')));
    assert.deepEqual(forgotten.slice(0, 10), [], `logouts forgotten: ${forgotten.length}`);
  });

  test('an over-long garbage line is skipped, and the lines after it are taken', () => {
    const file = freshFile();
    const b = new LoginLedger(file);
    appendFileSync(file, 'x'.repeat(200_000));
    assert.equal(b.isRevoked(ALICE, nonce('7')), false);
    appendFileSync(file, `${'y'.repeat(100)}\nrevoked ${ALICE}:${nonce('7')} ${future().getTime()}\n`);
    assert.equal(b.isRevoked(ALICE, nonce('7')), true);
  });
});
