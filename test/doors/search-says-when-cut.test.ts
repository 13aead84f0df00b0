// GET /api/search matches keywords itself (the index matches part of a name, not part of a
// keyword), reading up to 1,000 artifacts that have keywords whatever q is. Past 1,000 it passed
// over the rest in silence: a package whose keyword matched was simply not found, and the answer
// looked complete. It still reads at most 1,000 per half, and now says when the index had more.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Request, Response } from 'express';
import { ArtifactDoors } from '../../src/gateway/artifacts/artifact-doors';
import type { GatewayContext } from '../../src/gateway/context';
import { getSearch, SEARCHED } from '../../src/gateway/doors/packages/search';

const version = (space: string, name: string, keywords: string) => ({
  version: '1.0.0', artifactType: 'application/vnd.hcr.package.v1', digest: `sha256:${'1'.repeat(64)}`, cid: 'bafymanifest', totalSize: '1',
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', moved: false, moveCount: 0, originalDigest: null, artifactName: name,
  space: { id: space, name: space, owner: `owner-${space}` }, labels: [{ key: 'io.hippius.artifact.keywords', value: keywords }], description: null, files: [],
});
const artifact = (space: string, name: string, keywords: string) => {
  const latest = version(space, name, keywords);
  return { name, kinds: [latest.artifactType], versionCount: 1, description: null, updatedAt: latest.updatedAt, space: latest.space, labels: latest.labels, latest, versions: [latest] };
};

/** How many artifacts with keywords the index holds (it answers pages of them, in name order). */
let tagged = 0;
let asked: Record<string, any>[] = [];
let index: http.Server;
let ctx: GatewayContext;

before(async () => {
  index = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk));
    req.on('end', () => {
      const { variables } = JSON.parse(text) as { variables: Record<string, any> };
      asked.push(variables);
      // The name half finds nothing; the keyword half is a page of the artifacts with keywords,
      // the one tagged "sensor" last of all.
      const all = variables.contains ? [] : Array.from({ length: tagged }, (_, i) => (i === tagged - 1 ? artifact('zeta', 'probe', 'iot, sensor') : artifact(`team${i}`, 'tool', 'cli')));
      const page = all.slice(variables.offset, variables.offset + variables.limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { artifacts: page } }));
    });
  });
  await new Promise<void>((resolve) => index.listen(0, '127.0.0.1', resolve));
  const artifacts = new ArtifactDoors({ graphqlUrl: `http://127.0.0.1:${(index.address() as AddressInfo).port}/graphql` });
  ctx = { access: { auth: { enabled: false, anonymousPull: true } }, artifacts } as unknown as GatewayContext;
});

after(async () => {
  index.closeAllConnections();
  await new Promise((resolve) => index.close(resolve));
});

async function search(q: string): Promise<any> {
  let body: unknown;
  const req = { headers: {}, query: { q } } as unknown as Request;
  const res = { json: (b: unknown) => (body = b) } as unknown as Response;
  asked = [];
  await getSearch(ctx, req, res);
  return body;
}

test('a keyword match among fewer artifacts than one search reads is found, and the answer is complete', async () => {
  tagged = 10;
  const found = await search('sens');
  assert.deepEqual(found.results.map((r: { name: string }) => r.name), ['zeta/probe']);
  assert.equal(found.complete, true);
  assert.equal(found.note, undefined);
});

test(`past ${SEARCHED} artifacts with keywords the search stays bounded and says it was cut`, async () => {
  tagged = SEARCHED + 5;
  const found = await search('sens');
  assert.ok(asked.every((v) => v.limit <= SEARCHED && v.offset === 0), `one bounded page per half: ${JSON.stringify(asked.map((v) => [v.limit, v.offset]))}`);
  assert.equal(asked.length, 2);
  assert.deepEqual(found.results, [], 'the match past the bound is not found');
  assert.equal(found.complete, false, 'and the answer says the search was cut');
  assert.match(found.note, /^only the first 1000 artifacts with keywords were searched, and the index has more: matches past them are missing .*; narrow the search with kind= or a longer q$/);
});
