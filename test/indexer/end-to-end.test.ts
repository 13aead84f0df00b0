// The indexer end to end against the dev chain and a real (embedded) Postgres: registry calls
// made directly, through the gateway's proxy + batch path, in a plain batch, a failed proxied
// call, odd bytes → the exact rows GraphQL returns; and the README examples in
// docs/graphql-examples.md, each run here, with artifacts whose bytes are in a real IPFS store
// read by the content indexer.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddedBlobStore, embeddedIpfsDir, type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { startTestChain, type TestChain } from '../helpers/devnet';
import { devAccounts, type DevAccounts } from './helpers/accounts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { gqlResponse } from './helpers/graphql';
import { danglingReferences, referenceCount } from './helpers/references';
import { INVALID_UTF8_DIGEST, MULTIBYTE_IMAGE_NAME, NON_UTF8_NAME, runScenario, type ScenarioResult } from './helpers/scenario';
import { PLUGIN_TYPE, publishArtifacts, type PublishedArtifacts } from './helpers/published-artifacts';
import { waitFor } from './helpers/wait';

let chain: TestChain;
let pg: TestPostgres;
let indexer: TestIndexer;
let a: DevAccounts;
let scenario: ScenarioResult;
let published: PublishedArtifacts;
let dbUrl: string;
let ipfsDir: string;
let store: EmbeddedBlobStore;
let ipfs: KuboApiServer;

before(async () => {
  a = await devAccounts();
  chain = await startTestChain();
  pg = await startTestPostgres();
  ipfsDir = mkdtempSync(path.join(tmpdir(), 'hcr-e2e-ipfs-'));
  store = await EmbeddedBlobStore.open(embeddedIpfsDir(ipfsDir));
  ipfs = await startKuboApiServer({ store, port: 0 });
  scenario = await runScenario(chain.api, a);
  published = await publishArtifacts(chain.api, store, a.ferdie);
  dbUrl = await pg.newDatabase('e2e');
  indexer = await startTestIndexer({ chainRpc: chain.devnet.wsUrl, dbUrl, ipfsApi: ipfs.url });
  const best = (await chain.api.rpc.chain.getHeader()).hash.toHex();
  await indexer.waitForHead(best, 60_000);
  // Every manifest read (the scenario's made-up digests are no sha256 digests: invalid), and the
  // index's total summed over its children.
  await waitFor(async () => {
    const done = await indexer.query('{ manifestContentsConnection(orderBy: id_ASC, where: { state_eq: pending }) { totalCount } manifestContents(where: { kind_eq: index, totalSize_isNull: false }) { id } }');
    return done.manifestContentsConnection.totalCount === 0 && done.manifestContents.length === 1;
  }, 'the content indexer to read every manifest', 60_000);
});

after(async () => {
  await indexer?.close();
  await ipfs?.close();
  await store?.close();
  await pg?.close();
  await chain?.close();
  if (ipfsDir) rmSync(ipfsDir, { recursive: true, force: true });
});

test('spaces: names, owners, member lists with duplicates, counts and creation context', async () => {
  const { spaces } = await indexer.query(`{ spaces(orderBy: blockNumber_ASC) {
    id name nameHex searchText owner { id } memberCount imageCount tagCount manifestCount digestInfoCount
    blockNumber blockHash timestamp extrinsicHash signer proxy
    members(orderBy: position_ASC) { account { id } isOwner position }
  } }`);
  assert.deepEqual(spaces.map((s: any) => [s.id, s.name, s.nameHex, s.owner.id]), [
    [scenario.spaceIds.acme, 'acme', '0x61636d65', a.alice.address],
    [scenario.spaceIds.bobs, 'bobs', '0x626f6273', a.bob.address],
    [scenario.spaceIds.dave, null, NON_UTF8_NAME, a.dave.address],
    [scenario.spaceIds.eve, '', '0x', a.eve.address],
    [published.spaceId, 'tools', '0x746f6f6c73', a.ferdie.address],
  ]);
  const [acme, bobs] = spaces;
  assert.deepEqual(acme.members.map((m: any) => [m.account.id, m.isOwner, m.position]), [
    [a.alice.address, true, 0], [a.charlie.address, false, 1], [a.charlie.address, false, 2], [a.bob.address, false, 3],
  ]);
  assert.deepEqual([acme.memberCount, acme.imageCount, acme.tagCount, acme.manifestCount, acme.digestInfoCount], [4, 2, 3, 3, 2]);
  assert.deepEqual([bobs.memberCount, bobs.imageCount, bobs.tagCount, bobs.digestInfoCount], [2, 1, 1, 1]);
  assert.equal(acme.signer, a.alice.address);
  assert.equal(acme.proxy, null);
  assert.match(acme.extrinsicHash, /^0x[0-9a-f]{64}$/);
  const header = await chain.api.rpc.chain.getHeader(acme.blockHash);
  assert.equal(header.number.toNumber(), acme.blockNumber, 'blockHash and blockNumber name the same block');
  const onChain = (await (await chain.api.at(acme.blockHash)).query.timestamp.now()).toString();
  assert.equal(new Date(acme.timestamp).getTime(), Number(onChain), 'timestamp is the block time');
  const block = await chain.api.rpc.chain.getBlock(acme.blockHash);
  assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === acme.extrinsicHash), 'extrinsicHash is in that block');
});

test('tag history: every ManifestDigestUpdated, with the previous digest, who and when', async () => {
  const { tagUpdates } = await indexer.query(`{ tagUpdates(where: { image: { name_eq: "library/web" } }, orderBy: id_ASC) {
    tag { name } digest previousDigest manifest { cid } account { id } signer proxy blockNumber
  } }`);
  assert.deepEqual(tagUpdates.map((u: any) => [u.tag.name, u.digest, u.previousDigest, u.manifest.cid, u.account.id, u.signer, u.proxy]), [
    ['v1', 'sha256:aaa', null, 'bafyweba', a.alice.address, a.alice.address, null],
    ['latest', 'sha256:aaa', null, 'bafyweba', a.alice.address, a.alice.address, null],
    ['v1', 'sha256:bbb', 'sha256:aaa', 'bafywebb', a.alice.address, a.alice.address, null],
  ]);
  assert.ok(tagUpdates[0].blockNumber < tagUpdates[2].blockNumber);
  const { tags } = await indexer.query(`{ tags(where: { image: { name_eq: "library/web" } }, orderBy: name_ASC) { name digest updateCount manifest { digest cid } } }`);
  assert.deepEqual(tags, [
    { name: 'latest', digest: 'sha256:aaa', updateCount: 1, manifest: { digest: 'sha256:aaa', cid: 'bafyweba' } },
    { name: 'v1', digest: 'sha256:bbb', updateCount: 2, manifest: { digest: 'sha256:bbb', cid: 'bafywebb' } },
  ]);
});

test('the gateway path: proxy + batch_all rows name the real account and the proxy', async () => {
  const { tagUpdates, digestInfoRecords } = await indexer.query(`{
    tagUpdates(where: { image: { name_eq: "api" } }) { digest account { id } signer proxy extrinsicHash manifest { cid account { id } proxy } }
    digestInfoRecords(where: { digest_eq: "sha256:cfg" }) { digestType cid account { id } signer proxy extrinsicHash space { name } }
  }`);
  assert.deepEqual(tagUpdates, [{
    digest: 'sha256:ccc', account: { id: a.alice.address }, signer: a.gateway.address, proxy: a.gateway.address, extrinsicHash: scenario.gatewayTx,
    manifest: { cid: 'bafyapiv2', account: { id: a.alice.address }, proxy: a.gateway.address },
  }]);
  assert.deepEqual(digestInfoRecords, [{
    digestType: 'Json', cid: 'bafycfg', account: { id: a.alice.address }, signer: a.gateway.address, proxy: a.gateway.address, extrinsicHash: scenario.gatewayTx, space: { name: 'acme' },
  }]);
});

test('a proxied call whose inner call failed leaves no rows; a plain batch is indexed', async () => {
  const { images, manifests } = await indexer.query(`{ images(where: { name_eq: "evil" }) { id } manifests(where: { cid_eq: "bafyevil" }) { id } }`);
  assert.deepEqual([images, manifests], [[], []]);
  const { spaces } = await indexer.query(`{ spaces(where: { name_eq: "bobs" }) {
    members(orderBy: position_ASC) { account { id } } images { name tags { name digest } }
  } }`);
  assert.deepEqual(spaces[0].members.map((m: any) => m.account.id), [a.bob.address, a.dave.address]);
  assert.deepEqual(spaces[0].images, [{ name: 'tool', tags: [{ name: 'v1', digest: 'sha256:ddd' }] }]);
});

test('DigestInfoStorage is last-writer-wins; the index keeps every record', async () => {
  const { blobs } = await indexer.query(`{ blobs(where: { digest_eq: "sha256:layer" }) {
    id cid account { id } recordCount records(orderBy: id_ASC) { cid account { id } space { name } }
  } }`);
  assert.deepEqual(blobs, [{
    id: '0x7368613235363a6c61796572', cid: 'bafylayerbob', account: { id: a.bob.address }, recordCount: 2,
    records: [{ cid: 'bafylayeralice', account: { id: a.alice.address }, space: { name: 'acme' } }, { cid: 'bafylayerbob', account: { id: a.bob.address }, space: { name: 'bobs' } }],
  }]);
});

test('non-UTF-8 and empty byte strings are kept as hex, with text only where it is text', async () => {
  const { tags } = await indexer.query(`{ tags(where: { space: { nameHex_eq: "0x" } }) { name nameHex digest digestHex image { name nameHex space { name nameHex searchText } } } }`);
  // The multi-byte name's hex is its exact UTF-8 bytes, byte-order mark included.
  const imageHex = `0x${Buffer.from(MULTIBYTE_IMAGE_NAME, 'utf8').toString('hex')}`;
  assert.ok(imageHex.startsWith('0xefbbbf'));
  assert.deepEqual(tags, [{ name: '', nameHex: '0x', digest: null, digestHex: INVALID_UTF8_DIGEST, image: { name: MULTIBYTE_IMAGE_NAME, nameHex: imageHex, space: { name: '', nameHex: '0x', searchText: '' } } }]);
});

test('GraphQL: filtering, ordering, list and connection pagination, squid status', async () => {
  const { spaces } = await indexer.query(`{ spaces(where: { memberCount_gt: 1 }, orderBy: memberCount_DESC) { name memberCount } }`);
  assert.deepEqual(spaces, [{ name: 'acme', memberCount: 4 }, { name: 'bobs', memberCount: 2 }]);
  const page2 = await indexer.query(`{ spaces(orderBy: blockNumber_ASC, limit: 2, offset: 1) { name } }`);
  assert.deepEqual(page2.spaces.map((s: any) => s.name), ['bobs', null]);
  const first = await indexer.query(`{ spacesConnection(orderBy: blockNumber_ASC, first: 3) { edges { node { name } } pageInfo { hasNextPage endCursor } totalCount } }`);
  assert.deepEqual(first.spacesConnection.edges.map((e: any) => e.node.name), ['acme', 'bobs', null]);
  assert.equal(first.spacesConnection.totalCount, 5);
  assert.equal(first.spacesConnection.pageInfo.hasNextPage, true);
  const next = await indexer.query(`query($after: String) { spacesConnection(orderBy: blockNumber_ASC, first: 3, after: $after) { edges { node { name } } pageInfo { hasNextPage } } }`, { after: first.spacesConnection.pageInfo.endCursor });
  assert.deepEqual(next.spacesConnection.edges.map((e: any) => e.node.name), ['', 'tools']);
  assert.equal(next.spacesConnection.pageInfo.hasNextPage, false);
  const { squidStatus } = await indexer.query('{ squidStatus { height hash finalizedHeight } }');
  const best = await chain.api.rpc.chain.getHeader();
  assert.equal(squidStatus.height, best.number.toNumber());
  assert.equal(squidStatus.hash, best.hash.toHex());
  assert.ok(squidStatus.finalizedHeight <= squidStatus.height);
});

test('every query in docs/graphql-examples.md runs and answers as documented', async () => {
  const examples = graphqlExamples();
  assert.equal(examples.length, 15);
  const answers = new Map<string, any>();
  for (const { title, query } of examples) answers.set(title, await indexer.query(query));
  const get = (prefix: string) => [...answers].find(([title]) => title.startsWith(prefix))![1];
  assert.deepEqual(get('Which spaces').spaces.map((s: any) => s.name), ['acme', 'bobs', null, '', 'tools']);
  assert.deepEqual(get('Who owns').spaces.map((s: any) => [s.isNameOwner, s.takesNameWrites, s.shadowOf, s.nameTakenBy, s.shadows]), [[true, true, null, null, []]]);
  assert.deepEqual(get('Where is').spaceMembers.map((m: any) => [m.space.name, m.position]), [['acme', 1], ['acme', 2]]);
  assert.deepEqual(get('Which images').images.map((i: any) => [i.name, i.tags.map((t: any) => `${t.name}=${t.digest}`)]), [['api', ['v2=sha256:ccc']], ['library/web', ['latest=sha256:aaa', 'v1=sha256:bbb']]]);
  assert.deepEqual(get('What a tag').tagUpdates.map((u: any) => u.digest), ['sha256:aaa', 'sha256:bbb']);
  const who = get('Who registered');
  assert.deepEqual([who.manifests[0].account.id, who.manifests[0].proxy, who.digestInfoRecords[0].account.id], [a.alice.address, a.gateway.address, a.bob.address]);
  assert.equal(get('A blob').blobs[0].records.length, 2);
  assert.deepEqual(get('Find images').images, [{ name: 'library/web', space: { name: 'acme' } }]);
  assert.deepEqual(get('Search').search.map((h: any) => [h.kind, h.spaceName, h.imageName]), [['image', 'acme', 'library/web']]);
  const counts = get('Dashboard');
  assert.deepEqual([counts.spacesConnection.totalCount, counts.imagesConnection.totalCount, counts.tagsConnection.totalCount, counts.blobsConnection.totalCount], [5, 7, 10, 17]);
  assert.deepEqual(counts.largest, [{ name: 'tools', imageCount: 3 }]);
  assert.ok(counts.squidStatus.height > 0);
  assert.equal(get('Page through').spacesConnection.edges.length, 2);
  const [auth, ...others] = get("A space's artifacts").artifacts;
  assert.deepEqual(others, []);
  assert.deepEqual([auth.name, auth.kinds, auth.versionCount, auth.latest.version, auth.description, auth.space.name, auth.space.isNameOwner], ['plugins/auth', [PLUGIN_TYPE], 3, '1.1.0', 'Authentication plugin', 'tools', true]);
  assert.deepEqual(auth.labels.find((l: any) => l.key === 'com.example.tier'), { key: 'com.example.tier', value: 'free' });
  const [resolved] = get('Resolve a version range').artifactVersions;
  assert.deepEqual([resolved.version, resolved.artifactType, resolved.files.map((f: any) => f.title)], ['1.1.0', PLUGIN_TYPE, ['auth-1.1.0.so', 'README.md']]);
  assert.equal(get('Resolve a version range').artifactVersions.length, 1);
  const versions = get('Versions by kind').artifactVersions;
  assert.deepEqual(versions.map((v: any) => [v.version, v.moved, v.moveCount]), [['1.1.0', false, 0], ['1.0.0', true, 1]]);
  assert.deepEqual([versions[1].originalDigest, versions[1].digest], [published.firstAuth.manifest.digest, published.movedAuth.manifest.digest]);
  const contents = get("An image's platforms");
  assert.deepEqual(contents.manifestContents.map((c: any) => [c.digest, c.state, c.platforms, c.children.map((child: any) => child.platform)]), [[published.index.digest, 'indexed', ['linux/amd64', 'linux/arm64'], ['linux/amd64', 'linux/arm64']]]);
  assert.ok(Number(contents.manifestContents[0].totalSize) > 0);
  assert.deepEqual([contents.pending.totalCount, contents.contentIndexStatusById.ipfsReachable], [0, true]);
});

function graphqlExamples(): { title: string; query: string }[] {
  const doc = readFileSync(path.resolve(__dirname, '../../docs/graphql-examples.md'), 'utf8');
  return [...doc.matchAll(/^## (.+)$[\s\S]*?```graphql\n([\s\S]*?)```/gm)].map((m) => ({ title: m[1], query: m[2] }));
}

test('every reference between rows resolves (the tables carry no foreign-key constraints)', async () => {
  assert.ok((await referenceCount()) >= 15, 'the model lost its relations');
  assert.deepEqual(await danglingReferences(dbUrl), []);
});

test('full-text search: prefixes of words, spaces and images, best first; bad text answered as the client\'s error', async () => {
  const { search } = await indexer.query('{ search(text: "ac") { kind spaceName imageName rank } }');
  // Images are found by their space's name too.
  assert.deepEqual(search.map((h: any) => [h.kind, h.spaceName, h.imageName]).sort(), [['image', 'acme', 'api'], ['image', 'acme', 'library/web'], ['space', 'acme', null]].sort());
  assert.ok(search.every((h: any, i: number) => i === 0 || search[i - 1].rank >= h.rank), 'hits are not best first');
  const both = await indexer.query('{ search(text: "LIBRARY web") { imageName } }');
  assert.deepEqual(both.search, [{ imageName: 'library/web' }]);
  assert.deepEqual((await indexer.query('{ search(text: "nothing-like-this") { kind } }')).search, []);
  for (const [query, message] of [['{ search(text: "--") { kind } }', /no letters or digits/], ['{ search(text: "acme", limit: 0) { kind } }', /out of range/]] as const) {
    const response = await gqlResponse(indexer.graphql.url, query);
    assert.equal(response.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(response.errors![0].message, message);
    assert.ok(!JSON.stringify(response).includes('stacktrace'), 'an error answer carries a stack trace');
  }
});
