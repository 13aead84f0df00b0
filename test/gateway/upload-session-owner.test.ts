// An upload session belongs to whoever started it, not to its repository. Its URL and UUID turn
// up in logs, in proxies and on shared CI runners; another account that may push to the same
// repository (a member of the space) must not add bytes to it, commit it under a digest of its
// choosing or cancel it: to anyone but its owner it is an unknown upload (BLOB_UPLOAD_UNKNOWN,
// 404), answered exactly as one that never existed. What must keep working: the owner's chunked
// upload with a refreshed access token or an API token of the same account, a cross-repository
// mount, a push with skopeo, and uploads on a gateway where pushes need no login. Real dev chain,
// real gateways, real signatures over real sockets.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyringPair } from '@polkadot/keyring/types';
import { addSpaceMember, spaceByOwner, submitTx } from '../../src/chain';
import { createLoginToken } from '../../src/gateway';
import { basicCredentials } from '../../src/gateway/auth/token-service';
import { mintToken } from '../doors/helpers/tokens';
import { buildImage } from './helpers/oci-layout';
import { type Blob, ociErrors, pushBlob, randomBlob } from './helpers/oci-client';
import { missingTools, run } from './helpers/tools';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const SECRET = 'upload-session-owner-secret-32-b';

describe('upload sessions and who started them', () => {
  let t: TestGateway;
  let service: string;

  before(async () => {
    t = await startTestGateway({ auth: { secret: SECRET } });
    service = t.gateway.service;
    // Charlie is a member of acme: he may push to acme/web, as Alice may.
    const space = await spaceByOwner(t.chain.api, t.keys.alice.address);
    await submitTx(t.chain.api, addSpaceMember(t.chain.api, space!.id, t.keys.charlie.address), t.keys.alice);
  });
  after(async () => {
    await t?.close();
  });

  /** An access token from /token for `pair`'s login, as docker gets one (a new one each call). */
  const accessToken = async (pair: KeyringPair, scopes: string[]) => {
    const query = scopes.map((scope) => `scope=${encodeURIComponent(scope)}`).join('&');
    const response = await fetch(`${t.url}/token?service=${encodeURIComponent(service)}&${query}`, { headers: { authorization: basicCredentials(pair.address, await createLoginToken(pair, service)) } });
    assert.equal(response.status, 200, await response.clone().text());
    return `Bearer ${((await response.json()) as { token: string }).token}`;
  };
  const pushTo = (pair: KeyringPair, name: string) => accessToken(pair, [`repository:${name}:pull,push`]);

  const start = async (authorization: string, name: string) => {
    const response = await fetch(`${t.url}/v2/${name}/blobs/uploads/`, { method: 'POST', headers: { authorization } });
    assert.equal(response.status, 202, await response.clone().text());
    return new URL(response.headers.get('location')!, t.url).href;
  };
  const patch = (location: string, authorization: string, bytes: Buffer, from: number) =>
    fetch(location, { method: 'PATCH', headers: { authorization, 'content-type': 'application/octet-stream', 'content-range': `${from}-${from + bytes.length - 1}`, 'content-length': String(bytes.length) }, body: bytes });
  const put = (location: string, authorization: string, digest: string, bytes?: Buffer) => {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    return fetch(url, { method: 'PUT', headers: { authorization, 'content-type': 'application/octet-stream', 'content-length': String(bytes?.length ?? 0) }, body: bytes ?? Buffer.alloc(0) });
  };
  const status = (location: string, authorization: string) => fetch(location, { headers: { authorization } });
  const cancel = (location: string, authorization: string) => fetch(location, { method: 'DELETE', headers: { authorization } });

  /** The answer every request for someone else's upload gets: that of an upload that does not exist. */
  const assertUnknown = async (response: Response, what: string) => {
    assert.equal(response.status, 404, `${what}: ${await response.clone().text()}`);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'BLOB_UPLOAD_UNKNOWN', what);
    assert.match(error.message, /^upload "[0-9a-f-]{36}" is unknown for acme\/web: it finished, was cancelled or expired; start a new upload with POST \/v2\/acme\/web\/blobs\/uploads\/$/, what);
    return error.message;
  };

  it('refuses another account\'s PATCH, PUT, GET and DELETE on an upload it did not start, as if there were no such upload, and the owner\'s upload goes on untouched', async () => {
    const blob = randomBlob(3000);
    const alice = await pushTo(t.keys.alice, 'acme/web');
    const location = await start(alice, 'acme/web');
    assert.equal((await patch(location, alice, blob.bytes.subarray(0, 1000), 0)).status, 202);

    // Charlie read the URL off a shared CI runner's log. He may push to acme/web himself.
    const charlie = await pushTo(t.keys.charlie, 'acme/web');
    const poison = Buffer.from('not the layer Alice is pushing');
    const answers = [
      await assertUnknown(await patch(location, charlie, poison, 1000), 'PATCH a chunk into it'),
      await assertUnknown(await put(location, charlie, blob.digest, blob.bytes.subarray(1000)), 'PUT the rest and commit it'),
      await assertUnknown(await status(location, charlie), 'GET its status'),
      await assertUnknown(await cancel(location, charlie), 'DELETE it'),
    ];
    // With an API token of his account too.
    const charliesToken = `Bearer ${(await mintToken(t.url, service, t.keys.charlie, ['publish'], 'ci')).token}`;
    answers.push(await assertUnknown(await patch(location, charliesToken, poison, 1000), 'PATCH with an API token'));
    // Word for word what an upload that never existed gets: that this one exists is not told.
    const never = location.replace(/[0-9a-f-]{36}$/, randomUUID());
    const unknown = await assertUnknown(await patch(never, charlie, poison, 0), 'PATCH an upload that never existed');
    for (const answer of answers) assert.equal(answer.replace(/"[0-9a-f-]{36}"/, '"…"'), unknown.replace(/"[0-9a-f-]{36}"/, '"…"'));

    // Alice's upload is as she left it: 1000 bytes. She goes on with a new access token (docker
    // asks /token again when one expires) and then with an API token of hers.
    const aliceAgain = await pushTo(t.keys.alice, 'acme/web');
    const after1000 = await status(location, aliceAgain);
    assert.equal(after1000.status, 204);
    assert.equal(after1000.headers.get('range'), '0-999');
    const alicesToken = `Bearer ${(await mintToken(t.url, service, t.keys.alice, ['publish'], 'ci')).token}`;
    assert.equal((await patch(location, alicesToken, blob.bytes.subarray(1000, 2000), 1000)).status, 202);
    const committed = await put(location, aliceAgain, blob.digest, blob.bytes.subarray(2000));
    assert.equal(committed.status, 201, await committed.clone().text());
    const read = await fetch(`${t.url}/v2/acme/web/blobs/${blob.digest}`, { headers: { authorization: aliceAgain } });
    assert.equal(read.status, 200);
    assert.deepEqual(Buffer.from(await read.arrayBuffer()), blob.bytes);
  });

  it('lets Charlie neither cancel Alice\'s upload nor commit it under his digest, and his own uploads work as before', async () => {
    const alice = await pushTo(t.keys.alice, 'acme/web');
    const charlie = await pushTo(t.keys.charlie, 'acme/web');
    const location = await start(alice, 'acme/web');
    const forged = randomBlob(10);
    await assertUnknown(await put(location, charlie, forged.digest, forged.bytes), 'commit his own bytes in her upload');
    await assertUnknown(await cancel(location, charlie), 'cancel it');
    assert.equal((await fetch(`${t.url}/v2/acme/web/blobs/${forged.digest}`, { method: 'HEAD', headers: { authorization: charlie } })).status, 404, 'nothing of his was committed');
    // She cancels her own; then it is unknown to her too.
    assert.equal((await cancel(location, alice)).status, 204);
    await assertUnknown(await status(location, alice), 'her cancelled upload');
    // Charlie's own chunked upload and a monolithic one.
    const his = randomBlob(500);
    const own = await start(charlie, 'acme/web');
    assert.equal((await patch(own, charlie, his.bytes, 0)).status, 202);
    assert.equal((await put(own, charlie, his.digest)).status, 201);
    assert.equal((await pushBlob(t.url, 'acme/web', randomBlob(64), charlie.slice(7))).status, 201);
  });

  it('hands out no upload that names no owner (an artifact door\'s, or one kept from before uploads had owners)', async () => {
    const id = randomUUID();
    const dir = join(t.dataDir, 'gateway', 'uploads', id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'data'), '');
    writeFileSync(join(dir, 'session.json'), JSON.stringify({ id, name: 'acme/web', startedAt: Date.now() }));
    const alice = await pushTo(t.keys.alice, 'acme/web');
    await assertUnknown(await patch(`${t.url}/v2/acme/web/blobs/uploads/${id}`, alice, Buffer.from('x'), 0), 'PATCH an ownerless upload');
  });

  it('still mounts a blob from another repository, and a mount that cannot be done leaves an upload only its starter continues', async () => {
    const blob = randomBlob(2048);
    const alice = await accessToken(t.keys.alice, ['repository:acme/base:pull,push', 'repository:acme/app:pull,push']);
    assert.equal((await pushBlob(t.url, 'acme/base', blob, alice.slice(7))).status, 201);
    const mounted = await fetch(`${t.url}/v2/acme/app/blobs/uploads/?mount=${blob.digest}&from=acme/base`, { method: 'POST', headers: { authorization: alice } });
    assert.equal(mounted.status, 201, await mounted.clone().text());
    assert.equal(mounted.headers.get('docker-content-digest'), blob.digest);
    assert.equal((await fetch(`${t.url}/v2/acme/app/blobs/${blob.digest}`, { method: 'HEAD', headers: { authorization: alice } })).status, 200);

    // Nothing to mount from acme/base: 202 and an upload, Alice's.
    const missing = randomBlob(100);
    const fallback = await fetch(`${t.url}/v2/acme/app/blobs/uploads/?mount=${missing.digest}&from=acme/base`, { method: 'POST', headers: { authorization: alice } });
    assert.equal(fallback.status, 202);
    const location = new URL(fallback.headers.get('location')!, t.url).href;
    const charlie = await pushTo(t.keys.charlie, 'acme/app');
    const refused = await put(location, charlie, missing.digest, missing.bytes);
    assert.equal(refused.status, 404);
    assert.equal((await ociErrors(refused))[0].code, 'BLOB_UPLOAD_UNKNOWN');
    assert.equal((await put(location, alice, missing.digest, missing.bytes)).status, 201);
  });

  const skopeoSkip = missingTools(['skopeo', 'umoci', 'tar', 'busybox'], 'skopeo umoci busybox-static');
  it('pushes with skopeo (chunked uploads through the token flow), with a login and with an API token, and copies between repositories', { skip: skopeoSkip }, async () => {
    const work = mkdtempSync(join(tmpdir(), 'hcr-upload-owner-'));
    try {
      const layout = join(work, 'layout');
      await buildImage(work, layout, 'v1', { randomSizes: [1024, 300 * 1024] });
      const host = new URL(t.url).host;
      const skopeo = (...args: string[]) => run('skopeo', ['--insecure-policy', ...args], { timeoutMs: 180_000 });
      const login = `${t.keys.alice.address}:${await createLoginToken(t.keys.alice, service)}`;
      await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', login, `oci:${layout}:v1`, `docker://${host}/acme/owned:v1`);
      const token = `${t.keys.charlie.address}:${(await mintToken(t.url, service, t.keys.charlie, ['publish'], 'skopeo')).token}`;
      await skopeo('copy', '--dest-tls-verify=false', '--dest-creds', token, `oci:${layout}:v1`, `docker://${host}/acme/charlies:v1`);
      await skopeo('copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--src-creds', login, '--dest-creds', login, `docker://${host}/acme/owned:v1`, `docker://${host}/acme/copied:v1`);
      const inspected = JSON.parse((await skopeo('inspect', '--tls-verify=false', '--creds', login, `docker://${host}/acme/copied:v1`)).stdout) as { Layers: string[] };
      assert.ok(inspected.Layers.length >= 2);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('upload sessions where pushes need no login', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('takes the anonymous client\'s chunks and commit as before', async () => {
    const blob: Blob = randomBlob(1500);
    const started = await fetch(`${t.url}/v2/acme/open/blobs/uploads/`, { method: 'POST' });
    assert.equal(started.status, 202);
    const location = new URL(started.headers.get('location')!, t.url);
    const chunk = await fetch(location, { method: 'PATCH', headers: { 'content-range': '0-999', 'content-length': '1000' }, body: blob.bytes.subarray(0, 1000) });
    assert.equal(chunk.status, 202);
    location.searchParams.set('digest', blob.digest);
    assert.equal((await fetch(location, { method: 'PUT', headers: { 'content-length': '500' }, body: blob.bytes.subarray(1000) })).status, 201);
  });
});
