// The firmware server's REST API on the gateway (SPORE registry's routes): its README's curl lines
// with a token added, the listing filters, downloads verified like pulls, (name, version) unique,
// a moved version's download saying so, and bad input answered as plain text with nothing recorded.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { blobOf, pushBlob, pushManifest } from '../gateway/helpers/oci-client';
import { missingTools, run } from '../gateway/helpers/tools';
import { waitFor } from '../indexer/helpers/wait';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { mintToken } from './helpers/tokens';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the firmware server on the gateway', { skip: missingTools(['curl'], 'curl') }, () => {
  let doors: DoorsFixture;
  let dir: string;
  let token: string;
  let host: string;
  const firmware = randomBytes(300_000);
  const curl = (line: string) => run('bash', ['-c', line], { cwd: dir, timeoutMs: 120_000 });
  const text = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${doors.url}${path}`, init);
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text(), headers: response.headers };
  };
  const upload = (metadata: string, file: Buffer | undefined, auth = `Bearer ${token}`) => {
    const form = new FormData();
    form.append('metadata', metadata);
    if (file) form.append('firmware', new Blob([file]), 'firmware.bin');
    return text('/firmware', { method: 'POST', body: form, headers: auth ? { authorization: auth } : {} });
  };
  const tagOnChain = async (image: string, tag: string) => (await doors.t.gateway.gateway.context.chain.tagWithClaim({ full: `acme/${image}`, repo: "acme", image }, tag)).digest;

  before(async () => {
    doors = await startDoors({ auth: { enabled: true } });
    host = doors.url.replace('http://', '');
    dir = mkdtempSync(join(tmpdir(), 'hcr-firmware-'));
    writeFileSync(join(dir, 'firmware.bin'), firmware);
    token = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
  });
  after(async () => {
    await doors?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the README\'s curl lines: upload, list (all, by name, by version), download, health', async () => {
    const uploaded = await curl(`curl -sS -X POST http://${host}/firmware -H "Authorization: Bearer ${token}" \\
-F "metadata={\\"name\\":\\"base\\",\\"version\\":\\"1.0.0\\",\\"labels\\":{\\"app\\":\\"base\\"}}" \\
-F "firmware=@firmware.bin"`);
    const answer = JSON.parse(uploaded.stdout);
    assert.deepEqual([answer.success, answer.name, answer.version, answer.size], [true, 'base', '1.0.0', firmware.length]);
    assert.equal(answer.digest, `sha256:${sha256(firmware)}`);
    assert.equal(answer.indexed, true);

    const all = JSON.parse((await curl(`curl -sS http://${host}/firmware`)).stdout);
    assert.equal(all.length, 1);
    assert.equal(all[0].name, 'base');
    assert.deepEqual(all[0].firmware.map((f: any) => [f.name, f.version, f.size, f.labels, f.download_url]), [['base', '1.0.0', firmware.length, { app: 'base' }, '/firmware/base/1.0.0']]);
    assert.deepEqual(JSON.parse((await curl(`curl -sS "http://${host}/firmware?name=base"`)).stdout), all);
    assert.deepEqual(JSON.parse((await curl(`curl -sS "http://${host}/firmware?version=1.0.0"`)).stdout), all);
    assert.deepEqual(JSON.parse((await curl(`curl -sS "http://${host}/firmware?version=9.9.9"`)).stdout), []);

    await curl(`curl -sS http://${host}/firmware/base/1.0.0 -o downloaded.bin`);
    assert.ok(readFileSync(join(dir, 'downloaded.bin')).equals(firmware), 'the download is the uploaded binary');
    const health = JSON.parse((await curl(`curl -sS http://${host}/health`)).stdout);
    assert.equal(health.status, 'healthy');
  });

  test('labels filter the listing; a space-qualified name works beside the default space', async () => {
    const second = randomBytes(1000);
    assert.equal((await upload(JSON.stringify({ name: 'sensor', version: '2.0.0', labels: { app: 'sensor', platform: 'esp32' } }), second)).status, 201);
    assert.equal((await upload(JSON.stringify({ name: 'acme/sensor', version: '2.1.0', labels: { app: 'sensor', platform: 'esp8266' } }), second)).status, 201);
    const byLabel = JSON.parse((await text('/firmware?label=platform=esp32')).body);
    assert.deepEqual(byLabel.map((g: any) => [g.name, g.firmware.map((f: any) => f.version)]), [['sensor', ['2.0.0']]]);
    // Every label must match: two of one key match no firmware, not the last one given.
    assert.deepEqual(JSON.parse((await text('/firmware?label=platform=esp32&label=platform=esp8266')).body), []);
    const both = JSON.parse((await text('/firmware?label=app=sensor&label=platform=esp8266')).body);
    assert.deepEqual(both.map((g: any) => [g.name, g.firmware.map((f: any) => f.version)]), [['sensor', ['2.1.0']]]);
    const qualified = JSON.parse((await text('/firmware?name=acme/sensor')).body);
    assert.deepEqual(qualified[0].firmware.map((f: any) => f.version), ['2.1.0', '2.0.0']);
    const download = await fetch(`${doors.url}/firmware/acme/sensor/2.1.0`);
    assert.equal(download.status, 200);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(second));
  });

  test('a (name, version) that exists is refused, as the original\'s UNIQUE(name, version) does', async () => {
    const before = await tagOnChain('base', '1.0.0');
    const again = await upload(JSON.stringify({ name: 'base', version: '1.0.0', labels: {} }), randomBytes(10));
    assert.equal(again.status, 409);
    assert.match(again.type, /^text\/plain/);
    assert.match(again.body, /acme\/base 1\.0\.0 is already published .*versions are immutable/);
    assert.deepEqual(await tagOnChain('base', '1.0.0'), before, 'the tag still points at the first upload');
  });

  test('bad input: each a plain-text error naming the fix, and nothing recorded', async () => {
    const cases: [string, Promise<{ status: number; type: string; body: string }>, number, RegExp][] = [
      ['no token', upload(JSON.stringify({ name: 'x', version: '1.0.0' }), firmware, ''), 401, /publishing needs a token/],
      ['invalid name', upload(JSON.stringify({ name: 'Bad Name!', version: '1.0.0' }), firmware), 400, /is not a valid artifact name/],
      ['not semver', upload(JSON.stringify({ name: 'bad-version', version: 'one' }), firmware), 400, /"one" is not a semantic version: write MAJOR\.MINOR\.PATCH/],
      ['build metadata', upload(JSON.stringify({ name: 'bad-version', version: '1.0.0+abc' }), firmware), 400, /build metadata/],
      ['missing firmware', upload(JSON.stringify({ name: 'no-binary', version: '1.0.0' }), undefined), 400, /the firmware part is missing/],
      ['metadata not JSON', upload('{name:', firmware), 400, /metadata is not valid JSON/],
      ['labels not text', upload(JSON.stringify({ name: 'labels', version: '1.0.0', labels: { a: { b: 1 } } }), firmware), 400, /label "a" must have a text value/],
      ['oversized metadata', upload(JSON.stringify({ name: 'big', version: '1.0.0', labels: { a: 'x'.repeat(20_000) } }), firmware), 413, /larger than 16384 bytes/],
      ['digest mismatch', upload(JSON.stringify({ name: 'wrong-digest', version: '1.0.0', sha256: sha256(Buffer.from('other')) }), firmware), 400, /not sha256:[0-9a-f]{64} as declared: nothing was stored/],
      ['unknown space', upload(JSON.stringify({ name: 'nospace/fw', version: '1.0.0' }), firmware), 404, /space "nospace"|nospace/],
      ['another account\'s space', upload(JSON.stringify({ name: 'bobspace/fw', version: '1.0.0' }), firmware), 403, /neither the owner nor a member/],
    ];
    for (const [what, answer, status, message] of cases) {
      const got = await answer;
      assert.equal(got.status, status, `${what}: ${got.body}`);
      assert.match(got.type, /^text\/plain/, what);
      assert.match(got.body, message, what);
    }
    const missing = await text('/firmware', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 400);
    assert.match(missing.body, /multipart\/form-data/);
    for (const image of ['no-binary', 'wrong-digest', 'big', 'labels']) assert.equal(await tagOnChain(image, '1.0.0'), undefined, `${image} is not on chain`);
    // The binary whose digest did not match was not pinned: the gateway holds no blob of it.
    assert.equal(await doors.t.gateway.gateway.context.local.get(`sha256:${sha256(firmware)}`).then((b) => b?.repositories?.includes('acme/wrong-digest')), false);
    assert.equal((await text('/firmware/base/9.9.9')).status, 404);
    assert.match((await text('/firmware/base/9.9.9')).body, /acme\/base has no version "9\.9\.9"/);
  });

  test('a version whose tag was moved afterwards is flagged in the listing, and its download says so', async () => {
    const first = await upload(JSON.stringify({ name: 'movable', version: '1.0.0', labels: {} }), randomBytes(500));
    assert.equal(first.status, 201);
    // Someone pushes another manifest to the same tag through the OCI API, which cannot refuse it.
    const bytes = randomBytes(600);
    const layer = blobOf(bytes);
    const config = blobOf('{}');
    for (const blob of [config, layer]) assert.equal((await pushBlob(doors.url, 'acme/movable', blob, undefined)).status, 401);
    const oci = await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'oci');
    for (const blob of [config, layer]) assert.equal((await pushBlob(doors.url, 'acme/movable', blob, oci.token)).status, 201);
    const manifest = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.hcr.firmware.v1', config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: config.digest, size: config.size }, layers: [{ mediaType: 'application/octet-stream', digest: layer.digest, size: layer.size }] }));
    assert.equal((await pushManifest(doors.url, 'acme/movable', '1.0.0', manifest, undefined, oci.token)).status, 201);
    const listed = await waitFor(async () => {
      const groups = JSON.parse((await text('/firmware?name=movable')).body);
      return groups[0]?.firmware[0]?.moved ? groups[0].firmware[0] : undefined;
    }, 'the index to flag the moved version');
    assert.equal(listed.original_digest, JSON.parse(first.body).manifest_digest);
    // A read of the tag and of its moves is reused for two seconds (read-version.ts): the listing
    // can show the move within that window of an earlier read, so the download is asked after it.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const download = await fetch(`${doors.url}/firmware/movable/1.0.0`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('hcr-version-moved'), 'true');
    assert.equal(download.headers.get('hcr-original-digest'), JSON.parse(first.body).manifest_digest);
    assert.match(download.headers.get('warning') ?? '', /was moved to another manifest/);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(bytes), 'the bytes the tag points at now');
  });
});
