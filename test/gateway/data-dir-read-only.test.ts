// The gateway's data dir turning read-only while it runs (a disk remounted read-only after an I/O
// error, a volume detached): pushes must fail with an answer that says so and names the fix, not
// a 500 "internal error", and pulls of what the gateway has cached go on. Needs a tmpfs it may
// mount and remount (root with CAP_SYS_ADMIN); skipped elsewhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../../src/gateway';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { assertPullServed, digestOf, makeImage, OCI_MANIFEST, ociErrors, pushImage, pushManifest, randomBlob } from './helpers/oci-client';

function tryMount(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const mountPoint = mkdtempSync(join(tmpdir(), 'hcr-read-only-'));
const mounted = tryMount(mountPoint);

describe('a data dir that turns read-only under a running gateway', { skip: !mounted && 'cannot mount a tmpfs here' }, () => {
  let t: TestGateway;
  let gateway: RunningGateway;
  const image = makeImage([randomBlob(200_000)]);

  before(async () => {
    t = await startTestGateway();
    await pushImage(t.url, 'acme/web', 'v1', image);
    // Its data dir on the tmpfs; its IPFS store (the test gateway's) elsewhere.
    gateway = await t.startReplica({ dataDir: mountPoint, gatewaySigner: t.keys.gateway });
    // Pulled once, so it is in the cache.
    const layer = await fetch(`${gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
    assert.deepEqual(Buffer.from(await layer.arrayBuffer()), image.layers[0].bytes);
    execFileSync('mount', ['-o', 'remount,ro', mountPoint]);
  });
  after(async () => {
    await t?.close();
    execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
    rmSync(mountPoint, { recursive: true, force: true });
  });

  async function assertReadOnlyAnswer(response: Response, what: string): Promise<void> {
    assert.equal(response.status, 503, `${what}: ${await response.clone().text()}`);
    assert.ok(Number(response.headers.get('retry-after')) > 0, `${what}: Retry-After`);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'UNAVAILABLE', what);
    assert.match(error.message, /read-only file system \(EROFS\)/, what);
    assert.match(error.message, /make it writable again/, what);
    assert.ok(!error.message.includes(mountPoint), `${what}: the data dir's path is for the log, not the client`);
  }

  it('pushes are a 503 that names the read-only data dir and the fix, and nothing is recorded', async () => {
    await assertReadOnlyAnswer(await fetch(`${gateway.url}/v2/acme/web/blobs/uploads/`, { method: 'POST' }), 'starting an upload');
    const bytes = Buffer.from('a layer pushed onto a read-only disk');
    await assertReadOnlyAnswer(await fetch(`${gateway.url}/v2/acme/web/blobs/uploads/?digest=${digestOf(bytes)}`, { method: 'POST', body: bytes }), 'a monolithic upload');
    await assertReadOnlyAnswer(await pushManifest(gateway.url, 'acme/web', 'v2', image.manifest), 'a manifest PUT');
    const recorded = await fetch(`${t.url}/v2/acme/web/manifests/v2`, { headers: { accept: OCI_MANIFEST } });
    assert.equal(recorded.status, 404, 'the refused manifest PUT recorded the tag');
    assert.ok(t.logs.some((line) => line.includes(mountPoint) && line.includes('EROFS')), 'the log names the file for the operator');
  });

  it('a pull of a cached layer is still served', async () => {
    await assertPullServed(gateway.url, 'acme/web', 'v1', image);
  });
});
