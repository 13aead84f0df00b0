// API tokens (`hcr token create`) as the password of Docker's token flow, as `skopeo --creds`,
// `podman login` and `docker login` send them: the username is the token's account; `read` pulls
// only, `publish` pushes where the account may (membership decides); no refresh token, so docker
// keeps the API token itself; revoked and expired tokens are refused with the way out. This
// gateway serves pulls to logged-in accounts only, so reads need a token too. The real-client
// parts skip when their tools are missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { manifestDigest } from '../../src/chain';
import { ApiTokens } from '../../src/gateway/auth/api-tokens';
import { loginHeader, mintToken } from '../doors/helpers/tokens';
import { podmanIn, startDockerEngine, type DockerEngine } from './helpers/engines';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { ociErrors } from './helpers/oci-client';
import { buildImage, type LayoutManifest } from './helpers/oci-layout';
import { missingTools, run } from './helpers/tools';

const skopeoSkip = missingTools(['skopeo', 'umoci', 'tar', 'busybox'], 'skopeo umoci busybox-static');
const podmanSkip = missingTools(['podman', 'umoci'], 'podman umoci');
const dockerSkip = missingTools(['dockerd', 'docker', 'tar', 'busybox'], 'docker.io busybox-static');
for (const [tool, skip] of [['skopeo', skopeoSkip], ['podman', podmanSkip], ['Docker engine', dockerSkip]] as const) {
  if (skip) console.log(`${tool} API token login tests skipped: ${skip}`);
}

/** The failure a command ends with (run() rejects with its stderr). */
async function failureOf(command: Promise<unknown>): Promise<string> {
  try {
    await command;
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the command succeeded');
}

describe('logging in with an API token', () => {
  let t: TestGateway;
  let work: string;
  let host: string;
  let alice: string;
  let read: string;
  let publish: string;

  before(async () => {
    t = await startTestGateway({ auth: { anonymousPull: false } });
    // Lowercase: podman names images pulled from an OCI layout after its path.
    work = join(tmpdir(), `hcr-api-token-login-${randomBytes(6).toString('hex')}`);
    mkdirSync(work);
    host = new URL(t.url).host;
    alice = t.keys.alice.address;
    read = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['read'], 'device')).token;
    publish = (await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const tokenFor = (scope: string, username: string, password: string) =>
    fetch(`${t.url}/token?service=${encodeURIComponent(t.gateway.service)}&scope=${encodeURIComponent(scope)}&offline_token=true&client_id=docker`, {
      headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
  const grantedActions = async (response: Response): Promise<string[][]> => {
    assert.equal(response.status, 200, await response.clone().text());
    const body = (await response.json()) as { token: string; refresh_token?: string };
    assert.equal(body.refresh_token, undefined, 'no refresh token for an API token');
    return (jwt.decode(body.token) as { access: { actions: string[] }[] }).access.map((grant) => grant.actions);
  };

  it('/token grants pull to a read token, push to a publish token where its account may push, and wants the account as the username', async () => {
    const scope = 'repository:acme/web:pull,push';
    assert.deepEqual(await grantedActions(await tokenFor(scope, alice, read)), [['pull']]);
    assert.deepEqual(await grantedActions(await tokenFor(scope, alice, publish)), [['pull', 'push']]);
    // Bob is no member of acme: his publish token pulls there, and pushes nowhere he may not.
    const bobs = (await mintToken(t.url, t.gateway.service, t.keys.bob, ['publish'], 'bob-ci')).token;
    assert.deepEqual(await grantedActions(await tokenFor(scope, t.keys.bob.address, bobs)), [['pull']]);
    for (const username of [t.keys.bob.address, 'ci', '']) {
      const response = await tokenFor(scope, username, publish);
      assert.equal(response.status, 401, username);
      const [error] = await ociErrors(response);
      assert.equal(error.code, 'UNAUTHORIZED');
      assert.equal(error.message, `the API token "ci" is ${alice}'s, but the username is ${JSON.stringify(username)}: log in with the token's account as the username (docker login -u ${alice})`);
    }
    const unknown = await tokenFor(scope, alice, `hcrt_${'0'.repeat(16)}_${'0'.repeat(64)}`);
    assert.equal(unknown.status, 401);
    assert.match((await ociErrors(unknown))[0].message, /not known to this gateway: mint one with `hcr token create`/);
    // Logging out (/token/revoke) is for login tokens; an API token is revoked with hcr token revoke.
    const logout = await fetch(`${t.url}/token/revoke`, { method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${alice}:${publish}`).toString('base64')}` } });
    assert.equal(logout.status, 400);
    assert.match((await ociErrors(logout))[0].message, /hcr token revoke <id>/);
  });

  describe('skopeo', { skip: skopeoSkip }, () => {
    let layout: string;
    let image: LayoutManifest;
    const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 300_000 });

    before(async () => {
      layout = join(work, 'skopeo-layout');
      image = await buildImage(work, layout, 'v1', { randomSizes: [1024, 64 * 1024] });
    });

    it('pushes with a publish token and reads with a read token, which cannot push and says why', async () => {
      await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', `${alice}:${publish}`, `oci:${layout}:v1`, `docker://${host}/acme/token-skopeo:v1`);
      assert.equal((await manifestDigest(t.chain.api, { repo: 'acme', image: 'token-skopeo', tag: 'v1' }))?.text, image.digest);
      const inspected = JSON.parse((await skopeo('inspect', '--tls-verify=false', '--creds', `${alice}:${read}`, `docker://${host}/acme/token-skopeo:v1`)).stdout) as { Digest: string };
      assert.equal(inspected.Digest, image.digest);
      assert.match(await failureOf(skopeo('inspect', '--tls-verify=false', '--no-creds', `docker://${host}/acme/token-skopeo:v1`)), /needs a login/);
      const refused = await failureOf(skopeo('copy', '--dest-tls-verify=false', '--dest-creds', `${alice}:${read}`, `oci:${layout}:v1`, `docker://${host}/acme/token-skopeo:read`));
      assert.match(refused, /the API token \\?"device\\?" has scope read, which does not push: mint one with --scope publish/);
      assert.equal(await manifestDigest(t.chain.api, { repo: 'acme', image: 'token-skopeo', tag: 'read' }), undefined);
    });

    it('refuses a revoked and an expired token, naming the fix', async () => {
      const leaked = await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'leaked');
      await skopeo('inspect', '--tls-verify=false', '--creds', `${alice}:${leaked.token}`, `docker://${host}/acme/token-skopeo:v1`);
      const revoked = await fetch(`${t.url}/api/tokens/${leaked.id}`, { method: 'DELETE', headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } });
      assert.equal(revoked.status, 200);
      const afterRevoke = await failureOf(skopeo('copy', '--dest-tls-verify=false', '--dest-creds', `${alice}:${leaked.token}`, `oci:${layout}:v1`, `docker://${host}/acme/token-skopeo:revoked`));
      assert.match(afterRevoke, /the API token \\?"leaked\\?" was revoked at .*: mint a new one with `hcr token create`, then log in again with it/);
      // A token that expired an hour ago, written to the gateway's token file as POST /api/tokens would.
      const old = new ApiTokens(join(t.dataDir, 'gateway', 'api-tokens.json')).create(alice, { name: 'old', scopes: ['read'], ttlSeconds: 60, createdBy: 'login', now: new Date(Date.now() - 3600_000) });
      const expired = await failureOf(skopeo('inspect', '--tls-verify=false', '--creds', `${alice}:${old.token}`, `docker://${host}/acme/token-skopeo:v1`));
      assert.match(expired, /the API token \\?"old\\?" expired at .*: mint a new one with `hcr token create`, then log in again with it/);
    });
  });

  describe('podman', { skip: podmanSkip }, () => {
    it('podman login takes a publish token, and podman push uses it', async () => {
      const layout = join(work, 'podman-layout');
      await buildImage(work, layout, 'p1', { randomSizes: [512] });
      const podman = podmanIn(join(work, 'podman'), host);
      const login = await podman.podman(['login', '--tls-verify=false', '-u', alice, '--password-stdin', host], { input: publish });
      assert.match(login, /Login Succeeded/);
      await podman.podman(['pull', `oci:${layout}:p1`]);
      const images = JSON.parse(await podman.podman(['images', '--format', 'json'])) as { Id: string }[];
      await podman.podman(['tag', images[0].Id, `${host}/acme/token-podman:v1`]);
      await podman.podman(['push', '--tls-verify=false', `${host}/acme/token-podman:v1`]);
      await podman.podman(['rmi', '-a', '-f']).catch(() => undefined);
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'token-podman', tag: 'v1' }));
      // podman login reports any 401 from /token as "invalid username/password", without its message.
      const wrongUser = await failureOf(podman.podman(['login', '--tls-verify=false', '-u', 'ci', '--password-stdin', host], { input: publish }));
      assert.match(wrongUser, /invalid username\/password/);
    });
  });

  describe('the Docker engine', { skip: dockerSkip }, () => {
    let engine: DockerEngine | undefined;
    after(async () => {
      await engine?.stop();
    });

    it('docker login keeps the API token itself, docker push uses it, and a revoked token is refused at login', async () => {
      const rootfs = join(work, 'docker-rootfs');
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      await run('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
      const tar = join(work, 'docker-rootfs.tar');
      await run('tar', ['-C', rootfs, '-cf', tar, '.']);
      const image = `${host}/acme/token-docker:v1`;
      engine = await startDockerEngine(join(work, 'docker'));
      const ci = await mintToken(t.url, t.gateway.service, t.keys.alice, ['publish'], 'docker-ci');
      assert.match(await engine.docker(['login', '-u', alice, '--password-stdin', host], { input: ci.token }), /Login Succeeded/);
      // Without a refresh token docker stores the credentials as given, so every push shows the
      // API token to /token again (and a revoked one stops working).
      const config = JSON.parse(readFileSync(join(engine.env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths: Record<string, { auth?: string; identitytoken?: string }> };
      assert.equal(config.auths[host].identitytoken, undefined);
      assert.equal(Buffer.from(config.auths[host].auth!, 'base64').toString(), `${alice}:${ci.token}`);
      await engine.docker(['import', tar, image]);
      await engine.docker(['push', image], { timeoutMs: 120_000 });
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'token-docker', tag: 'v1' }));
      await fetch(`${t.url}/api/tokens/${ci.id}`, { method: 'DELETE', headers: { authorization: await loginHeader(t.keys.alice, t.gateway.service) } });
      const refused = await failureOf(engine.docker(['login', '-u', alice, '--password-stdin', host], { input: ci.token }));
      assert.match(refused, /the API token "docker-ci" was revoked at .*mint a new one with `hcr token create`, then log in again with it/);
    });
  });
});
