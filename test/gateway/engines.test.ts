// podman and the Docker engine end to end: log in with a login token (what `hcr login` prints),
// push, pull from clean storage, and run the image. Each part skips with a message when its
// tool is missing, and stops every daemon it started.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginToken } from '../../src/gateway';
import { manifestDigest } from '../../src/chain';
import { buildImage } from './helpers/oci-layout';
import { podmanIn, startDockerEngine, type DockerEngine } from './helpers/engines';
import { missingTools, run } from './helpers/tools';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const podmanSkip = missingTools(['podman', 'umoci', 'runc', 'busybox'], 'podman umoci busybox-static runc');
const dockerSkip = missingTools(['dockerd', 'docker', 'tar', 'busybox'], 'docker.io busybox-static');
if (podmanSkip) console.log(`podman tests skipped: ${podmanSkip}`);
if (dockerSkip) console.log(`Docker engine tests skipped: ${dockerSkip}`);

describe('container engines', { skip: podmanSkip && dockerSkip ? 'neither podman nor docker is installed' : false }, () => {
  let t: TestGateway;
  let work: string;
  let host: string;
  before(async () => {
    t = await startTestGateway({ auth: {} });
    // Lowercase: podman names images pulled from an OCI layout after its path.
    work = join(tmpdir(), `hcr-engines-${randomBytes(6).toString('hex')}`);
    mkdirSync(work);
    host = new URL(t.url).host;
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('podman', { skip: podmanSkip }, () => {
    it('logs in, pushes, pulls from clean storage and runs the image', async () => {
      const layout = join(work, 'layout');
      await buildImage(work, layout, 'v1', { randomSizes: [1024] });
      const first = podmanIn(join(work, 'podman-a'), host);
      const token = await createLoginToken(t.keys.alice, t.gateway.service);
      await first.podman(['login', '--tls-verify=false', '-u', t.keys.alice.address, '--password-stdin', host], { input: token });
      await first.podman(['pull', `oci:${layout}:v1`]);
      const images = JSON.parse(await first.podman(['images', '--format', 'json'])) as { Id: string }[];
      await first.podman(['tag', images[0].Id, `${host}/acme/podman:v1`]);
      await first.podman(['push', '--tls-verify=false', `${host}/acme/podman:v1`]);
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'podman', tag: 'v1' }));

      const second = podmanIn(join(work, 'podman-b'), host);
      await second.podman(['pull', '--tls-verify=false', `${host}/acme/podman:v1`]);
      const output = await second.podman(['run', '--rm', '--network=none', `${host}/acme/podman:v1`, '/bin/busybox', 'echo', 'hello from podman']);
      assert.equal(output.trim(), 'hello from podman');
      await second.podman(['rmi', '-a', '-f']).catch(() => undefined);
      await first.podman(['rmi', '-a', '-f']).catch(() => undefined);
    });
  });

  describe('the Docker engine', { skip: dockerSkip }, () => {
    let engine: DockerEngine | undefined;
    after(async () => {
      await engine?.stop();
    });

    it('docker login with an hcr login token, push, then pull and run on a clean engine', async () => {
      const rootfs = join(work, 'docker-rootfs');
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      await run('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
      await run('ln', ['-s', 'busybox', join(rootfs, 'bin', 'sh')]);
      const tar = join(work, 'docker-rootfs.tar');
      await run('tar', ['-C', rootfs, '-cf', tar, '.']);
      const image = `${host}/acme/docker:v1`;

      engine = await startDockerEngine(join(work, 'docker-a'));
      const token = await createLoginToken(t.keys.alice, t.gateway.service);
      const login = await engine.docker(['login', '-u', t.keys.alice.address, '--password-stdin', host], { input: token });
      assert.match(login, /Login Succeeded/);
      await engine.docker(['import', '--change', 'CMD ["/bin/sh"]', tar, image]);
      await engine.docker(['push', image], { timeoutMs: 300_000 });
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'docker', tag: 'v1' }));
      await engine.stop();

      engine = await startDockerEngine(join(work, 'docker-b'));
      await engine.docker(['pull', image], { timeoutMs: 300_000 });
      const output = await engine.docker(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'echo', 'hello from docker']);
      assert.equal(output.trim(), 'hello from docker');
      await engine.stop();
      engine = undefined;
    });
  });
});
