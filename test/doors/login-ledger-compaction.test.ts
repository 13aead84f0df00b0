// The login ledger's log holds what is still needed: at each start the marks of expired logins
// leave it (it would otherwise keep every nonce a gateway taking each login once ever saw, read
// whole at each start), while marks of logins still valid stay in force, and a start cut short
// loses nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LoginLedger } from '../../src/gateway/auth/login-ledger';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';

describe('the login ledger\'s log', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-login-ledger-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('keeps only the marks of logins not yet expired, which stay in force', () => {
    const file = join(dir, 'login-nonces.log');
    const past = Date.now() - 60_000;
    const future = Date.now() + 3_600_000;
    const expired = Array.from({ length: 5000 }, (_, i) => `used ${ALICE}:${i.toString(16).padStart(32, '0')} ${past}`);
    writeFileSync(file, [...expired, `revoked ${ALICE}:${'a'.repeat(32)} ${future}`, `used ${ALICE}:${'b'.repeat(32)} ${future}`, ''].join('\n'));
    const ledger = new LoginLedger(file);
    const kept = readFileSync(file, 'utf8').trim().split('\n');
    // The count first: a diff of thousands of lines would take the assertion minutes to print.
    assert.equal(kept.length, 2, `the log holds ${kept.length} lines`);
    // A `used` line written back says so (no claim: `-`; written back once): see login-ledger.ts.
    assert.deepEqual(kept.sort(), [`revoked ${ALICE}:${'a'.repeat(32)} ${future}`, `used ${ALICE}:${'b'.repeat(32)} ${future} - 1`]);
    assert.equal(ledger.isRevoked(ALICE, 'a'.repeat(32)), true);
    assert.equal(ledger.use(ALICE, 'b'.repeat(32), new Date(future)), false, 'a used login is still refused as a replay');
    assert.equal(ledger.use(ALICE, 'c'.repeat(32), new Date(future)), true);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.aside')), [], 'nothing is left set aside');
    // And it is read again as written.
    assert.equal(new LoginLedger(file).isRevoked(ALICE, 'a'.repeat(32)), true);
    assert.equal(new LoginLedger(file).use(ALICE, 'c'.repeat(32), new Date(future)), false);
  });

  test('a set-aside log left by a start cut short is read and folded back', () => {
    const file = join(dir, 'other-nonces.log');
    const future = Date.now() + 3_600_000;
    writeFileSync(`${file}.0123456789ab.aside`, `revoked ${ALICE}:${'d'.repeat(32)} ${future}\n`);
    const ledger = new LoginLedger(file);
    assert.equal(ledger.isRevoked(ALICE, 'd'.repeat(32)), true);
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.aside')), []);
    assert.match(readFileSync(file, 'utf8'), new RegExp(`revoked ${ALICE}:d{32}`));
  });
});
