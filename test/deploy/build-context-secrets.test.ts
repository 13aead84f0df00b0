// The image's final stage copies the whole build context, so a secret an operator keeps beside the
// checkout would ship inside the image to everyone who pulls it: an .npmrc with a registry token, a
// token-secret shared by replicas (made in the working directory as the README says), compose's
// secret files under secrets/, as well as .env files and TLS keys. .dockerignore keeps them out of
// the context (checked here with the Docker engine's own matching, on a context holding the
// repository's .dockerignore), and the Dockerfile's build stage deletes any that a context without
// it brings (checked by running that command of the Dockerfile on such a tree).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startDockerEngine, type DockerEngine } from '../gateway/helpers/engines';
import { missingTools, run } from '../gateway/helpers/tools';

const ROOT = resolve(__dirname, '../..');

const SECRETS = ['.npmrc', 'token-secret', 'secrets/gateway-suri', '.env', 'tls/server.key'];
const ORDINARY = ['src/ok.ts', 'README.md'];

function plant(dir: string): void {
  for (const file of [...SECRETS, ...ORDINARY]) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), file === '.npmrc' ? '//registry.npmjs.org/:_authToken=npm_secret\n' : 'content\n');
  }
}

/** The Dockerfile's command that deletes secrets from the copied context (before `npm run build:web`). */
function removalCommand(): string {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const line = dockerfile.split('\n').find((text) => text.startsWith('RUN ') && text.includes('-exec rm -f {} +'));
  assert.ok(line, 'the Dockerfile has no command deleting secrets from the context');
  return line.slice('RUN '.length).split('&& npm run build:web')[0];
}

describe('secrets beside the checkout stay out of the image', () => {
  it('the Dockerfile deletes them from a context that brought them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-context-'));
    try {
      plant(dir);
      await run('sh', ['-c', removalCommand()], { cwd: dir });
      for (const file of SECRETS) assert.equal(existsSync(join(dir, file)), false, `${file} would be copied into the image`);
      for (const file of ORDINARY) assert.ok(existsSync(join(dir, file)), `${file} was deleted`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const skip = missingTools(['dockerd', 'docker', 'tar'], 'docker.io');
  describe('.dockerignore', { skip }, () => {
    let work: string;
    let engine: DockerEngine;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'hcr-dockerignore-'));
      engine = await startDockerEngine(join(work, 'docker'));
    });
    after(async () => {
      await engine?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('keeps them out of the build context', async () => {
      const context = join(work, 'context');
      mkdirSync(context);
      plant(context);
      copyFileSync(join(ROOT, '.dockerignore'), join(context, '.dockerignore'));
      writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx/\n');
      await run('docker', ['build', '-q', '-t', 'hcr-context:test', context], { env: { ...engine.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
      const container = (await engine.docker(['create', 'hcr-context:test', '/none'])).trim();
      const tar = join(work, 'context.tar');
      await engine.docker(['export', '-o', tar, container]);
      const listed = new Set((await run('tar', ['-tf', tar])).stdout.split('\n').map((entry) => entry.replace(/^\.?\/?/, '').replace(/\/$/, '')));
      for (const file of SECRETS) assert.equal(listed.has(`ctx/${file}`), false, `${file} reached the build context`);
      for (const file of ORDINARY) assert.ok(listed.has(`ctx/${file}`), `${file} is missing from the build context: ${[...listed].join(' ')}`);
    });
  });
});
