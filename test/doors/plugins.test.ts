// The plugin registry's gRPC service (pb.PluginRegistry from spacecore.proto) on its own port: a
// client built from the proto with @grpc/grpc-js registers plugins (bytes in a data URL, content
// already in IPFS, a file under --plugin-dir), discovers them by name and CID, gets one, and gets
// each failure as the gRPC status that means it; server reflection lists the service.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { blobOf, pushBlob, pushManifest } from '../gateway/helpers/oci-client';
import { waitFor } from '../indexer/helpers/wait';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { mintToken } from './helpers/tokens';
import { pluginRegistryClient } from './helpers/plugin-client';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

function pluginClient(address: string): Client {
  return pluginRegistryClient<Client>(address);
}

function call(client: Client, method: string, request: unknown, token?: string): Promise<{ response: any; headers: grpc.Metadata }> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    const pending = client[method](request, metadata, (error, response) => (error ? reject(error) : resolve({ response, headers })));
    pending.on('metadata', (m: grpc.Metadata) => (headers = m));
  });
}

async function refused(work: Promise<unknown>, code: grpc.status, message: RegExp): Promise<void> {
  await assert.rejects(work, (error: grpc.ServiceError) => {
    assert.equal(error.code, code, `${grpc.status[error.code]}: ${error.details}`);
    assert.match(error.details, message);
    return true;
  });
}

describe('the plugin registry over gRPC', () => {
  let doors: DoorsFixture;
  let registry: RunningPluginRegistry;
  let client: Client;
  let token: string;
  let readToken: string;
  let dir: string;
  const plugin = randomBytes(20_000);

  before(async () => {
    doors = await startDoors({ auth: { enabled: true } });
    dir = mkdtempSync(join(tmpdir(), 'hcr-plugins-'));
    registry = await startPluginRegistry({ context: doors.t.gateway.gateway.context, port: 0, pluginDir: dir });
    client = pluginClient(registry.address);
    token = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
    readToken = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['read'], 'reader')).token;
  });
  after(async () => {
    client?.close();
    await registry?.close();
    await doors?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('RegisterPlugin, then GetPlugin and DiscoverPlugins find it; its bytes download through the HTTP doors', async () => {
    const registered = await call(client, 'RegisterPlugin', { name: 'ipfs-plugin', version: '1.0.0', plugin: `data:application/octet-stream;base64,${plugin.toString('base64')}` }, token);
    assert.equal(registered.response.message, 'Plugin registered successfully');
    assert.match(registered.response.cid, /^bafk/);
    const got = await call(client, 'GetPlugin', { name: 'ipfs-plugin', version: '1.0.0' });
    assert.deepEqual(got.response.plugin, { name: 'ipfs-plugin', version: '1.0.0', cid: registered.response.cid, path: 'ipfs-plugin' });
    assert.deepEqual((await call(client, 'DiscoverPlugins', {})).response.plugins, [got.response.plugin]);
    assert.deepEqual((await call(client, 'DiscoverPlugins', { name: 'ipfs-plugin' })).response.plugins, [got.response.plugin]);
    assert.deepEqual((await call(client, 'DiscoverPlugins', { cid: registered.response.cid })).response.plugins, [got.response.plugin]);
    assert.deepEqual((await call(client, 'DiscoverPlugins', { name: 'no-such-plugin' })).response.plugins, []);
    const bytes = Buffer.from(await (await fetch(`${doors.url}/firmware/ipfs-plugin/1.0.0`)).arrayBuffer());
    assert.ok(bytes.equals(plugin), 'the registered bytes');
    // The file's CID is the one IPFS serves the bytes under.
    const fromIpfs: Buffer[] = [];
    for await (const chunk of await doors.t.store.get(registered.response.cid)) fromIpfs.push(chunk as Buffer);
    assert.ok(Buffer.concat(fromIpfs).equals(plugin));
  });

  test('a plugin already in IPFS, and a file under --plugin-dir as the original registry read it', async () => {
    const inIpfs = randomBytes(5000);
    const { cid } = await doors.t.store.put([inIpfs]);
    const fromIpfs = await call(client, 'RegisterPlugin', { name: 'acme/from-ipfs', version: '0.1.0', plugin: `/ipfs/${cid}` }, token);
    assert.equal(fromIpfs.response.cid, cid, 'the same bytes, the same CID');
    writeFileSync(join(dir, 'ipfspd'), plugin.subarray(0, 1000));
    const fromFile = await call(client, 'RegisterPlugin', { name: 'local', version: '2.0.0', plugin: join(dir, 'ipfspd') }, token);
    const got = await call(client, 'GetPlugin', { name: 'local', version: '2.0.0' });
    assert.deepEqual(got.response.plugin, { name: 'local', version: '2.0.0', cid: fromFile.response.cid, path: 'ipfspd' });
    const names = (await call(client, 'DiscoverPlugins', {})).response.plugins.map((p: any) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(names, ['from-ipfs@0.1.0', 'ipfs-plugin@1.0.0', 'local@2.0.0']);
  });

  test('failures come back as the gRPC status that means them', async () => {
    const data = `data:application/octet-stream;base64,${randomBytes(100).toString('base64')}`;
    await refused(call(client, 'RegisterPlugin', { name: 'p', version: '1.0.0', plugin: data }), grpc.status.UNAUTHENTICATED, /publishing needs a token/);
    await refused(call(client, 'RegisterPlugin', { name: 'p', version: '1.0.0', plugin: data }, readToken), grpc.status.PERMISSION_DENIED, /scope read/);
    await refused(call(client, 'RegisterPlugin', { name: 'ipfs-plugin', version: '1.0.0', plugin: data }, token), grpc.status.ALREADY_EXISTS, /already published/);
    await refused(call(client, 'RegisterPlugin', { name: '', version: '1.0.0', plugin: data }, token), grpc.status.INVALID_ARGUMENT, /name is missing/);
    await refused(call(client, 'RegisterPlugin', { name: 'p', version: '', plugin: data }, token), grpc.status.INVALID_ARGUMENT, /version is missing/);
    await refused(call(client, 'RegisterPlugin', { name: 'p', version: '1.0.0', plugin: '/etc/passwd' }, token), grpc.status.NOT_FOUND, /no file under the gateway's --plugin-dir/);
    await refused(call(client, 'RegisterPlugin', { name: 'p', version: '1.0.0', plugin: '' }, token), grpc.status.INVALID_ARGUMENT, /plugin is empty/);
    await refused(call(client, 'RegisterPlugin', { name: 'bobspace/p', version: '1.0.0', plugin: data }, token), grpc.status.PERMISSION_DENIED, /neither the owner nor a member/);
    await refused(call(client, 'GetPlugin', { name: 'ipfs-plugin', version: '9.9.9' }), grpc.status.NOT_FOUND, /has no version "9\.9\.9"/);
    const { digest } = await doors.t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/p', repo: 'acme', image: 'p' }, '1.0.0');
    assert.equal(digest, undefined, 'nothing was recorded');
  });

  test('GetPlugin of a version whose tag was moved afterwards says so in its metadata', async () => {
    const first = await call(client, 'RegisterPlugin', { name: 'movable', version: '1.0.0', plugin: `data:;base64,${randomBytes(50).toString('base64')}` }, token);
    const other = randomBytes(60);
    const layer = blobOf(other);
    const config = blobOf('{}');
    for (const blob of [config, layer]) assert.equal((await pushBlob(doors.url, 'acme/movable', blob, token)).status, 201);
    const manifest = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.hcr.plugin.v1', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/octet-stream', digest: layer.digest, size: layer.size, annotations: { 'org.opencontainers.image.title': 'movable' } }] }));
    assert.equal((await pushManifest(doors.url, 'acme/movable', '1.0.0', manifest, undefined, token)).status, 201);
    await waitFor(async () => (await doors.query('{ artifactVersions(space: "acme", name: "movable") { moved } }')).artifactVersions[0]?.moved, 'the index to flag the move');
    // A read of the tag is reused for two seconds: ask once that window has passed.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const got = await call(client, 'GetPlugin', { name: 'movable', version: '1.0.0' });
    assert.notEqual(got.response.plugin.cid, first.response.cid, 'the plugin the tag points at now');
    assert.deepEqual(got.headers.get('hcr-version-moved'), ['true']);
    assert.equal(got.headers.get('hcr-original-digest').length, 1);
  });

  test('server reflection lists the service and describes it, as generic gRPC tools ask', async () => {
    const definition = loadSync(join(require.resolve('@grpc/reflection/package.json'), '..', 'build/proto/grpc/reflection/v1alpha/reflection.proto'), { keepCase: true, defaults: true, oneofs: true });
    const reflection = (grpc.loadPackageDefinition(definition).grpc as any).reflection.v1alpha;
    const stub = new reflection.ServerReflection(registry.address, grpc.credentials.createInsecure());
    const ask = (request: object) => new Promise<any>((resolve, reject) => {
      const stream = stub.ServerReflectionInfo();
      stream.on('data', (answer: any) => {
        resolve(answer);
        stream.end();
      });
      stream.on('error', reject);
      stream.write(request);
    });
    const listed = await ask({ list_services: '' });
    assert.ok(listed.list_services_response.service.map((s: any) => s.name).includes('pb.PluginRegistry'));
    const described = await ask({ file_containing_symbol: 'pb.PluginRegistry' });
    const files = described.file_descriptor_response.file_descriptor_proto.map((b: Buffer) => b.toString('latin1'));
    assert.ok(files.some((f: string) => f.includes('RegisterPlugin') && f.includes('DiscoverPlugins') && f.includes('GetPlugin')));
    stub.close();
  });
});
