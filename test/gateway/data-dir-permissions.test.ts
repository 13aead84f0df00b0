// The gateway's data dir made unwritable for its user while it runs (an operator chmods a folder
// of it to 0555, or chowns it to another user): pushes must fail with a retryable 503 that says so
// and names the fix, not a 500 "internal error", and the log must name the path. Root writes
// through any mode, so as root the folders are made immutable instead (`chattr +i`, which refuses
// root too, with EPERM); skipped where neither works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../../src/gateway';
import { toOciError } from '../../src/gateway/errors/from-internal';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { assertPullServed, digestOf, makeImage, OCI_MANIFEST, ociErrors, pushImage, pushManifest, randomBlob } from './helpers/oci-client';

const asRoot = process.getuid?.() === 0;

/** Makes `dir` unwritable for this process, or says it cannot; the returned function undoes it. */
function lockDir(dir: string): (() => void) | undefined {
  if (!asRoot) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o700);
  }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
    return () => execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
}

/** Whether this host can make a folder unwritable for this process. */
function canLock(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'hcr-lock-probe-'));
  try {
    const unlock = lockDir(probe);
    unlock?.();
    return unlock !== undefined;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const code = asRoot ? 'EPERM' : 'EACCES';

describe('a data dir whose permissions change under a running gateway', { skip: !canLock() && 'cannot make a folder unwritable here (no chattr +i)' }, () => {
  let t: TestGateway;
  let gateway: RunningGateway;
  let dataDir: string;
  const unlocks: (() => void)[] = [];
  const image = makeImage([randomBlob(200_000)]);

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', image);
    // A replica with a data dir of its own on the same chain and IPFS store, as in
    // data-dir-read-only.test.ts; pulled once, so the layer is in its cache.
    dataDir = mkdtempSync(join(t.dataDir, 'locked-'));
    gateway = await t.startReplica({ dataDir, gatewaySigner: t.keys.gateway });
    const layer = await fetch(`${gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);
    // Every folder of the gateway's own part of its data dir (uploads, blobs, cache).
    const gatewayDir = join(dataDir, 'gateway');
    for (const dir of [...readdirSync(gatewayDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(gatewayDir, e.name)), gatewayDir]) {
      const unlock = lockDir(dir);
      assert.ok(unlock, dir);
      unlocks.push(unlock);
    }
  });
  after(async () => {
    for (const unlock of unlocks.reverse()) unlock();
    await t?.close();
  });

  async function assertPermissionAnswer(response: Response, what: string): Promise<void> {
    assert.equal(response.status, 503, `${what}: ${await response.clone().text()}`);
    assert.ok(Number(response.headers.get('retry-after')) > 0, `${what}: Retry-After`);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'UNAVAILABLE', what);
    assert.match(error.message, new RegExp(`may not write a path in its data dir \\(${code}: permission denied\\)`), what);
    assert.match(error.message, /fix the permissions or ownership of the data dir/, what);
    assert.ok(!error.message.includes(dataDir), `${what}: the data dir's path is for the log, not the client`);
  }

  it('pushes are a 503 naming the permission problem and the fix, and the log names the path', async () => {
    assert.ok(unlocks.length > 0);
    await assertPermissionAnswer(await fetch(`${gateway.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' }), 'starting an upload');
    const bytes = Buffer.from('a layer pushed into a locked data dir');
    await assertPermissionAnswer(await fetch(`${gateway.url}/v2/acme/web/blobs/uploads/?digest=${digestOf(bytes)}`, { method: 'POST', body: bytes }), 'a monolithic upload');
    await assertPermissionAnswer(await pushManifest(gateway.url, 'acme/web', 'v2', image.manifest), 'a manifest PUT');
    assert.ok(t.logs.some((line) => line.includes(join(dataDir, 'gateway')) && line.includes(code)), 'the log names the path for the operator');
  });

  it('a pull of a cached layer is still served', async () => {
    await assertPullServed(gateway.url, 'acme/web', 'v1', image);
  });

  it('once the operator has fixed the permissions, the same pushes go through (it was worth a retry)', async () => {
    for (const unlock of unlocks.splice(0).reverse()) unlock();
    const bytes = Buffer.from('a layer pushed into a locked data dir');
    const upload = await fetch(`${gateway.url}/v2/acme/web/blobs/uploads/?digest=${digestOf(bytes)}`, { method: 'POST', body: bytes });
    assert.equal(upload.status, 201, await upload.text());
    const manifest = await pushManifest(gateway.url, 'acme/web', 'v2', image.manifest);
    assert.equal(manifest.status, 201, await manifest.text());
  });
});

describe('which permission errors are the data dir\'s', () => {
  const fsError = (code: string, syscall: string, path?: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: permission denied, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, ...(path ? { path } : {}) });

  it('EACCES and EPERM on a path are a retryable 503 naming the fix, without the path', () => {
    for (const errno of ['EACCES', 'EPERM']) {
      const answered = toOciError(fsError(errno, 'open', '/srv/hcr-data/gateway/blobs/x.tmp'));
      assert.equal(answered.status, 503, errno);
      assert.equal(answered.code, 'UNAVAILABLE', errno);
      assert.ok(answered.headers['Retry-After'], errno);
      assert.match(answered.message, new RegExp(`\\(${errno}: permission denied\\).*fix the permissions or ownership of the data dir`), errno);
      assert.doesNotMatch(answered.message, /hcr-data/, errno);
    }
  });

  it('a socket\'s EACCES (no path: a port, a firewall) is no word on the data dir', () => {
    assert.doesNotMatch(toOciError(fsError('EACCES', 'connect')).message, /data dir/);
  });
});
