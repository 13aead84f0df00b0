// `hcr login` end to end: the real binary signs a login token; the gateway's own verifier and a
// running gateway's /token endpoint accept it; --write puts it where docker reads it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { verifyLoginToken } from '../../src/gateway';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { collect, expectExit, type Run, spawnHcr } from './helpers/run-hcr';

const DOMAIN = 'registry.example.org:5000';

let tmp: string;
let alice: string;

function hcr(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(tmp, 'unused-docker') };
  for (const name of ['HCR_SURI', 'HCR_KEYRING_PASSWORD', 'HCR_GATEWAY']) delete base[name];
  return collect(spawnHcr(args, { ...base, ...env }), args.join(' '));
}

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hcr-login-'));
  await cryptoWaitReady();
  alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice').address;
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hcr login', { timeout: 300_000 }, () => {
  test('prints the docker login command; the token verifies for that gateway and account', async () => {
    const run = await hcr(['login', DOMAIN, '--suri', '//Alice']);
    expectExit(run, 0);
    const match = new RegExp(`^printf '%s' '(hcr1\\.[A-Za-z0-9_.-]+)' \\| docker login ${DOMAIN} --username ${alice} --password-stdin\\n$`).exec(run.stdout);
    assert.ok(match, run.stdout);
    assert.match(run.stderr, new RegExp(`^login token for ${alice} at ${DOMAIN}, valid until \\S+; log docker in with \\(or pass --write\\):`));
    const claims = await verifyLoginToken(match[1], { domain: DOMAIN, address: alice });
    assert.equal(claims.address, alice);
  });

  test('--print-token, --json and --ttl; HCR_GATEWAY as the default gateway', async () => {
    const printed = await hcr(['login', '--print-token', '--ttl', '90m'], { HCR_SURI: '//Alice', HCR_GATEWAY: 'http://127.0.0.1:5999/' });
    expectExit(printed, 0);
    const claims = await verifyLoginToken(printed.stdout.trim(), { domain: '127.0.0.1:5999', address: alice });
    assert.equal((claims.expiresAt.getTime() - claims.issuedAt.getTime()) / 1000, 90 * 60);

    const run = await hcr(['login', DOMAIN, '--suri', '//Alice', '--json']);
    expectExit(run, 0);
    const out = JSON.parse(run.stdout);
    assert.equal(out.gateway, DOMAIN);
    assert.equal(out.username, alice);
    assert.equal((await verifyLoginToken(out.token, { domain: DOMAIN })).expiresAt.toISOString(), out.expiresAt);
    assert.ok(out.dockerLogin.includes(out.token));
  });

  test('a reader that closes the pipe early (| head -c1, a failing podman login) ends it quietly', async () => {
    const base: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(tmp, 'unused-docker') };
    const child = spawnHcr(['login', DOMAIN, '--suri', '//Alice', '--print-token'], base);
    // The read end goes before hcr writes the token: its write meets a closed pipe (EPIPE).
    child.stdout!.destroy();
    const run = await collect(child, 'login --print-token into a closed pipe');
    expectExit(run, 0);
    assert.equal(run.stderr, '');
  });

  test('--write adds the login to the Docker config and keeps everything else', async () => {
    const dir = join(tmp, 'docker');
    const file = join(dir, 'config.json');
    const run0 = await hcr(['login', DOMAIN, '--suri', '//Alice', '--write'], { DOCKER_CONFIG: dir });
    expectExit(run0, 0);
    assert.equal(statSync(file).mode & 0o777, 0o600);

    writeFileSync(file, JSON.stringify({ auths: { 'other.example': { auth: 'b3RoZXI6c2VjcmV0' }, [DOMAIN]: { identitytoken: 'stale' } }, psFormat: 'table {{.ID}}' }));
    const run = await hcr(['login', DOMAIN, '--suri', '//Alice', '--write'], { DOCKER_CONFIG: dir });
    expectExit(run, 0);
    assert.match(run.stdout, new RegExp(`^logged in to ${DOMAIN} as ${alice} in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, until \\S+\\n$`));
    const config = JSON.parse(readFileSync(file, 'utf8'));
    assert.equal(config.psFormat, 'table {{.ID}}');
    assert.deepEqual(config.auths['other.example'], { auth: 'b3RoZXI6c2VjcmV0' });
    assert.deepEqual(Object.keys(config.auths[DOMAIN]), ['auth']);
    const [username, token] = Buffer.from(config.auths[DOMAIN].auth, 'base64').toString('utf8').split(':');
    assert.equal(username, alice);
    await verifyLoginToken(token, { domain: DOMAIN, address: username });
  });

  test('refusals: exit 2 naming the problem and the fix', async () => {
    const storeDir = join(tmp, 'docker-store');
    const storeConfig = JSON.stringify({ credsStore: 'desktop' });
    mkdirSync(storeDir, { recursive: true });
    writeFileSync(join(storeDir, 'config.json'), storeConfig);
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['login', 'not a host', '--suri', '//Alice'], {}, /^error: gateway "not a host" is not a registry address: give host\[:port\] as you would to docker/m],
      [['login', DOMAIN, '--suri', '//Alice', '--ttl', 'forever'], {}, /^error: --ttl "forever" is not a duration: give seconds or a number with s, m, h or d/m],
      [['login', DOMAIN], {}, /^error: no key to sign with: pass --suri/m],
      [['login', DOMAIN, '--suri', '//Alice', '--write'], { DOCKER_CONFIG: storeDir }, /tells docker to keep logins in the "desktop" credential store, so it would not read one written to the file: run the docker login command hcr login prints \(without --write\) instead/],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => hcr(args, env)));
    runs.forEach((run, i) => {
      expectExit(run, 2);
      assert.match(run.stderr, cases[i][2]);
    });
    assert.equal(readFileSync(join(storeDir, 'config.json'), 'utf8'), storeConfig, 'the config is left alone');
  });

  describe('against a running gateway', () => {
    let t: TestGateway;

    before(async () => {
      t = await startTestGateway({ auth: { secret: 'login-test-secret' } });
    });
    after(async () => {
      await t?.close();
    });

    test('the gateway\'s /token accepts the printed token and grants the owner push', async () => {
      const service = t.gateway.service;
      const run = await hcr(['login', service, '--suri', '//Alice', '--print-token']);
      expectExit(run, 0);
      const basic = Buffer.from(`${alice}:${run.stdout.trim()}`).toString('base64');
      const response = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&scope=${encodeURIComponent('repository:acme/web:pull,push')}`, { headers: { Authorization: `Basic ${basic}` } });
      assert.equal(response.status, 200, await response.clone().text());
      const { token } = (await response.json()) as { token: string };
      const { sub, access } = jwt.decode(token) as { sub: string; access: { name: string; actions: string[] }[] };
      assert.equal(sub, alice);
      assert.deepEqual(access, [{ type: 'repository', name: 'acme/web', actions: ['pull', 'push'] }]);
    });
  });
});
