// The artifact front doors under attack: what a stranger can write on chain (any space owner can
// repoint any digest to other bytes, and a space may be named anything, "acme/tools" included),
// a tag set over the OCI API while a door publish is under way, a version published again under
// another spelling (`v1.0.0` beside `1.0.0`), what a publisher can send (paths
// in file titles and plugin paths, broken escapes), and what a token can do past its own reach.
// Each test is one hole, closed: the real dev chain, embedded Postgres with the index, the
// gateway and the gRPC plugin registry over real sockets.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { addManifest, storeDigestInfo, submitTx } from '../../src/chain';
import { type RunningPluginRegistry, startPluginRegistry } from '../../src/gateway/doors/plugins/server';
import { blobOf, pushBlob, pushManifest } from '../gateway/helpers/oci-client';
import { waitFor } from '../indexer/helpers/wait';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { loginHeader, mintToken } from './helpers/tokens';
import { pluginRegistryClient } from './helpers/plugin-client';

type Client = grpc.Client & Record<string, (request: unknown, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: any) => void) => grpc.ClientUnaryCall>;

function pluginClient(address: string): Client {
  return pluginRegistryClient<Client>(address);
}

function call(client: Client, method: string, request: unknown, token?: string): Promise<any> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => client[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const TITLE = 'org.opencontainers.image.title';

/** An OCI artifact manifest with one file, as oras would push it. */
function artifactManifest(file: { digest: string; size: number }, title: string, artifactType = 'application/vnd.hcr.package.v1') {
  const config = blobOf('{}');
  return {
    config,
    manifest: blobOf(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config.digest, size: config.size },
      layers: [{ mediaType: 'application/octet-stream', digest: file.digest, size: file.size, annotations: { [TITLE]: title } }],
    })),
  };
}

/** A package publish whose tarball is held back until released (its version is reserved meanwhile). */
function heldPublish(url: string, token: string, metadata: object, tarball: Buffer) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const boundary = 'hcrheldboundary';
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

describe('the artifact front doors under attack', () => {
  let doors: DoorsFixture;
  let token: string;

  before(async () => {
    doors = await startDoors({ auth: { enabled: true } });
    token = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    await doors?.close();
  });

  test('GetPlugin on a gateway that does not hold the file never answers a CID a stranger repointed the file to', async () => {
    const here = await startPluginRegistry({ context: doors.t.gateway.gateway.context, port: 0 });
    const client = pluginClient(here.address);
    const plugin = randomBytes(4000);
    const registered = await call(client, 'RegisterPlugin', { name: 'acme/auth', version: '1.0.0', plugin: `data:;base64,${plugin.toString('base64')}` }, token).finally(async () => {
      client.close();
      await here.close();
    });
    // Bob owns another space; the chain lets him point Alice's file's digest at his own bytes.
    const evil = randomBytes(4000);
    const { cid: evilCid } = await doors.t.store.put([evil]);
    await submitTx(doors.t.chain.api, storeDigestInfo(doors.t.chain.api, { repo: 'bobspace', digest: sha256(plugin), type: 'File', cid: evilCid }), doors.t.keys.bob);
    // A replica (its own data dir, no index): it holds no record of the file and reads chain storage.
    const replica = await doors.t.startReplica();
    let registry: RunningPluginRegistry | undefined;
    try {
      registry = await startPluginRegistry({ context: replica.gateway.context, port: 0 });
      const onReplica = pluginClient(registry.address);
      try {
        const got = await call(onReplica, 'GetPlugin', { name: 'acme/auth', version: '1.0.0' }).catch((error: grpc.ServiceError) => error);
        // Either the plugin's own CID or a refusal that says why; never Bob's bytes under Alice's name.
        if ('plugin' in got) assert.equal(got.plugin.cid, registered.cid, `GetPlugin answered ${got.plugin.cid}, Bob's CID is ${evilCid}`);
        else {
          assert.equal(got.code, grpc.status.NOT_FOUND, got.details);
          assert.match(got.details, /holds other content|none of its CIDs/);
        }
      } finally {
        onReplica.close();
      }
    } finally {
      await registry?.close();
    }
  });

  test('listings never advertise a CID a stranger recorded for a file as the file\'s CID', async () => {
    const api = doors.t.chain.api;
    // The pallet keeps one digest → CID record for everyone: Alice records a plugin version on chain
    // herself, relying on the record Bob made of its file's bytes, as the pallet means records to be shared.
    const file = blobOf(randomBytes(3000));
    const { cid: honestCid } = await doors.t.store.put([file.bytes]);
    await submitTx(api, storeDigestInfo(api, { repo: 'bobspace', digest: file.digest, type: 'File', cid: honestCid }), doors.t.keys.bob);
    const { config, manifest } = artifactManifest(file, 'shared', 'application/vnd.hcr.plugin.v1');
    await doors.t.store.put([config.bytes]);
    const { cid: manifestCid } = await doors.t.store.put([manifest.bytes]);
    await submitTx(api, addManifest(api, { repo: 'acme', image: 'shared', tag: '1.0.0', digest: manifest.digest, cid: manifestCid }), doors.t.keys.alice);
    // Then Bob repoints the file's digest to his own bytes.
    const { cid: evilCid } = await doors.t.store.put([randomBytes(3000)]);
    await submitTx(api, storeDigestInfo(api, { repo: 'bobspace', digest: file.digest, type: 'File', cid: evilCid }), doors.t.keys.bob);
    await waitFor(async () => (await doors.query('{ digestInfoRecords(where: { cid_eq: "' + evilCid + '" }) { id } }')).digestInfoRecords.length > 0, 'the index to hold Bob\'s record');
    const info = await waitFor(async () => {
      const response = await fetch(`${doors.url}/api/packages/acme/shared`);
      return response.status === 200 ? ((await response.json()) as any) : undefined;
    }, 'the index to list acme/shared', 60_000);
    assert.notEqual(info.versions[0].cid, evilCid, 'the package listing gives Bob\'s CID for Alice\'s file');
    const registry = await startPluginRegistry({ context: doors.t.gateway.gateway.context, port: 0 });
    const client = pluginClient(registry.address);
    try {
      const { plugins } = await call(client, 'DiscoverPlugins', { name: 'acme/shared' });
      assert.equal(plugins.length, 1);
      assert.notEqual(plugins[0].cid, evilCid, 'DiscoverPlugins gives Bob\'s CID for Alice\'s plugin');
      // GetPlugin answers the CID it checked the bytes of.
      assert.equal((await call(client, 'GetPlugin', { name: 'acme/shared', version: '1.0.0' })).plugin.cid, honestCid);
    } finally {
      client.close();
      await registry.close();
    }
  });

  test('a space the chain let a stranger name "acme/tools" does not list its artifacts under acme\'s names', async () => {
    const api = doors.t.chain.api;
    const published = await publishPackage(doors.url, token, { name: 'acme/tools/cli', version: '1.0.0', description: "Alice's cli" }, randomBytes(1000));
    assert.equal(published.status, 201);
    // The pallet takes any bytes as a space name: Charlie names his space "acme/tools" and records a
    // package "cli" in it, which reads as acme's tools/cli.
    await submitTx(api, api.tx.containerRegistry.createSpace('acme/tools') as never, doors.t.keys.charlie);
    const file = blobOf(randomBytes(1000));
    const { config, manifest } = artifactManifest(file, 'cli.tgz');
    for (const blob of [config, file]) await submitTx(api, api.tx.containerRegistry.storeDigestInfo('acme/tools', blob.digest, 'File', (await doors.t.store.put([blob.bytes])).cid) as never, doors.t.keys.charlie);
    const { cid } = await doors.t.store.put([manifest.bytes]);
    await submitTx(api, api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('acme/tools', 'cli', '9.9.9', manifest.digest, cid) as never, doors.t.keys.charlie);
    await waitFor(async () => (await doors.query('{ artifactVersions(space: "acme/tools") { version } }')).artifactVersions.length > 0, 'the index to list Charlie\'s version', 60_000);
    const listed = (await (await fetch(`${doors.url}/api/packages`)).json()) as any;
    const found = (await (await fetch(`${doors.url}/api/search?q=cli`)).json()) as any;
    for (const entry of [...listed.packages, ...found.results]) {
      assert.notEqual(entry.owner, doors.t.keys.charlie.address, `listed as ${entry.name}: ${JSON.stringify(entry)}`);
    }
    assert.ok(listed.packages.some((p: any) => p.name === 'acme/tools/cli' && p.owner === doors.t.keys.alice.address), 'Alice\'s package is listed');
    // Nor does the OCI catalog list a name of his as one of acme's: his "lint" would read as acme's tools/lint.
    await submitTx(api, api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid('acme/tools', 'lint', '1.0.0', manifest.digest, cid) as never, doors.t.keys.charlie);
    await waitFor(async () => (await doors.query('{ artifactVersions(space: "acme/tools") { version } }')).artifactVersions.length > 1, 'the index to list Charlie\'s second version', 60_000);
    const service = doors.t.gateway.service;
    const issued = await fetch(`${doors.url}/token?service=${encodeURIComponent(service)}&scope=registry:catalog:*`, { headers: { authorization: await loginHeader(doors.t.keys.alice, service) } });
    const { token: bearer } = (await issued.json()) as { token: string };
    const catalog = await fetch(`${doors.url}/v2/_catalog`, { headers: { authorization: `Bearer ${bearer}` } });
    const repositories = ((await catalog.json()) as { repositories: string[] }).repositories;
    assert.equal(catalog.status, 200);
    assert.ok(repositories.includes('acme/tools/cli'), `Alice's repository is in the catalog: ${repositories}`);
    assert.ok(!repositories.includes('acme/tools/lint'), `a stranger's image is in the catalog as one of acme's: ${repositories}`);
  });

  test('a plugin path outside --plugin-dir is refused without telling where the directory is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hcr-plugin-dir-'));
    const registry = await startPluginRegistry({ context: doors.t.gateway.gateway.context, port: 0, pluginDir: dir });
    const client = pluginClient(registry.address);
    try {
      for (const plugin of ['../../../etc/passwd', '/etc/passwd']) {
        const refused = await call(client, 'RegisterPlugin', { name: 'acme/escape', version: '1.0.0', plugin }, token).then(() => undefined, (error: grpc.ServiceError) => error);
        assert.ok(refused, `${plugin} was read`);
        assert.equal(refused.code, grpc.status.NOT_FOUND, refused.details);
        assert.match(refused.details, /no file under the gateway's --plugin-dir/);
        assert.ok(!refused.details.includes(dir), `the answer names the directory: ${refused.details}`);
      }
    } finally {
      client.close();
      await registry.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a door publish is refused when the version was set on chain while its file was arriving', async () => {
    const held = heldPublish(doors.url, token, { name: 'acme/race', version: '1.0.0' }, randomBytes(3000));
    // Once the metadata part arrived the version is reserved here (a second claim is refused)...
    const reserved = async () => {
      try {
        doors.t.gateway.gateway.context.artifacts.claim('acme/race', '1.0.0')();
        return false;
      } catch {
        return true;
      }
    };
    await waitFor(reserved, 'the held publish to reserve acme/race 1.0.0', 60_000);
    // ...and then the tag is set over the OCI API, which knows nothing of the doors' reservations.
    const file = blobOf(randomBytes(2000));
    const { config, manifest } = artifactManifest(file, 'first.tgz');
    for (const blob of [config, file]) assert.equal((await pushBlob(doors.url, 'acme/race', blob, token)).status, 201);
    assert.equal((await pushManifest(doors.url, 'acme/race', '1.0.0', manifest, undefined, token)).status, 201);
    const answer = await held.finish();
    const body = (await answer.json()) as any;
    assert.equal(answer.status, 409, JSON.stringify(body));
    assert.equal(body.error.code, 'VERSION_EXISTS');
    const { digest } = await doors.t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/race', repo: 'acme', image: 'race' }, '1.0.0');
    assert.equal(digest, manifest.digest, 'the version published first stays');
  });

  test('a download names its file without directories, whatever title its manifest gives', async () => {
    const file = blobOf(randomBytes(1500));
    const { config, manifest } = artifactManifest(file, '../../.ssh/authorized_keys');
    for (const blob of [config, file]) assert.equal((await pushBlob(doors.url, 'acme/sneaky', blob, token)).status, 201);
    assert.equal((await pushManifest(doors.url, 'acme/sneaky', '1.0.0', manifest, undefined, token)).status, 201);
    const response = await fetch(`${doors.url}/api/packages/acme/sneaky/1.0.0/download`);
    assert.equal(response.status, 200);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(file.bytes));
    const disposition = response.headers.get('content-disposition') ?? '';
    assert.doesNotMatch(disposition, /[/\\]|\.\./, disposition);
    assert.match(disposition, /filename="[^"]*authorized_keys"/);
  });

  test('a broken percent-escape in a door path is the client\'s error, said in the door\'s style', async () => {
    const pkg = await fetch(`${doors.url}/api/packages/acme/sens%E0or/1.0.0/download`);
    const body = (await pkg.json()) as any;
    assert.equal(pkg.status, 400, JSON.stringify(body));
    assert.match(body.error.message, /percent|escape/i);
    const fw = await fetch(`${doors.url}/firmware/sens%ZZor/1.0.0`);
    assert.equal(fw.status, 400);
    assert.match(await fw.text(), /percent|escape/i);
  });

  test('a token minted by an expiring admin token does not outlive it', async () => {
    const alice = await loginHeader(doors.t.keys.alice, doors.t.gateway.service);
    const mint = async (authorization: string, body: object) => {
      const response = await fetch(`${doors.url}/api/tokens`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as any };
    };
    const admin = await mint(alice, { name: 'short-admin', scopes: ['admin'], expiresInDays: 1 });
    assert.equal(admin.status, 201);
    const forever = await mint(`Bearer ${admin.body.token}`, { name: 'forever', scopes: ['publish'] });
    assert.equal(forever.status, 201, JSON.stringify(forever.body));
    assert.ok(forever.body.expiresAt !== null && new Date(forever.body.expiresAt) <= new Date(admin.body.expiresAt), `expires ${forever.body.expiresAt}, its minter ${admin.body.expiresAt}`);
    const longer = await mint(`Bearer ${admin.body.token}`, { name: 'longer', scopes: ['read'], expiresInDays: 365 });
    assert.ok(new Date(longer.body.expiresAt) <= new Date(admin.body.expiresAt));
    // A login signed for the request (as `hcr token create` signs one, used once) is not bound so.
    const fresh = await loginHeader(doors.t.keys.alice, doors.t.gateway.service);
    assert.equal((await mint(fresh, { name: 'no-expiry', scopes: ['read'] })).body.expiresAt, null);
  });

  // A version is published once, however it is spelled: node-semver (the index's rule, and the
  // doors') reads a `v1.0.0` tag as the version 1.0.0, so publishing `v1.0.0` next to `1.0.0` is the
  // same version published twice, with other bytes, and without the `moved` flag a repointed tag
  // would carry; a range then resolves to whichever spelling sorts first.
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
      client = pluginClient(registry.address);
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
