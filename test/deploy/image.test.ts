// The deployable image, built with the Docker engine from the repository's Dockerfile on a base
// image made from this machine's Node (scripts/node-base-image.sh; there is no Docker Hub here):
// it holds production dependencies only, runs as an unprivileged user, becomes healthy through
// its HEALTHCHECK, runs each service by name, and its gateway, against the dev chain and this
// test's IPFS store, takes a docker push and serves the pull back to the engine.
// HCR_SKIP_IMAGE_TEST=1 skips it (the build takes two minutes or so; npm installs from the registry).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLoginToken } from '../../src/gateway';
import { manifestDigest } from '../../src/chain';
import { startKuboApiServer, type KuboApiServer } from '../../src/ipfs';
import { freePort } from '../../src/indexer/free-port';
import { startDockerEngine, type DockerEngine } from '../gateway/helpers/engines';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { missingTools, run } from '../gateway/helpers/tools';

const ROOT = resolve(__dirname, '../..');
const IMAGE = 'hippius-registry:test';
const skip = process.env.HCR_SKIP_IMAGE_TEST ? `HCR_SKIP_IMAGE_TEST is set (${process.env.HCR_SKIP_IMAGE_TEST})` : missingTools(['dockerd', 'docker', 'busybox', 'tar'], 'docker.io busybox-static');
if (skip) console.log(`image tests skipped: ${skip}`);

describe('the deployable image', { skip }, () => {
  let t: TestGateway;
  let ipfs: KuboApiServer;
  let engine: DockerEngine;
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-image-'));
    t = await startTestGateway();
    ipfs = await startKuboApiServer({ store: t.store, port: 0 });
    // overlay2 builds in about a third of vfs's time; vfs where the kernel refuses overlay mounts.
    engine = await startDockerEngine(join(work, 'docker'), { storageDriver: 'overlay2' }).catch(() => startDockerEngine(join(work, 'docker-vfs')));
    await run('bash', [join(ROOT, 'scripts/node-base-image.sh'), 'hcr-node-base:test'], { env: engine.env, timeoutMs: 120_000 });
    try {
      await run('docker', ['build', '--network', 'host', '--build-arg', 'NODE_IMAGE=hcr-node-base:test', '-t', IMAGE, ROOT], { env: { ...engine.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 900_000 });
    } catch (error) {
      throw new Error(`docker build failed; the build stage installs from the npm registry, so check that this machine reaches it:\n${(error as Error).message}`);
    }
  });
  after(async () => {
    await engine?.stop();
    await ipfs?.close();
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds production dependencies only and runs as an unprivileged user', async () => {
    const config = JSON.parse(await engine.docker(['image', 'inspect', '--format', '{{json .Config}}', IMAGE])) as { User: string; Healthcheck: { Test: string[] }; Entrypoint: string[] };
    assert.equal(config.User, '10001:10001');
    assert.deepEqual(config.Entrypoint, ['node', '/app/bin/hcr.js']);
    assert.deepEqual(config.Healthcheck.Test, ['CMD', 'node', '/app/bin/hcr.js', 'healthcheck']);
    const resolveIn = (name: string) => engine.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', IMAGE, '-e', `try { require.resolve(${JSON.stringify(name)}); console.log('present') } catch { console.log('absent') }`]);
    assert.equal((await resolveIn('express')).trim(), 'present');
    assert.equal((await resolveIn('prom-client')).trim(), 'present');
    for (const dev of ['typescript', 'vite', 'playwright-core', '@subsquid/substrate-typegen']) assert.equal((await resolveIn(dev)).trim(), 'absent', `${dev} (a development dependency) is in the image`);
    assert.equal((await engine.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', IMAGE, '-p', 'process.getuid()'])).trim(), '10001');
  });

  it('runs each service by name', async () => {
    for (const command of ['gateway', 'processor', 'graphql', 'devnet']) {
      const help = await engine.docker(['run', '--rm', '--network', 'none', IMAGE, command, '--help']);
      assert.match(help, new RegExp(`^Usage: hcr ${command} `, 'm'));
    }
  });

  it('runs the gateway against the dev chain: healthy, takes a docker push and serves the pull', async () => {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const container = (
      await engine.docker([
        'run', '-d', '--network', 'host', '--name', 'hcr-gateway',
        '-e', `CHAIN_RPC=${t.chain.devnet.wsUrl}`, '-e', `IPFS_API=${ipfs.url}`, '-e', 'HCR_HEALTHCHECK_URL=http://127.0.0.1:' + port + '/healthz',
        IMAGE, 'gateway', '--host', '127.0.0.1', '--port', String(port), '--dev-key',
      ])
    ).trim();
    try {
      const deadline = Date.now() + 120_000;
      let health = '';
      while (Date.now() < deadline && health !== 'healthy') {
        health = (await engine.docker(['inspect', '--format', '{{.State.Health.Status}}', container])).trim();
        if (health === 'unhealthy' || (await engine.docker(['inspect', '--format', '{{.State.Running}}', container])).trim() !== 'true') break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      assert.equal(health, 'healthy', await engine.docker(['logs', container]).catch((e: Error) => e.message));
      const ready = await fetch(`http://${host}/readyz`);
      assert.equal(ready.status, 200, await ready.text());

      const rootfs = join(work, 'rootfs');
      mkdirSync(join(rootfs, 'bin'), { recursive: true });
      await run('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
      const tar = join(work, 'rootfs.tar');
      await run('tar', ['-C', rootfs, '-cf', tar, '.']);
      const image = `${host}/acme/from-image:v1`;
      await engine.docker(['import', tar, image]);
      const token = await createLoginToken(t.keys.alice, host);
      await engine.docker(['login', '-u', t.keys.alice.address, '--password-stdin', host], { input: token });
      await engine.docker(['push', image], { timeoutMs: 300_000 });
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'from-image', tag: 'v1' }));
      await engine.docker(['rmi', image]);
      await engine.docker(['pull', image], { timeoutMs: 300_000 });
      const output = await engine.docker(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'echo', 'pulled through the image']);
      assert.equal(output.trim(), 'pulled through the image');
      // The image logs JSON lines (on stderr): the pull's requests among them.
      const logs = (await run('docker', ['logs', container], { env: engine.env })).stderr;
      const requests = logs.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { service: string; route?: string; method?: string; status?: string });
      assert.ok(requests.some((r) => r.service === 'gateway' && r.route === 'blob' && r.method === 'GET' && r.status === '200'), logs.slice(-3000));
    } finally {
      await engine.docker(['rm', '-f', container]).catch(() => undefined);
    }
  });
});
