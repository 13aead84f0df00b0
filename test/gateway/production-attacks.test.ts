// The gateway's production surface as an attacker and an operator see it, over real sockets:
// what /readyz tells anonymous callers about the services behind it, the TLS policy (also when
// Node's own defaults were lowered), certificates that must not replace a working one, key files
// others may read or replace, and the image and compose files (read, never built).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { connect, type ConnectionOptions } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/file';
import { gatewayCommandOptions } from '../cli/helpers/gateway-command-options';
import { KuboBlobStore, startEmbeddedIpfs } from '../../src/ipfs';
import { startWalletApiServer } from '../../src/wallet-api';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeTestCa, type TestCa } from './helpers/tls';
import { missingTools, run } from './helpers/tools';
import { makeImage, pushImage, randomBlob } from './helpers/oci-client';

const ROOT = resolve(__dirname, '../..');
/** node:tls itself (not an import's read-only view), whose defaults NODE_OPTIONS can lower. */
const nodeTls = createRequire(__filename)('node:tls') as { DEFAULT_MIN_VERSION: string; DEFAULT_CIPHERS: string };
const opensslSkip = missingTools(['openssl'], 'openssl');

/** Whether a TLS handshake with these client options completes; the protocol and suite it got. */
function handshake(url: string, options: ConnectionOptions): Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false, ...options }, () => {
      const result = { ok: true as const, protocol: socket.getProtocol(), cipher: socket.getCipher().name };
      socket.end();
      done(result);
    });
    socket.on('error', (error) => done({ ok: false, error: error.message }));
  });
}

/** A certificate signed by the test CA but valid only from `start` to `end` (openssl ca, as `YYYYMMDDHHMMSSZ`). */
async function issueDated(caDir: string, out: string, start: string, end: string): Promise<{ certFile: string; keyFile: string }> {
  mkdirSync(out, { recursive: true });
  const config = join(out, 'ca.cnf');
  writeFileSync(join(out, 'index.txt'), '');
  writeFileSync(join(out, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
  writeFileSync(config, `[ca]\ndefault_ca=d\n[d]\ndatabase=${out}/index.txt\nnew_certs_dir=${out}\nserial=${out}/serial\ndefault_md=sha256\npolicy=p\ncopy_extensions=copy\nunique_subject=no\n[p]\ncommonName=supplied\n`);
  const keyFile = join(out, 'server.key');
  const csr = join(out, 'server.csr');
  const certFile = join(out, 'server.crt');
  await run('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  await run('openssl', ['ca', '-batch', '-config', config, '-cert', join(caDir, 'ca.crt'), '-keyfile', join(caDir, 'ca.key'), '-in', csr, '-out', certFile, '-startdate', start, '-enddate', end]);
  return { certFile, keyFile };
}

/** The options `hcr gateway <argv>` would run with, the configuration file `yaml` applied as the CLI applies it. */
function gatewayFlags(argv: string[], yaml: string, vars: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  return gatewayCommandOptions(['gateway', ...argv], yaml, vars, ['GATEWAY_METRICS_ALLOW']);
}

/** The label values a metric's samples carry for `label`. */
function labelValues(text: string, metric: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const value = new RegExp(`${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return values;
}

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

/** The serial number of the certificate the server presents. */
function presentedSerial(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      done(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', fail);
  });
}

describe('gateway production surface', () => {
  let t: TestGateway;
  let work: string;
  before(async () => {
    t = await startTestGateway();
    work = mkdtempSync(join(tmpdir(), 'hcr-production-'));
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('names IPFS_API and GRAPHQL_URL in /readyz without the credentials in them', async () => {
    const store = await KuboBlobStore.open({ url: 'http://admin:hunter2@127.0.0.1:9' });
    const replica = await t.startReplica({ blobStore: store, index: 'http://graphqlkey0123@127.0.0.1:9/graphql' });
    const response = await fetch(`${replica.url}/readyz`);
    const text = await response.text();
    assert.equal(response.status, 503, text);
    assert.doesNotMatch(text, /hunter2|graphqlkey0123/, `an anonymous caller of /readyz learns a credential: ${text}`);
    const body = JSON.parse(text) as { checks: Record<string, { ok: boolean; detail: string }> };
    // Still says which service and where, so an operator can act on it.
    assert.match(body.checks.ipfs.detail, /http:\/\/admin:\*\*\*@127\.0\.0\.1:9/);
    assert.match(body.checks.index.detail, /http:\/\/\*\*\*@127\.0\.0\.1:9\/graphql/);
    assert.doesNotMatch(text, /\n\s+at /, 'a stack trace reached /readyz');
  });

  it('answers a pull while IPFS is down without the credentials of IPFS_API in the 503', async () => {
    // A port nothing listens on (9, the discard port, is one fetch refuses to use at all).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const store = await KuboBlobStore.open({ url: `http://admin:hunter2@127.0.0.1:${port}` });
    const replica = await t.startReplica({ blobStore: store });
    const image = makeImage([randomBlob(64)]);
    assert.equal((await pushImage(t.url, 'acme/creds', 'v1', image)).status, 201);
    const response = await fetch(`${replica.url}/v2/acme/creds/blobs/${image.layers[0].digest}`);
    const text = await response.text();
    assert.equal(response.status, 503, text);
    assert.doesNotMatch(text, /hunter2/, `a client learns IPFS_API's credentials: ${text}`);
    assert.match(text, /IPFS is unavailable/);
  });

  it('reaches an IPFS API behind a proxy asking for a login, given as user:password@ in IPFS_API', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hcr-kubo-login-'));
    const ipfs = await startEmbeddedIpfs({ dataDir, port: 0 });
    const target = new URL(ipfs.apiUrl);
    const expected = `Basic ${Buffer.from('admin:hunter2').toString('base64')}`;
    const refused: string[] = [];
    const proxy = createServer((req, res) => {
      if (req.headers.authorization !== expected) {
        refused.push(req.url ?? '');
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="ipfs"' }).end();
        return;
      }
      const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const store = await KuboBlobStore.open({ url: `http://admin:hunter2@127.0.0.1:${(proxy.address() as AddressInfo).port}` });
    try {
      const bytes = Buffer.from('behind a login');
      const { cid } = await store.put([bytes]);
      assert.equal((await store.stat(cid)).size, bytes.length, 'kubo-rpc-client\'s calls carry the login');
      assert.equal(await store.isPinned(cid), true);
      const read: Buffer[] = [];
      for await (const chunk of await store.get(cid)) read.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(read), bytes);
      assert.deepEqual(refused, [], 'every call carried the login');
      assert.doesNotMatch(store.location, /hunter2/);
    } finally {
      await store.close();
      await new Promise((resolve) => proxy.close(resolve));
      await ipfs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('reaches an index behind a proxy asking for a login, given as user:password@ in GRAPHQL_URL', async () => {
    const expected = `Basic ${Buffer.from('reader:s3cret').toString('base64')}`;
    const asked: (string | undefined)[] = [];
    const index = createServer((req, res) => {
      asked.push(req.headers.authorization);
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="index"' }).end();
        return;
      }
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ data: { squidStatus: { height: 1 } } })));
    });
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    const url = `http://reader:s3cret@127.0.0.1:${(index.address() as AddressInfo).port}/graphql`;
    const replica = await t.startReplica({ index: url });
    const wallet = await startWalletApiServer({ api: t.chain.api, port: 0, graphqlUrl: url, page: false, gatewayAddress: t.keys.gateway.address });
    try {
      const ready = await fetch(`${replica.url}/readyz`);
      const body = (await ready.json()) as { checks: { index?: { ok: boolean; detail: string } } };
      assert.ok(!/cannot be reached|HTTP 401/.test(body.checks.index?.detail ?? ''), `the readiness check did not log in: ${JSON.stringify(body.checks.index)}`);
      const relayed = await fetch(`${wallet.url}/api/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query: '{ squidStatus { height } }' }) });
      assert.equal(relayed.status, 200, await relayed.clone().text());
      assert.deepEqual(await relayed.json(), { data: { squidStatus: { height: 1 } } });
      assert.ok(asked.length >= 2 && asked.every((header) => header === expected), `every call logs in: ${JSON.stringify(asked)}`);
    } finally {
      await wallet.close();
      await new Promise((resolve) => index.close(resolve));
    }
  });

  it('serves /metrics only to loopback and private networks by default: not to a client a trusted proxy names', async () => {
    const replica = await t.startReplica();
    const direct = await fetch(`${replica.url}/metrics`);
    assert.equal(direct.status, 200, 'Prometheus on this machine cannot scrape');
    assert.match(await direct.text(), /hcr_gateway_http_requests_total/);
    // The default trust-proxy is loopback: a local reverse proxy passes the internet client on.
    const proxied = await fetch(`${replica.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    const body = await proxied.text();
    assert.equal(proxied.status, 403, `an internet client read /metrics through the proxy: ${body.slice(0, 200)}`);
    assert.match(body, /"code":"DENIED".*\/metrics is not served to 203\.0\.113\.7: scrape it from an address the gateway's --metrics-allow \(GATEWAY_METRICS_ALLOW, gateway\.metricsAllow\) lists/);
    assert.doesNotMatch(body, /hcr_gateway_/);
    const privateNet = await fetch(`${replica.url}/metrics`, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    assert.equal(privateNet.status, 200, 'Prometheus on a private network cannot scrape');
    await privateNet.text();
  });

  it('serves /metrics to the addresses --metrics-allow lists, and to everyone with any', async () => {
    const listed = await t.startReplica({ metricsAllow: ['203.0.113.0/24'] });
    assert.equal((await fetch(`${listed.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status, 200);
    assert.equal((await fetch(`${listed.url}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 403);
    assert.equal((await fetch(`${listed.url}/metrics`)).status, 403, 'loopback is allowed though the list does not name it');
    const open = await t.startReplica({ metricsAllow: ['any'] });
    assert.equal((await fetch(`${open.url}/metrics`, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 200);
    await assert.rejects(t.startReplica({ metricsAllow: ['10.0.0.0/33'] }), /"10\.0\.0\.0\/33" is not an address, a CIDR/);
  });

  it('takes --metrics-allow from the file, GATEWAY_METRICS_ALLOW and the flag, refusing a bad entry with its fix', async () => {
    const yaml = 'gateway:\n  metricsAllow: [10.0.0.0/8, loopback]\n';
    assert.equal((await gatewayFlags([], '')).metricsAllow, undefined);
    assert.deepEqual((await gatewayFlags([], yaml)).metricsAllow, ['10.0.0.0/8', 'loopback']);
    assert.deepEqual((await gatewayFlags([], yaml, { GATEWAY_METRICS_ALLOW: '192.168.1.7, any' })).metricsAllow, ['192.168.1.7', 'any']);
    assert.deepEqual((await gatewayFlags(['--metrics-allow', '::1', '--metrics-allow', 'fd00::/8'], yaml, { GATEWAY_METRICS_ALLOW: 'any' })).metricsAllow, ['::1', 'fd00::/8']);
    assert.throws(() => parseConfig('gateway:\n  metricsAllow: [everyone]\n'), /gateway\.metricsAllow: "everyone" is not an address, a CIDR \(10\.0\.0\.0\/8\) or one of any, loopback, linklocal, uniquelocal/);
  });

  it('keeps its metrics\' label sets bounded whatever requests name (paths, methods, request ids, repositories)', async () => {
    const replica = await t.startReplica({ metricsAllow: ['any'] });
    for (let i = 0; i < 15; i++) {
      await (await fetch(`${replica.url}/v2/acme/secret-${i}/manifests/v${i}`, { headers: { 'x-request-id': `id-${i}` } })).arrayBuffer();
      await (await fetch(`${replica.url}/made-up/${i}?token=t${i}`, { method: i % 2 ? 'PROPFIND' : 'OPTIONS' })).arrayBuffer();
      await (await fetch(`${replica.url}/v2/acme/secret-${i}/blobs/uploads/`, { method: 'POST' })).arrayBuffer();
    }
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    assert.doesNotMatch(text, /secret-\d|made-up|id-\d|token=/, 'request input reached a label');
    const routes = labelValues(text, 'hcr_gateway_http_requests_total', 'route');
    assert.ok(routes.size <= 6, `route groups: ${[...routes].join(', ')}`);
    for (const route of routes) assert.match(route, /^[a-z]+$/);
    for (const method of labelValues(text, 'hcr_gateway_http_requests_total', 'method')) assert.match(method, /^[A-Z]+$/);
    for (const status of labelValues(text, 'hcr_gateway_http_requests_total', 'status')) assert.match(status, /^(\d{3}|aborted)$/);
  });

  describe('TLS', { skip: opensslSkip }, () => {
    let ca: TestCa;
    let caDir: string;
    before(async () => {
      caDir = join(work, 'ca');
      ca = await makeTestCa(caDir);
    });

    it('refuses TLS below 1.2 and CBC suites, even when Node\'s defaults were lowered (NODE_OPTIONS=--tls-min-v1.0), and after a reload', async () => {
      const pair = await ca.issue(join(work, 'policy'), { ips: ['127.0.0.1'] });
      const defaults = { ...nodeTls };
      // What `--tls-min-v1.0` and `--tls-cipher-list=…@SECLEVEL=0` do to the process.
      Object.assign(nodeTls, { DEFAULT_MIN_VERSION: 'TLSv1', DEFAULT_CIPHERS: `${defaults.DEFAULT_CIPHERS}:@SECLEVEL=0` });
      let gateway;
      try {
        gateway = await t.startReplica({ tls: pair });
      } finally {
        Object.assign(nodeTls, { DEFAULT_MIN_VERSION: defaults.DEFAULT_MIN_VERSION, DEFAULT_CIPHERS: defaults.DEFAULT_CIPHERS });
      }
      const old = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
      const cbc = { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA' } as const;
      const check = async (when: string) => {
        const tls11 = await handshake(gateway.url, old);
        assert.equal(tls11.ok, false, `${when}: a TLS 1.1 client was served (${JSON.stringify(tls11)})`);
        const sha1 = await handshake(gateway.url, cbc);
        assert.equal(sha1.ok, false, `${when}: a client offering only CBC suites with SHA-1 MACs was served (${JSON.stringify(sha1)})`);
        const modern = await handshake(gateway.url, {});
        assert.ok(modern.ok && modern.protocol === 'TLSv1.3', `${when}: a current client was refused: ${JSON.stringify(modern)}`);
        const tls12 = await handshake(gateway.url, { maxVersion: 'TLSv1.2' });
        assert.ok(tls12.ok && /^ECDHE-ECDSA-AES\d+-GCM-SHA\d+$/.test(tls12.cipher), `${when}: TLS 1.2 did not get an ECDHE AEAD suite: ${JSON.stringify(tls12)}`);
      };
      await check('at start');
      await gateway.reloadTls();
      await check('after a reload');
    });

    it('keeps the working certificate when the new one has expired or is not yet valid, saying why; warns of an expired one at start', async () => {
      const dir = join(work, 'dated');
      const good = await ca.issue(join(dir, 'good'), { ips: ['127.0.0.1'] });
      const live = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key') };
      copyFileSync(good.certFile, live.certFile);
      copyFileSync(good.keyFile, live.keyFile);
      chmodSync(live.keyFile, 0o600);
      const gateway = await t.startReplica({ tls: { ...live, watch: false } });
      assert.equal(await presentedSerial(gateway.url), serialOf(good.certFile));

      const expired = await issueDated(caDir, join(dir, 'expired'), '20200101000000Z', '20200201000000Z');
      copyFileSync(expired.certFile, live.certFile);
      copyFileSync(expired.keyFile, live.keyFile);
      await assert.rejects(gateway.reloadTls(), /the TLS certificate expired on .*2020.*: renew it/);
      assert.equal(await presentedSerial(gateway.url), serialOf(good.certFile), 'an expired certificate replaced a valid one');

      const early = await issueDated(caDir, join(dir, 'early'), '20990101000000Z', '20990201000000Z');
      copyFileSync(early.certFile, live.certFile);
      copyFileSync(early.keyFile, live.keyFile);
      await assert.rejects(gateway.reloadTls(), /not valid before .*2099.*check the clock/);
      assert.equal(await presentedSerial(gateway.url), serialOf(good.certFile), 'a not-yet-valid certificate replaced a valid one');

      // Starting on an expired pair serves it (clients that were told to skip verification still
      // work), but the log says what clients will see and what to do.
      const before = t.logs.length;
      await t.startReplica({ tls: { certFile: expired.certFile, keyFile: expired.keyFile, watch: false } });
      assert.ok(t.logs.slice(before).some((line) => /^warn: the TLS certificate expired on .*renew it/.test(line)), t.logs.slice(before).join('\n'));
    });

    it('warns when the private key is readable by everyone or the pair is writable by others', async () => {
      const pair = await ca.issue(join(work, 'modes'), { ips: ['127.0.0.1'] });
      chmodSync(pair.keyFile, 0o644);
      chmodSync(pair.certFile, 0o666);
      let before = t.logs.length;
      await t.startReplica({ tls: { ...pair, watch: false } });
      let lines = t.logs.slice(before).join('\n');
      assert.match(lines, /warn: the TLS private key .*server-\d+\.key can be read by every user of this machine: chmod 600/);
      assert.match(lines, /warn: .*server-\d+\.crt can be written by users other than its owner.*chmod go-w/);

      chmodSync(pair.keyFile, 0o600);
      chmodSync(pair.certFile, 0o644);
      before = t.logs.length;
      await t.startReplica({ tls: { ...pair, watch: false } });
      lines = t.logs.slice(before).join('\n');
      assert.doesNotMatch(lines, /can be read by every user|can be written by users/, 'a safe pair was warned about');
    });
  });
});

describe('the image and compose files', () => {
  it('leave an operator\'s .env and key files in the build context out of the image (the build stage\'s own command, run on a copy)', async () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const command = /^RUN (find \. [^\n]*?-exec rm -f \{\} \+)/m.exec(dockerfile.replace(/\\\n/g, ' '))?.[1];
    assert.ok(command, 'the build stage does not remove secret files before the image copies /app');
    const buildStage = dockerfile.slice(0, dockerfile.indexOf('\nFROM ', dockerfile.indexOf('AS build')));
    assert.ok(buildStage.includes(command.slice(0, 30)) && buildStage.indexOf(command.slice(0, 30)) > buildStage.indexOf('COPY . .'), 'secrets are removed outside the build stage, or before the context is copied');
    const context = mkdtempSync(join(tmpdir(), 'hcr-context-'));
    try {
      const files = { '.env': 'GATEWAY_SURI=//Gateway\nPOSTGRES_PASSWORD=x\n', '.env.production': 'x', 'tls/registry.key': 'x', 'tls/registry.pem': 'x', 'certs/bundle.p12': 'x', 'src/index.ts': 'x', 'bin/hcr.js': 'x', 'node_modules/some-package/test/fixture.pem': 'x' };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(join(context, file, '..'), { recursive: true });
        writeFileSync(join(context, file), text);
      }
      await run('sh', ['-c', command], { cwd: context });
      const left = Object.keys(files).filter((file) => { try { readFileSync(join(context, file)); return true; } catch { return false; } });
      assert.deepEqual(left, ['src/index.ts', 'bin/hcr.js', 'node_modules/some-package/test/fixture.pem']);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });

  it('runs as an unprivileged user with a health check, and no secret in ENV or ARG', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const final = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    assert.match(final, /^USER 10001:10001$/m);
    assert.match(final, /^HEALTHCHECK .*hcr\.js", "healthcheck"\]$/m);
    assert.doesNotMatch(dockerfile, /^(ENV|ARG) .*(SURI|PASS|SECRET|TOKEN|KEY)/im);
  });

  it('publish only the gateway and Kubo\'s swarm to other machines: not Postgres, Kubo\'s RPC API, GraphQL or the processor\'s metrics', () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { ports?: string[]; environment?: Record<string, string> }> };
    const open: string[] = [];
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) {
        // host:container or ip:host:container; without an ip, Docker binds every address.
        const parts = String(port).split(':');
        const boundTo = parts.length === 3 ? parts[0] : '0.0.0.0';
        if (boundTo !== '127.0.0.1' && boundTo !== '::1') open.push(`${name} ${parts.at(-1)}`);
      }
    }
    assert.deepEqual(open.sort(), ['gateway 5000', 'kubo 4001']);
    // The database password comes from the operator's environment (or .env), with no default
    // everyone knows: Postgres keeps the password of its first start.
    assert.match(compose.services.db.environment?.POSTGRES_PASSWORD ?? '', /^\$\{POSTGRES_PASSWORD:\?set POSTGRES_PASSWORD in \.env/);
    assert.equal(compose.services.graphql.environment?.DB_PASS, compose.services.db.environment?.POSTGRES_PASSWORD);
  });
});
