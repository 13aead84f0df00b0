// A version is published once, however it is spelled: node-semver (the index's rule, and the
// doors') reads a `v1.0.0` tag as the version 1.0.0, so publishing `v1.0.0` next to `1.0.0` (or the
// other way round) is the same version published twice, with other bytes, and without the
// `moved` flag a repointed tag would carry. A range then resolves to whichever spelling sorts
// first. Each door refuses the second spelling (409, ALREADY_EXISTS over gRPC), also while the
// first is still being published. The real dev chain, embedded Postgres with the index, the
// gateway and the gRPC plugin registry over real sockets.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { waitFor } from '../indexer/helpers/wait';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { mintToken } from './helpers/tokens';
import { pluginRegistryClient } from './helpers/plugin-client';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function publishPackage(url: string, token: string, metadata: object, tarball: Buffer) {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  form.append('tarball', new Blob([tarball]), 'package.tgz');
  return fetch(`${url}/api/packages/publish`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
}

function uploadFirmware(url: string, token: string, metadata: object, binary: Buffer) {
  const form = new FormData();
  form.append('metadata', JSON.stringify(metadata));
  form.append('firmware', new Blob([binary]), 'firmware.bin');
  return fetch(`${url}/firmware`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
}

/** A package publish whose tarball is held back until released (its version is reserved meanwhile). */
function heldPublish(url: string, token: string, metadata: object, tarball: Buffer) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const boundary = 'hcrspellingboundary';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n${JSON.stringify(metadata)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="held.tgz"\r\n\r\n`;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(Buffer.from(head));
      await held;
      controller.enqueue(tarball);
      controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
      controller.close();
    },
  });
  const answer = fetch(`${url}/api/packages/publish`, { method: 'POST', body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, authorization: `Bearer ${token}` }, duplex: 'half' } as RequestInit);
  return { finish: () => (release(), answer) };
}

describe('a version published again under another spelling', () => {
  let doors: DoorsFixture;
  let token: string;

  before(async () => {
    doors = await startDoors({ auth: { enabled: true } });
    token = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    await doors?.close();
  });

  test('a package published as v1.0.0 cannot be published again as 1.0.0, and ranges keep resolving to the first', async () => {
    const first = randomBytes(2000);
    const published = await publishPackage(doors.url, token, { name: 'acme/spelled', version: 'v1.0.0' }, first);
    assert.equal(published.status, 201, await published.clone().text());
    const again = await publishPackage(doors.url, token, { name: 'acme/spelled', version: '1.0.0' }, randomBytes(2000));
    const body = (await again.json()) as any;
    assert.equal(again.status, 409, JSON.stringify(body));
    assert.equal(body.error.code, 'VERSION_EXISTS');
    assert.match(body.error.message, /acme\/spelled .*already published/);
    // And the other way round: 1.0.0 first, then v1.0.0.
    assert.equal((await publishPackage(doors.url, token, { name: 'acme/spelled-too', version: '1.0.0' }, randomBytes(1000))).status, 201);
    const moved = await publishPackage(doors.url, token, { name: 'acme/spelled-too', version: 'v1.0.0' }, randomBytes(1000));
    assert.equal(moved.status, 409, await moved.text());

    const resolved = await fetch(`${doors.url}/api/packages/acme/spelled/resolve?range=${encodeURIComponent('^1')}`);
    const version = (await resolved.json()) as any;
    assert.equal(resolved.status, 200, JSON.stringify(version));
    assert.deepEqual([version.version, version.sha256, version.moved], ['v1.0.0', sha256(first), false], 'the range resolves to the bytes published first');
  });

  test('firmware published as 1.0.0 cannot be uploaded again as v1.0.0', async () => {
    assert.equal((await uploadFirmware(doors.url, token, { name: 'acme/spelled-fw', version: '1.0.0' }, randomBytes(1500))).status, 201);
    const again = await uploadFirmware(doors.url, token, { name: 'acme/spelled-fw', version: 'v1.0.0' }, randomBytes(1500));
    const text = await again.text();
    assert.equal(again.status, 409, text);
    assert.match(text, /acme\/spelled-fw .*already published/);
  });

  test('a plugin registered as 1.0.0 cannot be registered again as v1.0.0', async () => {
    let registry: RunningPluginRegistry | undefined;
    let client: Client | undefined;
    try {
      registry = await startPluginRegistry({ context: doors.t.gateway.gateway.context, port: 0 });
      client = pluginRegistryClient<Client>(registry.address);
      const register = (version: string) => {
        const metadata = new grpc.Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        const plugin = `data:application/octet-stream;base64,${randomBytes(500).toString('base64')}`;
        return new Promise<any>((resolve, reject) => client!.RegisterPlugin({ name: 'acme/spelled-plugin', version, plugin }, metadata, (error, response) => (error ? reject(error) : resolve(response))));
      };
      await register('1.0.0');
      await assert.rejects(register('v1.0.0'), (error: grpc.ServiceError) => error.code === grpc.status.ALREADY_EXISTS && /already published/.test(error.details));
    } finally {
      client?.close();
      await registry?.close();
    }
  });

  test('while 2.0.0 is being published, v2.0.0 is refused', async () => {
    const held = heldPublish(doors.url, token, { name: 'acme/spelled-race', version: '2.0.0' }, randomBytes(3000));
    const reserved = () => {
      try {
        doors.t.gateway.gateway.context.artifacts.claim('acme/spelled-race', '2.0.0')();
        return false;
      } catch {
        return true;
      }
    };
    await waitFor(async () => reserved(), 'the held publish to reserve acme/spelled-race 2.0.0', 60_000);
    const other = await publishPackage(doors.url, token, { name: 'acme/spelled-race', version: 'v2.0.0' }, randomBytes(3000));
    const body = (await other.json()) as any;
    const first = await held.finish();
    assert.equal(first.status, 201, await first.text());
    assert.equal(other.status, 409, JSON.stringify(body));
    assert.equal(body.error.code, 'VERSION_EXISTS');
  });
});
