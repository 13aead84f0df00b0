// docker-compose.yml tells the operator to serve HTTPS from the gateway container itself by
// setting GATEWAY_TLS_CERT and GATEWAY_TLS_KEY. The gateway's health check must then still find it
// healthy: a probe fixed to http:// gets no answer from a TLS port, so the container would stay
// unhealthy for good (load balancers and `docker compose up --wait` give up on it). The compose
// health check runs here, as written, against a server on the gateway's port 5000 that answers
// /healthz over HTTPS with the operator's pair, and over plain HTTP without one. Each runs in a
// network namespace of its own, so port 5000 on this machine is not needed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { missingTools, run } from '../gateway/helpers/tools';

const ROOT = resolve(__dirname, '../..');
const GATEWAY_PORT = 5000;

interface Service {
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** The gateway container's environment as compose gives it with nothing set in `.env`. */
function gatewayEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(compose.services.gateway.environment ?? {})) {
    env[name] = String(value).replace(/\$\{[A-Z_]+(?::?-([^}]*))?\}/g, (_match, fallback: string | undefined) => fallback ?? '');
  }
  return env;
}

// Serves /healthz on the gateway's port, then runs the health check's command and prints its exit code.
const DRIVER = `
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const [tls, command] = [process.env.PROBE_TLS === '1', JSON.parse(process.env.PROBE_COMMAND)];
const handler = (req, res) => { res.writeHead(req.url === '/healthz' ? 200 : 404); res.end('{"status":"ok"}'); };
const server = tls
  ? require('node:https').createServer({ cert: readFileSync(process.env.GATEWAY_TLS_CERT), key: readFileSync(process.env.GATEWAY_TLS_KEY) }, handler)
  : require('node:http').createServer(handler);
server.listen(${GATEWAY_PORT}, '127.0.0.1', () => {
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code) => { console.log('probe exit ' + code); server.close(); process.exit(0); });
});
`;

const skip = missingTools(['unshare', 'ip', 'openssl'], 'util-linux iproute2 openssl');

describe('the compose gateway\'s health check', { skip }, () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'hcr-health-tls-'));
    writeFileSync(join(work, 'driver.cjs'), DRIVER);
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=registry.example.com', '-keyout', join(work, 'tls.key'), '-out', join(work, 'tls.crt')]);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function probe(tls: boolean): Promise<string> {
    const test = compose.services.gateway.healthcheck?.test ?? [];
    assert.deepEqual(test.slice(0, 4), ['CMD', 'node', '/app/bin/hcr.js', 'healthcheck'], JSON.stringify(test));
    const command = [process.execPath, join(ROOT, 'bin/hcr.js'), ...test.slice(3)];
    const env: NodeJS.ProcessEnv = { ...process.env, ...gatewayEnvironment(), PROBE_TLS: tls ? '1' : '0', PROBE_COMMAND: JSON.stringify(command) };
    delete env.HCR_HEALTHCHECK_URL;
    delete env.NODE_OPTIONS;
    if (tls) Object.assign(env, { GATEWAY_TLS_CERT: join(work, 'tls.crt'), GATEWAY_TLS_KEY: join(work, 'tls.key') });
    const { stdout, stderr } = await run('unshare', ['-rn', 'sh', '-c', 'ip link set lo up && exec "$0" "$1"', process.execPath, join(work, 'driver.cjs')], { env, cwd: ROOT, timeoutMs: 120_000 });
    return `${stdout}${stderr}`;
  }

  it('finds a gateway that serves HTTPS (GATEWAY_TLS_CERT, GATEWAY_TLS_KEY) healthy', async () => {
    const output = await probe(true);
    assert.match(output, /probe exit 0\b/, output);
  });

  it('finds a gateway that serves plain HTTP healthy', async () => {
    const output = await probe(false);
    assert.match(output, /probe exit 0\b/, output);
  });
});
