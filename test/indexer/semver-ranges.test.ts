// Semver range resolution through GraphQL, on versions published through the gateway's push
// path and read back by the content indexer: node-semver's rules (^, ~, >=, x-ranges; a
// pre-release only where the range names one on the same major.minor.patch), highest first, and
// an empty list when nothing matches.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { randomBlob } from '../gateway/helpers/oci-client';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { makeArtifact, pushArtifact } from './helpers/artifacts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { gqlResponse } from './helpers/graphql';
import { waitFor } from './helpers/wait';

const PACKAGE = 'application/vnd.example.package.v1';
const PUBLISHED = ['1.0.0', '1.0.1', '1.1.0', '1.2.0-beta.1', '1.2.0', '2.0.0-rc.1', '2.0.0'];

/** Each range and exactly the versions it resolves to, highest first. */
const RANGES: [range: string, versions: string[]][] = [
  ['^1.0', ['1.2.0', '1.1.0', '1.0.1', '1.0.0']],
  ['~1.0', ['1.0.1', '1.0.0']],
  ['>=1.1.0 <2', ['1.2.0', '1.1.0']],
  ['^1.2.0-beta', ['1.2.0', '1.2.0-beta.1']],
  ['>=2.0.0-rc.1', ['2.0.0', '2.0.0-rc.1']],
  ['>=1.2.0', ['2.0.0', '1.2.0']],
  ['1.x', ['1.2.0', '1.1.0', '1.0.1', '1.0.0']],
  ['1.0.1', ['1.0.1']],
  ['<1.0.1 || 2', ['2.0.0', '1.0.0']],
  ['*', ['2.0.0', '1.2.0', '1.1.0', '1.0.1', '1.0.0']],
  ['^3', []],
];

describe('semver ranges over published versions', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let ipfs: KuboApiServer;
  let indexer: TestIndexer;

  const resolve = async (range: string | null, limit = 100): Promise<string[]> => {
    const answer = await indexer.query('query($r: String, $l: Int!) { artifactVersions(space: "acme", name: "tools/cli", range: $r, limit: $l) { version } }', { r: range, l: limit });
    return answer.artifactVersions.map((v: { version: string }) => v.version);
  };

  before(async () => {
    t = await startTestGateway();
    ipfs = await startKuboApiServer({ store: t.store, port: 0 });
    pg = await startTestPostgres();
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl: await pg.newDatabase('semver'), ipfsApi: ipfs.url });
    // Published out of order, so that the order comes from the versions, not from the chain.
    for (const version of [...PUBLISHED].reverse()) {
      await pushArtifact(t.url, 'acme/tools/cli', version, makeArtifact(PACKAGE, [{ title: `cli-${version}.tgz`, bytes: randomBlob(256).bytes }], { 'com.example.version': version }));
    }
    // A tag that is no version: listed last, matched by no range.
    await pushArtifact(t.url, 'acme/tools/cli', 'latest', makeArtifact(PACKAGE, [{ title: 'cli-latest.tgz', bytes: randomBlob(256).bytes }]));
    await waitFor(async () => (await resolve(null)).length === PUBLISHED.length + 1, 'every published version to be indexed', 60_000);
  });

  after(async () => {
    await indexer?.close();
    await ipfs?.close();
    await pg?.close();
    await t?.close();
  });

  test('without a range: every version, highest first, pre-releases in their place, tags that are no version last', async () => {
    assert.deepEqual(await resolve(null), ['2.0.0', '2.0.0-rc.1', '1.2.0', '1.2.0-beta.1', '1.1.0', '1.0.1', '1.0.0', 'latest']);
  });

  for (const [range, versions] of RANGES) {
    test(`${JSON.stringify(range)} resolves to ${versions.length === 0 ? 'nothing' : versions.join(', ')}`, async () => {
      assert.deepEqual(await resolve(range), versions);
      // The highest match is the first: what a client asking for one version gets.
      assert.deepEqual(await resolve(range, 1), versions.slice(0, 1));
    });
  }

  test('an artifact lists its versions by range and calls the highest release latest', async () => {
    const { artifacts } = await indexer.query('{ artifacts(space: "acme", kind: ["application/vnd.example.package.v1"]) { name versionCount latest { version semver prerelease } caret: versions(range: "^1.2.0-beta") { version prerelease } } }');
    assert.deepEqual(artifacts, [{
      name: 'tools/cli', versionCount: 8, latest: { version: '2.0.0', semver: '2.0.0', prerelease: false },
      caret: [{ version: '1.2.0', prerelease: false }, { version: '1.2.0-beta.1', prerelease: true }],
    }]);
  });

  test('artifacts page by space and name, each with its own versions', async () => {
    for (const name of ['tools/zeta', 'tools/alpha']) {
      await pushArtifact(t.url, `acme/${name}`, '0.1.0', makeArtifact(PACKAGE, [{ title: `${name}.tgz`, bytes: randomBlob(64).bytes }]));
    }
    const page = async (offset: number) => (await indexer.query('query($o: Int!) { artifacts(space: "acme", limit: 1, offset: $o) { name versionCount latest { version } } }', { o: offset })).artifacts;
    await waitFor(async () => (await page(2)).length === 1, 'the two new artifacts to be indexed', 60_000);
    assert.deepEqual(await page(0), [{ name: 'tools/alpha', versionCount: 1, latest: { version: '0.1.0' } }]);
    assert.deepEqual(await page(1), [{ name: 'tools/cli', versionCount: 8, latest: { version: '2.0.0' } }]);
    assert.deepEqual(await page(2), [{ name: 'tools/zeta', versionCount: 1, latest: { version: '0.1.0' } }]);
    assert.deepEqual(await page(3), []);
  });

  test('a range that is no semver range is answered as the client\'s error, with an example', async () => {
    const response = await gqlResponse(indexer.graphql.url, '{ artifactVersions(range: "one point two") { version } }');
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(response.errors![0].message, /is not a semver range; write one as npm does, e\.g\. "\^1\.2"/);
  });
});
