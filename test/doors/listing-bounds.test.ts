// Listings read a bounded number of index pages per request: every page is a query that sorts all
// the matching versions, so a listing that paged through tens of thousands of versions did that
// work tens of times for one (possibly anonymous) request. The index here answers full pages
// for ever and records what it was asked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Request, Response } from 'express';
import type { VersionQuery, VersionView } from '../../src/gateway/artifacts/catalog';
import type { GatewayContext } from '../../src/gateway/context';
import { getFirmwareList, MAX_LISTED } from '../../src/gateway/doors/firmware/list';
import { getPackages } from '../../src/gateway/doors/packages/read';

function versionAt(i: number): VersionView {
  return {
    name: 'acme/fw', artifactName: 'fw', space: { id: '1', name: 'acme', owner: '5Alice' }, version: `1.0.${i}`, artifactType: 'application/vnd.hcr.firmware.v1',
    digest: `sha256:${'0'.repeat(64)}`, cid: 'bafy', totalSize: 1, createdAt: '', updatedAt: '', moved: false, moveCount: 0, originalDigest: null, labels: {}, description: null, files: [],
  };
}

function endlessIndex() {
  const versionQueries: VersionQuery[] = [];
  const artifactQueries: { versionLimit?: number }[] = [];
  const catalog = {
    versionPage: async (query: VersionQuery) => {
      versionQueries.push(query);
      const limit = query.limit ?? 1000;
      return { versions: Array.from({ length: limit }, (_, i) => versionAt((query.offset ?? 0) + i)), rows: limit };
    },
    artifacts: async (query: { versionLimit?: number }) => {
      artifactQueries.push(query);
      return [];
    },
  };
  const ctx = { access: { auth: { enabled: false, anonymousPull: true } }, artifacts: { defaultSpace: 'acme', requireCatalog: () => catalog } } as unknown as GatewayContext;
  return { ctx, versionQueries, artifactQueries };
}

function request(url: string): Request {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URL(url, 'http://x').searchParams) {
    const known = query[key];
    query[key] = known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value];
  }
  return { headers: {}, query, originalUrl: url } as unknown as Request;
}

function response() {
  const headers = new Map<string, string>();
  let body: unknown;
  const res = { setHeader: (k: string, v: string) => headers.set(k.toLowerCase(), v), json: (b: unknown) => (body = b) } as unknown as Response;
  return { res, headers, body: () => body as { name: string; firmware: unknown[] }[] };
}

describe('listings over a large index', () => {
  test('GET /firmware reads a bounded number of pages and links the next one', async () => {
    const { ctx, versionQueries } = endlessIndex();
    const { res, headers, body } = response();
    await getFirmwareList(ctx, request('/firmware'), res);
    assert.ok(versionQueries.length <= 5, `${versionQueries.length} index queries for one listing`);
    assert.equal(body()[0].firmware.length, MAX_LISTED);
    assert.equal(headers.get('link'), `</firmware?offset=${MAX_LISTED}&limit=1000>; rel="next"`);
  });

  test('GET /firmware?limit=&offset= is one query for that page', async () => {
    const { ctx, versionQueries } = endlessIndex();
    const { res, headers, body } = response();
    await getFirmwareList(ctx, request('/firmware?name=fw&limit=10&offset=20'), res);
    assert.deepEqual(versionQueries.map((q) => [q.limit, q.offset]), [[10, 20]]);
    assert.equal(body()[0].firmware.length, 10);
    assert.equal(headers.get('link'), '</firmware?name=fw&limit=10&offset=30>; rel="next"');
    await assert.rejects(getFirmwareList(ctx, request('/firmware?limit=0'), response().res), /limit must be a whole number from 1 to 1000/);
    // GraphQL's Int is 32 bits: a larger offset is the client's mistake, not an index that is down.
    for (const path of ['/firmware', '/api/packages']) {
      const handler = path === '/firmware' ? getFirmwareList : getPackages;
      await assert.rejects(handler(ctx, request(`${path}?offset=${2 ** 31}`), response().res), (error: Error & { status?: number }) => error.status === 400 && /offset must be a whole number from 0 to/.test(error.message));
    }
    assert.equal(versionQueries.length, 1);
  });

  test('GET /firmware?version= lets the index filter rather than reading every version', async () => {
    const { ctx, versionQueries } = endlessIndex();
    await getFirmwareList(ctx, request('/firmware?version=1.0.3'), response().res);
    assert.equal(versionQueries[0].range, '1.0.3');
  });

  test('label= filters are bounded in number and size before the index is asked', async () => {
    const { ctx, versionQueries, artifactQueries } = endlessIndex();
    const many = Array.from({ length: 17 }, (_, i) => `label=k${i}=v`).join('&');
    await assert.rejects(getFirmwareList(ctx, request(`/firmware?${many}`), response().res), /17 label= filters: at most 16 are accepted/);
    await assert.rejects(getPackages(ctx, request(`/api/packages?${many}`), response().res), /17 label= filters: at most 16 are accepted/);
    await assert.rejects(getFirmwareList(ctx, request(`/firmware?label=k=${'v'.repeat(2000)}`), response().res), /a label= filter of 2002 characters: at most 1153/);
    assert.deepEqual([versionQueries.length, artifactQueries.length], [0, 0]);
  });

  test('GET /api/packages reads one version per package for its summaries', async () => {
    const { ctx, artifactQueries } = endlessIndex();
    await getPackages(ctx, request('/api/packages?limit=1000'), response().res);
    assert.deepEqual(artifactQueries.map((q) => q.versionLimit), [1]);
  });
});
