// A mint with a login and that login's logout, through two gateways sharing a data dir: the mint's
// route finds the login valid, the logout (elsewhere) revokes it and looks for what it minted
// before the mint has written its token, and the mint then writes it. Without another look at the
// ledger under the token file's lock, the login is revoked and its token works. The mint asks
// again before and after writing: a token whose login went meanwhile is revoked at once, and the
// mint refused (401 at the route).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiTokenError, ApiTokens } from '../../src/gateway/auth/api-tokens';
import { openLoginsAndTokens } from '../../src/gateway/auth/login-revocation';

const ALICE = '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV';
const ACCOUNTS = [ALICE, '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y'];
const LINK_MODULE = JSON.stringify(join(__dirname, '../../src/gateway/auth/login-revocation.ts'));
const nonceOf = (round: number) => round.toString(16).padStart(32, '0');
const hourAhead = () => new Date(Date.now() + 3_600_000);

/** Runs `script` in a process of its own; what it printed, as JSON. */
const run = (script: string) => new Promise<unknown>((resolve, reject) => {
  execFile(process.execPath, ['--import', 'tsx', '-e', script], { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout))));
});

const works = (tokens: ApiTokens, token: string) => {
  try {
    tokens.verify(token);
    return true;
  } catch {
    return false;
  }
};

describe('a mint with a login racing that login\'s logout in another gateway process', () => {
  let dir: string;
  let n = 0;
  const freshDir = () => join(dir, `gateway-${++n}`);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hcr-login-logout-race-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a logout landing between the route\'s check of the login and the mint\'s write leaves no working token', () => {
    const data = freshDir();
    const minting = openLoginsAndTokens(data, () => undefined);
    const loggingOut = openLoginsAndTokens(data, () => undefined);
    const nonce = nonceOf(1);
    // The route's check (principalFrom) passes...
    assert.equal(minting.logins.isRevoked(ALICE, nonce), false);
    // ...then the other gateway logs the login out: it has minted nothing yet, so nothing is revoked.
    loggingOut.logins.revoke(ALICE, nonce, hourAhead());
    assert.throws(() => minting.apiTokens.create(ALICE, { name: 'ci', scopes: ['publish'], createdBy: 'login', loginNonce: nonce }), (error: unknown) => {
      assert.ok(error instanceof ApiTokenError && error.reason === 'login-revoked', String(error));
      assert.match(error.message, /revoked \(logged out\)/);
      return true;
    });
    assert.deepEqual(loggingOut.apiTokens.list(ALICE), [], 'nothing was written for it');
  });

  test('a logout landing while the mint holds the lock, after its first look: the token written is revoked before its secret is given out', () => {
    const data = freshDir();
    const minting = openLoginsAndTokens(data, () => undefined);
    const loggingOut = openLoginsAndTokens(data, () => undefined);
    const nonce = nonceOf(2);
    let looks = 0;
    // The other gateway's logout, run as the mint has just looked and found the login valid: its
    // search for what the login minted, made without the lock, finds nothing yet.
    minting.apiTokens.checkLoginsWith((address, asked) => {
      const revoked = minting.logins.isRevokedNow(address, asked);
      if (++looks === 1) loggingOut.logins.revoke(ALICE, nonce, hourAhead());
      return revoked;
    });
    assert.throws(() => minting.apiTokens.create(ALICE, { name: 'ci', scopes: ['publish'], createdBy: 'login', loginNonce: nonce }), (error: unknown) => error instanceof ApiTokenError && error.reason === 'login-revoked');
    assert.equal(looks, 2, 'looked before and after writing');
    const [written] = loggingOut.apiTokens.list(ALICE);
    assert.equal(written?.name, 'ci');
    assert.ok(written.revokedAt && written.revokedWithLogin, JSON.stringify(written));
  });

  test('two processes, one minting with each login again and again while the other logs it out: no token of a revoked login works afterwards', async (t) => {
    const data = freshDir();
    const go = join(dir, `go-${n}`);
    const rounds = 90;
    // Mints with login i until it is refused or seen revoked, as the route would, then goes on to
    // login i + 1. Prints every token it was given and how its mints ended.
    const minter = run(`
      const { existsSync } = require('node:fs');
      const { openLoginsAndTokens } = require(${LINK_MODULE});
      const { logins, apiTokens } = openLoginsAndTokens(${JSON.stringify(data)}, () => undefined);
      const accounts = ${JSON.stringify(ACCOUNTS)};
      const given = [], refused = { login: 0, busy: 0 }, errors = [];
      const giveUpAt = Date.now() + 60_000;
      while (!existsSync(${JSON.stringify(go)}) && Date.now() < giveUpAt);
      for (let round = 0; round < ${rounds} && Date.now() < giveUpAt; round++) {
        const account = accounts[round % accounts.length];
        const nonce = round.toString(16).padStart(32, '0');
        for (let k = 0; !logins.isRevoked(account, nonce) && Date.now() < giveUpAt; k++) {
          // A moment between requests, as a gateway has; and a few mints a login at most, then
          // only the wait for its logout (an account may have 100 tokens that work).
          for (const until = performance.now() + Math.random() * 0.5; performance.now() < until;);
          if (k >= 10) continue;
          try {
            given.push(apiTokens.create(account, { name: 'm-' + round + '-' + k, scopes: ['read'], createdBy: 'login', loginNonce: nonce }).token);
          } catch (error) {
            if (error.reason === 'login-revoked') { refused.login++; break; }
            if (error.name === 'LockFileBusyError') { refused.busy++; continue; }
            errors.push(error.message);
            break;
          }
        }
      }
      process.stdout.write(JSON.stringify({ given, refused, errors }));
    `);
    // Logs login i out a moment (0 to 2 ms) after its first token is in the file, while more are being minted.
    const loggerOut = run(`
      const { existsSync } = require('node:fs');
      const { openLoginsAndTokens } = require(${LINK_MODULE});
      const { logins, apiTokens } = openLoginsAndTokens(${JSON.stringify(data)}, () => undefined);
      const accounts = ${JSON.stringify(ACCOUNTS)};
      const errors = [];
      const giveUpAt = Date.now() + 60_000;
      while (!existsSync(${JSON.stringify(go)}) && Date.now() < giveUpAt);
      for (let round = 0; round < ${rounds} && Date.now() < giveUpAt; round++) {
        const account = accounts[round % accounts.length];
        const nonce = round.toString(16).padStart(32, '0');
        while (!apiTokens.list(account).some((t) => t.name.startsWith('m-' + round + '-')) && Date.now() < giveUpAt);
        for (const until = performance.now() + Math.random() * 2; performance.now() < until;);
        for (let attempt = 0; ; attempt++) {
          try {
            logins.revoke(account, nonce, new Date(Date.now() + 3_600_000));
            break;
          } catch (error) {
            // The token file's lock held too long: the logout is sent again, as a client would.
            if (attempt > 20) { errors.push(error.message); break; }
          }
        }
      }
      process.stdout.write(JSON.stringify({ errors }));
    `);
    // Both are started (tsx loaded) before they go, so that their changes interleave.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(go, '');
    const [minted, loggedOut] = (await Promise.all([minter, loggerOut])) as [{ given: string[]; refused: { login: number; busy: number }; errors: string[] }, { errors: string[] }];
    assert.deepEqual([minted.errors, loggedOut.errors], [[], []]);
    assert.ok(minted.given.length >= rounds, `a token at least for every login (${minted.given.length})`);
    t.diagnostic(`${minted.given.length} tokens minted, ${minted.refused.login} mints refused as their login went meanwhile, ${minted.refused.busy} found the lock busy`);
    const check = new ApiTokens(join(data, 'api-tokens.json'));
    const working = minted.given.filter((token) => works(check, token));
    assert.deepEqual(working.map((token) => token.slice(0, 21)), [], `tokens of revoked logins that work (of ${minted.given.length} minted; ${minted.refused.login} mints refused as their login went)`);
  });
});
