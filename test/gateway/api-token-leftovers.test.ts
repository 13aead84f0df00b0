// A gateway that dies mid-change leaves beside api-tokens.json a lock it had moved aside as stale
// (`api-tokens.json.lock.<hex>.stale`) or a token file it had not yet renamed into place
// (`.api-tokens.json.<hex>.partial`). Those unchanged for longer than the lock's staleness bound go,
// at start and as the lock is taken, each logged; younger ones (a writer at work) and files of
// other names stay.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { LOCK_STALE_MS } from '../../src/file-io/lock-file';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const STALE_MS = 300;
const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(Math.random() * 16).toString(16)).join('');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a crashed change leaves: a lock moved aside as stale, a token file never renamed into place. */
function leftovers(gatewayDir: string): string[] {
  const names = [`api-tokens.json.lock.${hex(16)}.stale`, `.api-tokens.json.${hex(32)}.partial`];
  for (const name of names) writeFileSync(join(gatewayDir, name), '{"tokens":[');
  return names;
}

/** Names that look alike but are not this file's leftovers: never touched. */
const OTHERS = ['api-tokens.json.lock', `other.json.lock.${hex(16)}.stale`, `.api-tokens.json.bak.${hex(32)}.partial`, `.token-secret.${hex(32)}.partial`, `api-tokens.json.lock.${hex(15)}.stale`];

describe('leftovers of API token changes whose process died', () => {
  let dir: string;
  let n = 0;
  const freshGatewayDir = () => {
    const gatewayDir = join(dir, `data-${++n}`, 'gateway');
    mkdirSync(gatewayDir, { recursive: true });
    return gatewayDir;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-token-leftovers-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('as the lock is taken, those older than the staleness bound go, with a log line each; young ones stay until they are old, and other names for good', async () => {
    const gatewayDir = freshGatewayDir();
    const file = join(gatewayDir, 'api-tokens.json');
    const logs: string[] = [];
    const tokens = new ApiTokens(file, { staleMs: STALE_MS, log: (line) => logs.push(line) });
    const old = leftovers(gatewayDir);
    await sleep(STALE_MS + 200);
    const young = leftovers(gatewayDir);
    // Another file's leftovers, and names only like these, stay: here, and in another directory
    // (with a lock file of that name, as this one's is held while the sweep runs).
    const otherDir = freshGatewayDir();
    for (const name of OTHERS) writeFileSync(join(otherDir, name), '');
    for (const name of OTHERS.slice(1)) writeFileSync(join(gatewayDir, name), '');

    const { token } = tokens.create(ALICE, { name: 'ci', scopes: ['read'], createdBy: 'login' });
    const left = readdirSync(gatewayDir);
    assert.deepEqual(old.filter((name) => left.includes(name)), [], 'the old leftovers are gone');
    assert.deepEqual(young.filter((name) => !left.includes(name)), [], 'the young ones stay');
    assert.deepEqual(OTHERS.slice(1).filter((name) => !left.includes(name)), [], 'other names stay');
    assert.deepEqual(logs.sort(), old.map((name) => `api tokens: removed ${name}, left by a change whose process died`).sort());
    assert.equal(tokens.verify(token).name, 'ci');

    // Once the young ones are old too, a later change removes them.
    await sleep(STALE_MS + 200);
    tokens.create(ALICE, { name: 'later', scopes: ['read'], createdBy: 'login' });
    const after = readdirSync(gatewayDir);
    assert.deepEqual(young.filter((name) => after.includes(name)), []);
    assert.deepEqual(OTHERS.slice(1).filter((name) => !after.includes(name)), []);
    assert.deepEqual(readdirSync(otherDir).sort(), [...OTHERS].sort());
  });

  test('a temporary file its writer keeps writing is never removed, however long it writes', async () => {
    const gatewayDir = freshGatewayDir();
    const file = join(gatewayDir, 'api-tokens.json');
    const tokens = new ApiTokens(file, { staleMs: STALE_MS, log: () => undefined });
    const [, partial] = leftovers(gatewayDir);
    const path = join(gatewayDir, partial);
    // Written to every 50 ms for four staleness bounds, with a change (and its look for
    // leftovers) between writes.
    for (const until = Date.now() + 4 * STALE_MS; Date.now() < until;) {
      appendFileSync(path, ' ');
      tokens.create(ALICE, { name: 'ci', scopes: ['read'], createdBy: 'login' });
      tokens.removeLeftovers();
      assert.ok(existsSync(path), 'the writer\'s file is there');
      await sleep(50);
    }
  });

  test('a gateway starting removes those older than the lock\'s own staleness bound (10 s), and keeps younger ones', { timeout: 60_000 }, async () => {
    const gatewayDir = freshGatewayDir();
    const old = leftovers(gatewayDir);
    await sleep(LOCK_STALE_MS + 500);
    const young = leftovers(gatewayDir);
    const logs: string[] = [];
    const { apiTokens } = openLoginsAndTokens(gatewayDir, (line) => logs.push(line));
    const left = readdirSync(gatewayDir);
    assert.deepEqual(old.filter((name) => left.includes(name)), [], 'the old leftovers are gone');
    assert.deepEqual(young.filter((name) => !left.includes(name)), [], 'the young ones stay');
    assert.deepEqual(logs.sort(), old.map((name) => `api tokens: removed ${name}, left by a change whose process died`).sort());
    const { token } = apiTokens.create(ALICE, { name: 'after', scopes: ['read'], createdBy: 'login' });
    assert.equal(apiTokens.verify(token).name, 'after');
  });
});
