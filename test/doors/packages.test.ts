// The package registry's REST API on the gateway: publish with a token (metadata + tarball),
// package metadata (description, versions, owner), downloads verified like pulls, search over
// names and tags, semver ranges resolved through the index, and bad input answered in its JSON
// error format with nothing recorded.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pushBlob, pushManifest } from '../gateway/helpers/oci-client';
import { missingTools, run } from '../gateway/helpers/tools';
import { makeArtifact } from '../indexer/helpers/artifacts';
import { waitFor } from '../indexer/helpers/wait';
import { type DoorsFixture, startDoors } from './helpers/doors';
import { mintToken } from './helpers/tokens';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const PUBLISHED = ['1.0.0', '1.0.1', '1.1.0', '1.2.0-beta.1', '2.0.0'];

describe('the package registry on the gateway', { skip: missingTools(['curl'], 'curl') }, () => {
  let doors: DoorsFixture;
  let dir: string;
  let token: string;
  let readToken: string;
  const tarballs = new Map<string, Buffer>();
  const json = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${doors.url}${path}`, init);
    const body = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', body: body ? JSON.parse(body) : undefined, headers: response.headers };
  };
  const publish = (metadata: unknown, tarball: Buffer | undefined, auth: string | null = token) => {
    const form = new FormData();
    form.append('metadata', typeof metadata === 'string' ? metadata : JSON.stringify(metadata));
    if (tarball) form.append('tarball', new Blob([tarball]), 'package.tar.gz');
    return json('/api/packages/publish', { method: 'POST', body: form, headers: auth ? { authorization: `Bearer ${auth}` } : {} });
  };

  before(async () => {
    doors = await startDoors({ auth: { enabled: true } });
    dir = mkdtempSync(join(tmpdir(), 'hcr-packages-'));
    token = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['publish'], 'ci')).token;
    readToken = (await mintToken(doors.url, doors.t.gateway.service, doors.t.keys.alice, ['read'], 'mirror')).token;
  });
  after(async () => {
    await doors?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('publish with curl and a token, then read the package, download it and find it by name and tag', async () => {
    const tarball = randomBytes(50_000);
    tarballs.set('1.0.0', tarball);
    writeFileSync(join(dir, 'sensor-1.0.0.tar.gz'), tarball);
    const host = doors.url.replace('http://', '');
    const { stdout } = await run('bash', ['-c', `curl -sS -X POST http://${host}/api/packages/publish -H "Authorization: Bearer ${token}" \\
  -F 'metadata={"name":"acme/sensor","version":"1.0.0","description":"Sensor drivers","keywords":["iot","drivers"]}' \\
  -F "tarball=@sensor-1.0.0.tar.gz"`], { cwd: dir });
    const published = JSON.parse(stdout);
    assert.deepEqual([published.name, published.version, published.owner, published.size, published.sha256, published.indexed], ['acme/sensor', '1.0.0', doors.t.keys.alice.address, tarball.length, sha256(tarball), true]);
    assert.equal(published.publishedBy, doors.t.keys.alice.address);

    const info = await json('/api/packages/acme/sensor');
    assert.equal(info.status, 200);
    assert.deepEqual([info.body.name, info.body.space, info.body.owner, info.body.description, info.body.keywords, info.body.kinds, info.body.latest], ['acme/sensor', 'acme', doors.t.keys.alice.address, 'Sensor drivers', ['iot', 'drivers'], ['package'], '1.0.0']);
    const [version] = info.body.versions;
    assert.deepEqual([version.version, version.sha256, version.cid, version.size, version.moved, version.file], ['1.0.0', sha256(tarball), published.cid, tarball.length, false, 'sensor-1.0.0.tar.gz']);
    // A bare name means the default space; @space/name as npm writes scopes works too.
    assert.deepEqual((await json('/api/packages/sensor')).body, info.body);
    assert.deepEqual((await json('/api/packages/@acme/sensor')).body, info.body);

    await run('bash', ['-c', `curl -sS -f http://${host}${version.downloadUrl} -o got.tar.gz`], { cwd: dir });
    assert.ok(readFileSync(join(dir, 'got.tar.gz')).equals(tarball));

    const byName = await json('/api/search?q=sens');
    assert.deepEqual(byName.body.results.map((r: any) => [r.name, r.latest, r.keywords]), [['acme/sensor', '1.0.0', ['iot', 'drivers']]]);
    assert.deepEqual((await json('/api/search?q=iot')).body.results.map((r: any) => r.name), ['acme/sensor'], 'found by its tag');
    assert.deepEqual((await json('/api/search?q=nothing-like-it')).body.results, []);
    assert.deepEqual((await json('/api/packages')).body.packages.map((p: any) => p.name), ['acme/sensor']);
  });

  test('semver ranges resolve to the highest published version, and downloads take a range', async () => {
    for (const version of PUBLISHED.slice(1)) {
      const tarball = randomBytes(1000 + tarballs.size);
      tarballs.set(version, tarball);
      const answer = await publish({ name: 'sensor', version, keywords: ['iot'] }, tarball);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
    }
    const table: [string, string | undefined][] = [
      ['^1.0', '1.1.0'], ['~1.0', '1.0.1'], ['>=1.1.0', '2.0.0'], ['^1.2.0-beta', '1.2.0-beta.1'], ['1.0.0', '1.0.0'], ['<1.0.1 || >=3', '1.0.0'], ['^3', undefined],
    ];
    for (const [range, expected] of table) {
      const answer = await json(`/api/packages/acme/sensor/resolve?range=${encodeURIComponent(range)}`);
      if (expected === undefined) {
        assert.equal(answer.status, 404, range);
        assert.equal(answer.body.error.code, 'NO_MATCH');
      } else {
        assert.equal(answer.body.version, expected, range);
        assert.equal(answer.body.sha256, sha256(tarballs.get(expected)!), range);
      }
    }
    const ranged = await fetch(`${doors.url}/api/packages/acme/sensor/${encodeURIComponent('^1.0')}/download`);
    assert.equal(ranged.headers.get('hcr-version'), '1.1.0');
    assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(tarballs.get('1.1.0')!));
    const latest = await fetch(`${doors.url}/api/packages/acme/sensor/latest/download`);
    assert.equal(latest.headers.get('hcr-version'), '2.0.0');
    const bad = await json('/api/packages/acme/sensor/resolve?range=one%20point%20two');
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /is not a semver range/);
    const versions = (await json('/api/packages/acme/sensor')).body.versions.map((v: any) => v.version);
    assert.deepEqual(versions, ['2.0.0', '1.2.0-beta.1', '1.1.0', '1.0.1', '1.0.0']);
  });

  test('an OCI artifact pushed by any client, of any kind, is a package too', async () => {
    const model = randomBytes(3000);
    const artifact = makeArtifact('application/vnd.example.model.v1', [{ title: 'model.onnx', bytes: model }], { 'org.opencontainers.image.description': 'A model', 'io.hippius.artifact.keywords': 'ml' });
    for (const blob of [artifact.config, ...artifact.files]) assert.equal((await pushBlob(doors.url, 'acme/models/tiny', blob, token)).status, 201);
    assert.equal((await pushManifest(doors.url, 'acme/models/tiny', '0.1.0', artifact.manifest, undefined, token)).status, 201);
    const info = await waitFor(async () => {
      const answer = await json('/api/packages/acme/models/tiny');
      return answer.status === 200 ? answer.body : undefined;
    }, 'the index to list the pushed artifact');
    assert.deepEqual([info.kinds, info.description, info.keywords, info.versions[0].version, info.versions[0].file], [['application/vnd.example.model.v1'], 'A model', ['ml'], '0.1.0', 'model.onnx']);
    const download = await fetch(`${doors.url}${info.versions[0].downloadUrl}`);
    assert.ok(Buffer.from(await download.arrayBuffer()).equals(model));
    assert.deepEqual((await json('/api/search?q=ml')).body.results.map((r: any) => r.name), ['acme/models/tiny']);
    assert.deepEqual((await json('/api/packages?kind=application/vnd.example.model.v1')).body.packages.map((p: any) => p.name), ['acme/models/tiny']);
  });

  test('a version with several files: published in one request (or by hcr artifact push), each downloadable by its title', async () => {
    const tarballBytes = randomBytes(4000);
    const signature = randomBytes(64);
    const form = new FormData();
    form.append('metadata', JSON.stringify({ name: 'acme/signed', version: '1.0.0', sha256: sha256(tarballBytes) }));
    form.append('tarball', new Blob([tarballBytes]), 'signed-1.0.0.tgz');
    form.append('file', new Blob([signature]), 'signed-1.0.0.tgz.sig');
    const published = await json('/api/packages/publish', { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    assert.equal(published.status, 201, JSON.stringify(published.body));
    assert.deepEqual(published.body.files.map((f: any) => [f.title, f.size, f.sha256]), [['signed-1.0.0.tgz', 4000, sha256(tarballBytes)], ['signed-1.0.0.tgz.sig', 64, sha256(signature)]]);
    const main = await fetch(`${doors.url}/api/packages/acme/signed/1.0.0/download`);
    assert.ok(Buffer.from(await main.arrayBuffer()).equals(tarballBytes));
    const sig = await fetch(`${doors.url}/api/packages/acme/signed/1.0.0/download?file=signed-1.0.0.tgz.sig`);
    assert.ok(Buffer.from(await sig.arrayBuffer()).equals(signature));
    assert.equal((await json('/api/packages/acme/signed/1.0.0/download?file=nope')).body.error.code, 'NOT_FOUND');
    // The CLI: several files in one push, one of them pulled by its title.
    writeFileSync(join(dir, 'tool.bin'), tarballBytes);
    writeFileSync(join(dir, 'tool.txt'), 'the manual\n');
    const env = { ...process.env, HCR_REGISTRY: doors.url, HCR_TOKEN: token };
    const pushed = JSON.parse((await run(process.execPath, [join(__dirname, '..', '..', 'bin', 'hcr.js'), 'artifact', 'push', 'acme/tool:3.0.0', 'tool.bin', 'tool.txt', '--kind', 'package', '--json'], { cwd: dir, env })).stdout);
    assert.deepEqual(pushed.files.map((f: any) => f.title), ['tool.bin', 'tool.txt']);
    await run(process.execPath, [join(__dirname, '..', '..', 'bin', 'hcr.js'), 'artifact', 'pull', 'acme/tool:3.0.0', '--file', 'tool.txt', '-o', 'manual.txt'], { cwd: dir, env });
    assert.equal(readFileSync(join(dir, 'manual.txt'), 'utf8'), 'the manual\n');
  });

  test('bad input: each answered as {"error":{code,message}} naming the fix, nothing recorded', async () => {
    const tarball = randomBytes(2000);
    const cases: [string, ReturnType<typeof publish>, number, string, RegExp][] = [
      ['no token', publish({ name: 'x', version: '1.0.0' }, tarball, null), 401, 'UNAUTHORIZED', /publishing needs a token/],
      ['read token', publish({ name: 'x', version: '1.0.0' }, tarball, readToken), 403, 'FORBIDDEN', /scope read, which does not publish/],
      ['revoked-looking token', publish({ name: 'x', version: '1.0.0' }, tarball, `hcrt_${'0'.repeat(16)}_${'0'.repeat(64)}`), 401, 'UNAUTHORIZED', /not known to this gateway/],
      ['duplicate', publish({ name: 'acme/sensor', version: '1.0.0' }, tarball), 409, 'VERSION_EXISTS', /already published/],
      ['not semver', publish({ name: 'acme/other', version: 'latest' }, tarball), 400, 'INVALID_VERSION', /not a semantic version/],
      ['no version', publish({ name: 'acme/other' }, tarball), 400, 'INVALID_VERSION', /version is missing/],
      ['invalid name', publish({ name: 'acme/Other Package', version: '1.0.0' }, tarball), 400, 'INVALID_NAME', /not a valid artifact name/],
      ['missing tarball', publish({ name: 'acme/other', version: '1.0.0' }, undefined), 400, 'MISSING_PART', /tarball part is missing/],
      ['digest mismatch', publish({ name: 'acme/other', version: '1.0.1', sha256: sha256(Buffer.from('something else')) }, tarball), 400, 'DIGEST_MISMATCH', /as declared: nothing was stored/],
      ['oversized metadata', publish({ name: 'acme/other', version: '1.0.2', description: 'x'.repeat(17_000) }, tarball), 413, 'TOO_LARGE', /larger than 16384 bytes/],
      ['bad keywords', publish({ name: 'acme/other', version: '1.0.3', keywords: ['Not A Word!'] }, tarball), 400, 'INVALID_METADATA', /metadata\.keywords entry/],
      ['another account\'s space', publish({ name: 'bobspace/pkg', version: '1.0.0' }, tarball), 403, 'FORBIDDEN', /neither the owner nor a member/],
    ];
    for (const [what, answer, status, code, message] of cases) {
      const got = await answer;
      assert.equal(got.status, status, `${what}: ${JSON.stringify(got.body)}`);
      assert.match(got.type, /^application\/json/, what);
      assert.equal(got.body.error.code, code, what);
      assert.match(got.body.error.message, message, what);
    }
    for (const version of ['1.0.0', '1.0.1', '1.0.2', '1.0.3']) {
      const { digest } = await doors.t.gateway.gateway.context.chain.tagWithClaim({ full: 'acme/other', repo: 'acme', image: 'other' }, version);
      assert.equal(digest, undefined, `acme/other ${version} is not on chain`);
    }
    assert.equal((await json('/api/packages/acme/other')).status, 404);
    assert.equal((await json('/api/search')).body.error.code, 'INVALID_METADATA');
  });
});
