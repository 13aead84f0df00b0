// HTTPS: the gateway serves TLS itself, reloads its certificate when the files change, keeps the
// old one when a new pair does not load, and sends auth challenges to its https URL. The Docker
// engine pushes and pulls through it trusting a test CA placed where Docker looks for it
// (/etc/docker/certs.d/HOST:PORT/ca.crt) with no insecure-registries setting, and skopeo does
// with --cert-dir. Docker treats 127.0.0.0/8 as insecure whatever the certificate, so the engine
// reaches the gateway as hcr-registry.test on ::1, a name only its own mount namespace knows.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { manifestDigest } from '../../src/chain';
import { startGateway, type RunningGateway } from '../../src/gateway';
import { buildImage } from './helpers/oci-layout';
import { startDockerEngine, type DockerEngine } from './helpers/engines';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { makeTestCa, type TestCa } from './helpers/tls';
import { missingTools, run } from './helpers/tools';

const opensslSkip = missingTools(['openssl'], 'openssl');
const dockerSkip = opensslSkip || missingTools(['dockerd', 'docker', 'unshare', 'tar', 'busybox'], 'docker.io util-linux busybox-static');
const skopeoSkip = opensslSkip || missingTools(['skopeo', 'umoci', 'unshare'], 'skopeo umoci util-linux');
if (opensslSkip) console.log(`TLS tests skipped: ${opensslSkip}`);
const REGISTRY_HOST = 'hcr-registry.test';

/** The certificate a TLS server presents, read with `ca` trusted. */
function presented(url: string, ca: string, path = '/v2/'): Promise<{ status: number; cert: PeerCertificate; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    get(`${url}${path}`, { ca, agent: false }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, cert, headers: res.headers }));
    }).on('error', reject);
  });
}

describe('HTTPS', { skip: opensslSkip }, () => {
  let t: TestGateway;
  let work: string;
  let ca: TestCa;
  let caPem: string;
  before(async () => {
    t = await startTestGateway();
    work = mkdtempSync(join(tmpdir(), 'hcr-tls-'));
    ca = await makeTestCa(join(work, 'ca'));
    caPem = readFileSync(ca.caFile, 'utf8');
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves HTTPS with the given pair, and auth challenges send clients to its https URL', async () => {
    const pair = await ca.issue(join(work, 'plain'), { ips: ['127.0.0.1'] });
    const gateway = await t.startReplica({ tls: pair, auth: {} });
    assert.match(gateway.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const { status, headers } = await presented(gateway.url, caPem);
    assert.equal(status, 401);
    assert.match(String(headers['www-authenticate']), new RegExp(`realm="${gateway.url}/token"`));
    const other = await makeTestCa(join(work, 'other-ca'), 'another CA');
    await assert.rejects(presented(gateway.url, readFileSync(other.caFile, 'utf8')), /unable to verify|certificate/, 'a client trusting another CA accepted the gateway');
  });

  it('loads a new certificate when the files change, and keeps the old one when the new pair does not load', async () => {
    const dir = join(work, 'rotating');
    const first = await ca.issue(join(dir, 'a'), { ips: ['127.0.0.1'] });
    const live = { certFile: join(dir, 'live.crt'), keyFile: join(dir, 'live.key') };
    copyFileSync(first.certFile, live.certFile);
    copyFileSync(first.keyFile, live.keyFile);
    const gateway = await t.startReplica({ tls: live });
    const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;
    assert.equal((await presented(gateway.url, caPem)).cert.serialNumber, serialOf(first.certFile));

    const second = await ca.issue(join(dir, 'b'), { ips: ['127.0.0.1'] });
    copyFileSync(second.keyFile, live.keyFile);
    copyFileSync(second.certFile, live.certFile);
    const deadline = Date.now() + 10_000;
    let serial = '';
    while (Date.now() < deadline && serial !== serialOf(second.certFile)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      serial = (await presented(gateway.url, caPem)).cert.serialNumber;
    }
    assert.equal(serial, serialOf(second.certFile), 'the renewed certificate was not picked up within 10 s');

    // A key that does not belong to the certificate: refused, the working pair stays.
    const third = await ca.issue(join(dir, 'c'), { ips: ['127.0.0.1'] });
    copyFileSync(third.certFile, live.certFile);
    await assert.rejects(gateway.reloadTls(), /do not load together .*give the PEM certificate \(with its chain\) and the private key that belongs to it/);
    assert.equal((await presented(gateway.url, caPem)).cert.serialNumber, serialOf(second.certFile));
  });

  it('refuses to start with a certificate and key that do not match, saying so', async () => {
    const a = await ca.issue(join(work, 'mismatch-a'), { ips: ['127.0.0.1'] });
    const b = await ca.issue(join(work, 'mismatch-b'), { ips: ['127.0.0.1'] });
    await assert.rejects(t.startReplica({ tls: { certFile: a.certFile, keyFile: b.keyFile } }), /do not load together/);
  });

  describe('real clients over HTTPS on ::1 as hcr-registry.test', () => {
    let gateway: RunningGateway;
    let hostsFile: string;
    let certDir: string;
    let registry: string;
    before(async () => {
      const pair = await ca.issue(join(work, 'registry'), { dns: [REGISTRY_HOST], ips: ['::1', '127.0.0.1'] });
      gateway = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir: mkdtempSync(join(work, 'gateway-')), gatewaySigner: t.keys.gateway, host: '::1', port: 0, tls: pair, auth: { enabled: false }, log: () => undefined });
      registry = `${REGISTRY_HOST}:${new URL(gateway.url).port}`;
      hostsFile = join(work, 'hosts');
      writeFileSync(hostsFile, `127.0.0.1 localhost\n::1 ${REGISTRY_HOST}\n`);
      // What skopeo's --cert-dir and Docker's certs.d/HOST:PORT/ hold: the CA as ca.crt.
      certDir = join(work, 'cert-dir');
      mkdirSync(certDir);
      copyFileSync(ca.caFile, join(certDir, 'ca.crt'));
    });
    after(async () => {
      await gateway?.close();
    });

    /** Runs a command in a mount namespace where hcr-registry.test is ::1. */
    const inNamespace = (command: string, args: string[], timeoutMs = 300_000) =>
      run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$1" /etc/hosts && shift && exec "$@"', 'sh', hostsFile, command, ...args], { timeoutMs });

    it('skopeo pushes and pulls verifying the gateway against --cert-dir, and refuses without it', { skip: skopeoSkip }, async () => {
      const layout = join(work, 'skopeo-layout');
      await buildImage(join(work, 'skopeo-build'), layout, 'v1', { randomSizes: [4096] });
      await assert.rejects(inNamespace('skopeo', ['copy', `oci:${layout}:v1`, `docker://${registry}/acme/tls-skopeo:v1`]), /certificate signed by unknown authority|x509/);
      await inNamespace('skopeo', ['copy', '--dest-cert-dir', certDir, `oci:${layout}:v1`, `docker://${registry}/acme/tls-skopeo:v1`]);
      assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'tls-skopeo', tag: 'v1' }));
      const out = join(work, 'skopeo-pulled');
      await inNamespace('skopeo', ['copy', '--src-cert-dir', certDir, `docker://${registry}/acme/tls-skopeo:v1`, `dir:${out}`]);
      const inspected = JSON.parse((await inNamespace('skopeo', ['inspect', '--cert-dir', certDir, `docker://${registry}/acme/tls-skopeo:v1`])).stdout) as { Layers: string[] };
      const pulled = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      assert.deepEqual(inspected.Layers, pulled.layers.map((layer) => layer.digest));
    });

    describe('the Docker engine', { skip: dockerSkip }, () => {
      let engine: DockerEngine | undefined;
      after(async () => {
        await engine?.stop();
      });

      it('pushes and pulls over HTTPS trusting the CA in /etc/docker/certs.d/HOST:PORT/ca.crt, with no insecure registry', async () => {
        const etcDocker = join(work, 'etc-docker');
        mkdirSync(etcDocker);
        engine = await startDockerEngine(join(work, 'docker'), { namespace: { hostsFile, etcDocker } });
        const info = JSON.parse(await engine.docker(['info', '--format', '{{json .RegistryConfig}}'])) as { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> };
        assert.deepEqual(info.InsecureRegistryCIDRs, ['127.0.0.0/8'], 'only Docker\'s built-in loopback default, which ::1 is not in');
        assert.equal(info.IndexConfigs[registry], undefined, 'no insecure-registries entry for the gateway');

        const rootfs = join(work, 'docker-rootfs');
        mkdirSync(join(rootfs, 'bin'), { recursive: true });
        await run('cp', ['/bin/busybox', join(rootfs, 'bin', 'busybox')]);
        const tar = join(work, 'docker-rootfs.tar');
        await run('tar', ['-C', rootfs, '-cf', tar, '.']);
        const image = `${registry}/acme/tls-docker:v1`;
        await engine.docker(['import', tar, image]);

        // Without the CA, Docker refuses the gateway's certificate: TLS is verified, not skipped.
        await assert.rejects(engine.docker(['push', image], { timeoutMs: 120_000 }), /x509|certificate signed by unknown authority/);

        mkdirSync(join(etcDocker, 'certs.d', registry), { recursive: true });
        copyFileSync(ca.caFile, join(etcDocker, 'certs.d', registry, 'ca.crt'));
        await engine.docker(['push', image], { timeoutMs: 300_000 });
        assert.ok(await manifestDigest(t.chain.api, { repo: 'acme', image: 'tls-docker', tag: 'v1' }));
        await engine.docker(['rmi', image]);
        await engine.docker(['pull', image], { timeoutMs: 300_000 });
        const output = await engine.docker(['run', '--rm', '--network', 'none', image, '/bin/busybox', 'echo', 'pulled over https']);
        assert.equal(output.trim(), 'pulled over https');
        await engine.stop();
        engine = undefined;
      });
    });
  });
});
