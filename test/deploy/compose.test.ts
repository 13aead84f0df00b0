// docker-compose.yml runs the registry's services from the image the Dockerfile builds (no source
// mounted in), each with a health check through `hcr healthcheck`, a restart policy and a command
// hcr knows; docker-compose itself accepts the file. (Bringing it up needs postgres and kubo
// images from a registry, which this machine cannot reach; test/deploy/image.test.ts runs the
// image's gateway instead.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { missingTools, run } from '../gateway/helpers/tools';

const ROOT = resolve(__dirname, '../..');
const REGISTRY_SERVICES = ['processor', 'content-index', 'graphql', 'gateway'];

interface Service {
  image?: string;
  build?: { context: string };
  command?: string[];
  volumes?: string[];
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

test('the registry\'s services run the Dockerfile\'s image, with no source bind mounts', () => {
  for (const name of REGISTRY_SERVICES) {
    const service = compose.services[name];
    assert.ok(service, `compose has no ${name} service`);
    assert.match(service.image ?? '', /hippius-registry/, `${name} does not run the registry's image`);
    assert.equal(service.build?.context, '.', `${name} is not built from the Dockerfile`);
    for (const volume of service.volumes ?? []) assert.doesNotMatch(volume, /^[./]/, `${name} bind-mounts ${volume}`);
    assert.equal(service.restart, 'unless-stopped', `${name} has no restart policy`);
  }
  assert.match(compose.services.db.image!, /^postgres:/);
  assert.match(compose.services.kubo.image!, /^ipfs\/kubo/);
});

test('each service with a port is health-checked through hcr healthcheck', () => {
  for (const name of ['processor', 'graphql', 'gateway']) {
    const check = compose.services[name].healthcheck?.test ?? [];
    assert.deepEqual(check.slice(0, 4), ['CMD', 'node', '/app/bin/hcr.js', 'healthcheck'], `${name}: ${JSON.stringify(check)}`);
    // The gateway's names no URL, so that it follows GATEWAY_TLS_CERT (test/deploy/gateway-health-tls.test.ts).
    if (name === 'gateway') assert.equal(check.length, 4, `gateway: ${JSON.stringify(check)}`);
    else assert.match(check[4], /^http:\/\/127\.0\.0\.1:\d+\/(healthz|metrics)$/);
  }
  assert.equal(compose.services['content-index'].healthcheck?.disable, true, 'the content indexer listens on no port, so the image\'s probe cannot see it');
});

test('each service\'s command is one hcr runs', async () => {
  for (const name of REGISTRY_SERVICES) {
    const [command, ...args] = compose.services[name].command ?? [];
    const help = await run(process.execPath, [join(ROOT, 'bin/hcr.js'), command, '--help'], { cwd: ROOT, timeoutMs: 60_000 });
    for (const flag of args.filter((arg) => arg.startsWith('--'))) assert.ok(help.stdout.includes(flag), `hcr ${command} has no ${flag}`);
  }
});

test('docker-compose accepts the file, and refuses to start without a database password', { skip: missingTools(['docker-compose'], 'docker-compose') }, async () => {
  const config = (env: NodeJS.ProcessEnv) => run('docker-compose', ['-f', join(ROOT, 'docker-compose.yml'), '--project-directory', ROOT, 'config', '-q'], { cwd: ROOT, timeoutMs: 60_000, env });
  const { POSTGRES_PASSWORD: _unset, ...withoutPassword } = process.env;
  await config({ ...withoutPassword, POSTGRES_PASSWORD: 'a-password-of-this-deployment' });
  // Postgres keeps the password of its first start: a default everyone knows would stay for good.
  await assert.rejects(config(withoutPassword), /set POSTGRES_PASSWORD in \.env beside this file/);
});
