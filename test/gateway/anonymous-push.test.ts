// A push without a login, as the real clients report it: docker and podman fetch an anonymous
// token, push with it, and print what the refusal says. It must say how to log in (`hcr login`),
// not only "requested access to the resource is denied". Each part skips when its tool is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from './helpers/oci-layout';
import { podmanIn, startDockerEngine, type DockerEngine } from './helpers/engines';
import { missingTools, run } from './helpers/tools';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const podmanSkip = missingTools(['podman', 'umoci'], 'podman umoci');
const dockerSkip = missingTools(['dockerd', 'docker', 'tar', 'busybox'], 'docker.io busybox-static');

/** The failure a command ends with (run() rejects with its stderr). */
async function failureOf(command: Promise<unknown>): Promise<string> {
  try {
    await command;
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the push without a login succeeded');
}

describe('pushing without a login', { skip: podmanSkip && dockerSkip ? 'neither podman nor docker is installed' : false }, () => {
  let t: TestGateway;
  let work: string;
  let host: string;
  let howTo: RegExp;
  before(async () => {
    t = await startTestGateway({ auth: {} });
    work = join(tmpdir(), `hcr-anonymous-push-${randomBytes(6).toString('hex')}`);
    mkdirSync(work);
    host = new URL(t.url).host;
    howTo = new RegExp(`pushing to acme/[\\w-]+ needs a login: run .hcr login ${host.replace(/\./g, '\\.')} --suri <key URI> --write.`);
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('podman push says to log in with hcr login', { skip: podmanSkip }, async () => {
    const layout = join(work, 'layout');
    await buildImage(work, layout, 'v1', { randomSizes: [256] });
    const podman = podmanIn(join(work, 'podman'), host);
    await podman.podman(['pull', `oci:${layout}:v1`]);
    const images = JSON.parse(await podman.podman(['images', '--format', 'json'])) as { Id: string }[];
    await podman.podman(['tag', images[0].Id, `${host}/acme/anonymous-podman:v1`]);
    const failure = await failureOf(podman.podman(['push', '--tls-verify=false', `${host}/acme/anonymous-podman:v1`]));
    await podman.podman(['rmi', '-a', '-f']).catch(() => undefined);
    assert.match(failure, howTo);
  });

  describe('docker', { skip: dockerSkip }, () => {
    let engine: DockerEngine | undefined;
    after(async () => {
      await engine?.stop();
    });

    it('docker push says to log in with hcr login', async () => {
      const rootfs = join(work, 'docker-rootfs');
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      await run('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
      const tar = join(work, 'docker-rootfs.tar');
      await run('tar', ['-C', rootfs, '-cf', tar, '.']);
      const image = `${host}/acme/anonymous-docker:v1`;
      engine = await startDockerEngine(join(work, 'docker'));
      await engine.docker(['import', tar, image]);
      const failure = await failureOf(engine.docker(['push', image], { timeoutMs: 120_000 }));
      assert.match(failure, howTo);
      assert.doesNotMatch(failure, /requested access to the resource is denied/);
    });
  });
});
