// A package download or resolve by a semver range takes the version the index picked only when the
// gateway agrees: it satisfies the range by the index's own rule (pre-releases only for a
// comparator with one on the same major.minor.patch) and belongs to the package asked for. An
// answer that does not is logged and answered as no matching version. Ranges the index would
// spend long matching (too long, too many comparators) are refused with 400 before it is asked.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** What the stand-in index answers to every artifactVersions query: one version, as configured. */
let answer = { space: 'acme', name: 'sensor', version: '2.0.0' };
let versionQueries = 0;

function row() {
  return {
    version: answer.version, artifactType: 'application/vnd.hippius.package.v1', digest: DIGEST, cid: 'bafy', totalSize: '3', createdAt: '2024-01-01T00:00:00Z', updatedAt: '2024-01-01T00:00:00Z',
    moved: false, moveCount: 0, originalDigest: null, artifactName: answer.name, space: { id: '1', name: answer.space, owner: '5GrwvaDefr8GFAAsygQEw6wTT7Fg6JcGoy55ECRWPGoQ3xJV' },
    labels: [], description: null, files: [{ title: 'sensor.tgz', mediaType: 'application/gzip', digest: `sha256:${'b'.repeat(64)}`, size: '3' }],
  };
}

describe('package ranges the gateway checks itself', () => {
  let index: Server;
  let t: TestGateway;

  before(async () => {
    index = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        const query = String((JSON.parse(body || '{}') as { query?: string }).query ?? '');
        const data = /\bartifactVersions\s*\(/.test(query) ? (versionQueries++, { artifactVersions: [row()] }) : { digestInfoRecords: [], artifacts: [] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
    t = await startTestGateway({ index: `http://127.0.0.1:${(index.address() as AddressInfo).port}/graphql`, artifacts: { defaultSpace: 'acme' } });
  });
  after(async () => {
    await t?.close();
    index?.closeAllConnections();
    await new Promise((resolve) => index?.close(resolve));
  });

  const get = async (path: string) => {
    const response = await fetch(`${t.url}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  test('a version the index picked outside the range, or of another package, is no match, and logged', async () => {
    const cases: [typeof answer, string][] = [
      [{ space: 'acme', name: 'sensor', version: '2.0.0' }, '^1.0'],
      [{ space: 'acme', name: 'sensor', version: '1.5.0-beta.1' }, '^1.0'],
      [{ space: 'acme', name: 'other', version: '1.4.0' }, '^1.0'],
      [{ space: 'evil', name: 'sensor', version: '1.4.0' }, '^1.0'],
    ];
    for (const [picked, range] of cases) {
      answer = picked;
      const download = await get(`/api/packages/acme/sensor/${encodeURIComponent(range)}/download`);
      assert.equal(download.status, 404, JSON.stringify(picked));
      assert.equal(download.body.error.code, 'NO_MATCH');
      assert.match(download.body.error.message, /no version of acme\/sensor satisfies "\^1\.0"/);
      const resolved = await get(`/api/packages/acme/sensor/resolve?range=${encodeURIComponent(range)}`);
      assert.equal(resolved.status, 404, JSON.stringify(picked));
      assert.equal(resolved.body.error.code, 'NO_MATCH');
    }
    assert.ok(t.logs.some((line) => /resolving "\^1\.0" of acme\/sensor: the index picked version "2\.0\.0", which does not satisfy/.test(line)), t.logs.join('\n'));
    assert.ok(t.logs.some((line) => /the index answered "acme\/other" for "acme\/sensor"/.test(line)));
  });

  test('a version that does satisfy the range, by the index\'s rule, is taken', async () => {
    for (const [version, range] of [['1.4.0', '^1.0'], ['v1.4.0', '^1.0'], ['1.5.0-beta.1', '^1.5.0-beta.0'], ['2.0.0', 'latest']]) {
      answer = { space: 'acme', name: 'sensor', version };
      const resolved = await get(`/api/packages/acme/sensor/resolve?range=${encodeURIComponent(range === 'latest' ? '*' : range)}`);
      assert.equal(resolved.status, 200, `${version} for ${range}: ${JSON.stringify(resolved.body)}`);
      assert.equal(resolved.body.version, version);
    }
  });

  test('a range too long or with too many comparators is refused with 400 naming the limit, without asking the index', async () => {
    const before = versionQueries;
    // ~10 KB, under the HTTP header limit once percent-escaped (a comparator `1.0.0` is an exact version).
    const long = '1.0.0 '.repeat(1700).trim();
    assert.ok(long.length > 10_000);
    const download = await get(`/api/packages/acme/sensor/${encodeURIComponent(long)}/download`);
    assert.equal(download.status, 400);
    assert.match(download.body.error.message, /a version range of \d+ characters is longer than the 256 taken/);
    const resolve = await get(`/api/packages/acme/sensor/resolve?range=${encodeURIComponent(long)}`);
    assert.equal(resolve.status, 400);
    assert.match(resolve.body.error.message, /longer than the 256 taken/);
    const many = Array.from({ length: 40 }, (_, i) => `>${i}`).join(' ');
    assert.ok(many.length <= 256);
    for (const path of [`/api/packages/acme/sensor/${encodeURIComponent(many)}/download`, `/api/packages/acme/sensor/resolve?range=${encodeURIComponent(many)}`]) {
      const refused = await get(path);
      assert.equal(refused.status, 400, path);
      assert.match(refused.body.error.message, /a version range of 40 comparators has more than the 32 taken/);
    }
    assert.equal(versionQueries, before, 'the index was asked to match a refused range');
  });
});
