// The index of manifest contents, end to end: the dev chain, the gateway's push path, the real
// embedded IPFS store read by the content indexer through its Kubo RPC API, the processor and
// GraphQL on an embedded Postgres. Labels, sizes, platforms and artifactType appear after a push;
// with IPFS stopped the chain index goes on and contents wait as pending, then catch up; bytes
// that do not match their digest are never indexed as content; moved versions are flagged; only
// a name's owner's artifacts are listed under its name.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addManifest, batchAll, createSpace, storeDigestInfo, submitTx } from '../../src/chain';
import { type KuboApiServer, startKuboApiServer } from '../../src/ipfs';
import { blobOf, makeImage, pushImage, randomBlob } from '../gateway/helpers/oci-client';
import { startTestGateway, type TestGateway } from '../gateway/helpers/gateway';
import { settledHead } from '../helpers/devnet';
import { createShadowSpace } from '../helpers/shadow-space';
import { artifactTotal, imageTotal, makeArtifact, pushArtifact, pushMultiPlatform } from './helpers/artifacts';
import { startTestIndexer, type TestIndexer } from './helpers/indexer';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { gqlResponse } from './helpers/graphql';
import { waitFor } from './helpers/wait';

const PLUGIN = 'application/vnd.example.plugin.v1';
const FIRMWARE = 'application/vnd.example.firmware.v1';
const hexOf = (digest: string) => `0x${Buffer.from(digest, 'utf8').toString('hex')}`;

const CONTENT = `query($id: String!) { manifestContentById(id: $id) {
  digest state attempts lastError cid mismatchedCids mediaType kind artifactType size totalSize layerCount annotations files { title size digest } platforms children { digest platform }
} }`;

describe('the content index', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let indexer: TestIndexer;
  let ipfs: KuboApiServer;
  let ipfsPort: number;

  const content = async (digest: string) => (await indexer.query(CONTENT, { id: hexOf(digest) })).manifestContentById;
  const contentIn = (digest: string, state: string, timeoutMs = 30_000) =>
    waitFor(async () => {
      const row = await content(digest);
      return row?.state === state ? row : undefined;
    }, `the content of ${digest} to be ${state}`, timeoutMs);
  const indexed = async () => indexer.waitForHead(await settledHead(t.chain.api), 60_000);
  const tagIdsOf = async (image: string) => Object.fromEntries((await indexer.query(`query($n: String!) { tags(where: { image: { name_eq: $n } }) { id name } }`, { n: image })).tags.map((tag: any) => [tag.name, tag.id]));

  before(async () => {
    t = await startTestGateway();
    ipfs = await startKuboApiServer({ store: t.store, port: 0 });
    ipfsPort = Number(new URL(ipfs.url).port);
    pg = await startTestPostgres();
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl: await pg.newDatabase('content'), ipfsApi: ipfs.url });
  });

  after(async () => {
    await indexer?.close();
    await ipfs?.close();
    await pg?.close();
    await t?.close();
  });

  test('labels, sizes, platforms and artifactType appear after a push', async () => {
    const plugin = makeArtifact(PLUGIN, [{ title: 'auth-linux-amd64.so', bytes: randomBlob(700).bytes }, { title: 'README.md', bytes: '# auth plugin\n', mediaType: 'text/markdown' }], {
      'org.opencontainers.image.description': 'Authentication plugin',
      'org.opencontainers.image.vendor': 'acme',
      'com.example.keywords': 'auth,login',
    });
    await pushArtifact(t.url, 'acme/plugins/auth', '1.0.0', plugin);
    const image = makeImage([randomBlob(1200), randomBlob(800)]);
    await pushImage(t.url, 'acme/web', '1.0', image);
    const multi = await pushMultiPlatform(t.url, 'acme/web', '2.0', ['linux/amd64', 'linux/arm64/v8']);

    const row = await contentIn(plugin.manifest.digest, 'indexed');
    assert.equal(row.artifactType, PLUGIN);
    assert.equal(row.kind, 'image');
    assert.equal(row.totalSize, String(artifactTotal(plugin)));
    assert.equal(row.size, plugin.manifest.size);
    assert.equal(row.annotations['org.opencontainers.image.vendor'], 'acme');
    assert.deepEqual(row.files.map((f: any) => [f.title, Number(f.size)]), [['auth-linux-amd64.so', 700], ['README.md', 14]]);

    const { artifactVersions } = await indexer.query(`{ artifactVersions(space: "acme", name: "plugins/auth") {
      version semver artifactType totalSize description labels { key value } files { title size } space { name isNameOwner } moved
    } }`);
    assert.deepEqual(artifactVersions, [{
      version: '1.0.0', semver: '1.0.0', artifactType: PLUGIN, totalSize: String(artifactTotal(plugin)), description: 'Authentication plugin',
      labels: [{ key: 'com.example.keywords', value: 'auth,login' }, { key: 'org.opencontainers.image.description', value: 'Authentication plugin' }, { key: 'org.opencontainers.image.vendor', value: 'acme' }],
      files: [{ title: 'auth-linux-amd64.so', size: '700' }, { title: 'README.md', size: '14' }],
      space: { name: 'acme', isNameOwner: true }, moved: false,
    }]);

    // Images gain their sizes and platforms; they are no artifacts.
    const single = await contentIn(image.manifest.digest, 'indexed');
    assert.deepEqual([single.kind, single.artifactType, single.totalSize, single.layerCount], ['image', null, String(imageTotal(image)), 2]);
    const index = await waitFor(async () => {
      const r = await content(multi.index.digest);
      return r?.totalSize ? r : undefined;
    }, 'the index to have its total');
    assert.deepEqual([index.kind, index.platforms, index.children.map((c: any) => c.platform)], ['index', ['linux/amd64', 'linux/arm64/v8'], ['linux/amd64', 'linux/arm64/v8']]);
    assert.equal(index.totalSize, String(multi.images.reduce((sum, i) => sum + imageTotal(i), 0)));
    const tags = await tagIdsOf('web');
    const { tagContents } = await indexer.query(`query($ids: [String!]!) { tagContents(tagIds: $ids) { tagId state kind totalSize layerCount childCount platforms } }`, { ids: [tags['1.0'], tags['2.0']] });
    const byTag = Object.fromEntries(tagContents.map((c: any) => [c.tagId, c]));
    assert.deepEqual(byTag[tags['1.0']], { tagId: tags['1.0'], state: 'indexed', kind: 'image', totalSize: String(imageTotal(image)), layerCount: 2, childCount: null, platforms: [] });
    assert.deepEqual(byTag[tags['2.0']], { tagId: tags['2.0'], state: 'indexed', kind: 'index', totalSize: index.totalSize, layerCount: null, childCount: 2, platforms: ['linux/amd64', 'linux/arm64/v8'] });

    const { artifacts } = await indexer.query('{ artifacts(space: "acme") { name kinds versionCount latest { version } labels { key } } }');
    assert.deepEqual(artifacts.map((a: any) => [a.name, a.kinds, a.versionCount, a.latest.version]), [['plugins/auth', [PLUGIN], 1, '1.0.0']]);
    const filters: [string, string[]][] = [
      ['label: ["org.opencontainers.image.vendor=acme"]', ['plugins/auth']],
      ['label: ["org.opencontainers.image.vendor=other"]', []],
      ['label: ["com.example.keywords"]', ['plugins/auth']],
      [`kind: ["${FIRMWARE}"]`, []],
      [`kind: ["${FIRMWARE}", "${PLUGIN}"]`, ['plugins/auth']],
      ['nameContains: "AUTH"', ['plugins/auth']],
    ];
    for (const [filter, names] of filters) {
      const answer = await indexer.query(`{ artifacts(${filter}) { name } }`);
      assert.deepEqual(answer.artifacts.map((a: any) => a.name), names, filter);
    }
    const bad = await gqlResponse(indexer.graphql.url, '{ artifacts(label: ["=x"]) { name } }');
    assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(bad.errors![0].message, /names no key/);
  });

  test('with IPFS stopped the chain index keeps going and contents wait as pending; they catch up when IPFS returns', async () => {
    await ipfs.close();
    const firmware = makeArtifact(FIRMWARE, [{ title: 'board-a.bin', bytes: randomBlob(900).bytes }], { 'com.example.board': 'a' });
    // The gateway still has its own store; only the content indexer's IPFS API is gone.
    await pushArtifact(t.url, 'acme/firmware/board-a', '3.1.0', firmware);
    const bobs = await submitTx(t.chain.api, createSpace(t.chain.api, 'bobs'), t.keys.bob);
    await indexed();
    const { spaces, tags } = await indexer.query('{ spaces(where: { name_eq: "bobs" }) { id } tags(where: { image: { name_eq: "firmware/board-a" } }) { name digest } }');
    assert.equal(spaces.length, 1, 'a space created while IPFS is down is indexed');
    assert.deepEqual(tags, [{ name: '3.1.0', digest: firmware.manifest.digest }]);
    assert.ok(bobs.blockNumber > 0);

    const waiting = await waitFor(async () => {
      const row = await content(firmware.manifest.digest);
      return row?.state === 'pending' && row.attempts >= 1 ? row : undefined;
    }, 'the content indexer to try the new manifest');
    assert.match(waiting.lastError, /unreachable/);
    assert.equal(waiting.artifactType, null);
    const { contentIndexStatusById } = await indexer.query('{ contentIndexStatusById(id: "0") { ipfsReachable lastError } }');
    assert.equal(contentIndexStatusById.ipfsReachable, false);
    assert.deepEqual((await indexer.query('{ artifactVersions(name: "firmware/board-a") { version } }')).artifactVersions, []);
    const { manifestContentsConnection } = await indexer.query('{ manifestContentsConnection(orderBy: id_ASC, where: { state_eq: pending }) { totalCount } }');
    assert.ok(manifestContentsConnection.totalCount >= 1);

    ipfs = await startKuboApiServer({ store: t.store, port: ipfsPort });
    const row = await contentIn(firmware.manifest.digest, 'indexed');
    assert.deepEqual([row.artifactType, row.annotations['com.example.board'], row.lastError], [FIRMWARE, 'a', null]);
    assert.deepEqual((await indexer.query('{ artifactVersions(name: "firmware/board-a") { version totalSize } }')).artifactVersions, [{ version: '3.1.0', totalSize: String(artifactTotal(firmware)) }]);
    const status = (await indexer.query('{ contentIndexStatusById(id: "0") { ipfsReachable lastError } }')).contentIndexStatusById;
    assert.deepEqual(status, { ipfsReachable: true, lastError: null });
  });

  test('a manifest whose bytes do not match its digest is never indexed as content; bytes that are no manifest are invalid', async () => {
    const api = t.chain.api;
    const real = makeArtifact(FIRMWARE, [{ title: 'board-b.bin', bytes: randomBlob(500).bytes }], { 'com.example.board': 'b' });
    // Alice's record names the real manifest's digest with a CID of other bytes, as any space owner can.
    const other = await t.store.put([Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', note: 'not the recorded manifest' }))]);
    await submitTx(api, addManifest(api, { repo: 'acme', image: 'firmware/board-b', tag: '1.0.0', digest: real.manifest.digest, cid: other.cid }), t.keys.alice);
    // And a layer recorded as a manifest: its bytes match, but they are no manifest.
    const layer = blobOf('plain text, not a manifest');
    const layerCid = (await t.store.put([layer.bytes])).cid;
    await submitTx(api, addManifest(api, { repo: 'acme', image: 'notes', tag: 'x', digest: layer.digest, cid: layerCid }), t.keys.alice);

    const mismatch = await contentIn(real.manifest.digest, 'mismatch');
    assert.deepEqual(mismatch.mismatchedCids, [other.cid]);
    assert.deepEqual([mismatch.cid, mismatch.mediaType, mismatch.artifactType, mismatch.annotations, mismatch.files, mismatch.totalSize], [null, null, null, null, null, null]);
    assert.match(mismatch.lastError, /holds other bytes/);
    assert.deepEqual((await indexer.query('{ artifactVersions(name: "firmware/board-b") { version } }')).artifactVersions, []);
    const invalid = await contentIn(layer.digest, 'invalid');
    assert.equal(invalid.cid, layerCid);
    assert.match(invalid.lastError, /not a manifest/);
    assert.equal(invalid.mediaType, null);

    // The owner pushes the real manifest: a new CID is recorded, read, and matches.
    await pushArtifact(t.url, 'acme/firmware/board-b', '1.0.0', real);
    const repaired = await contentIn(real.manifest.digest, 'indexed');
    assert.deepEqual([repaired.artifactType, repaired.mismatchedCids], [FIRMWARE, [other.cid]]);
    assert.notEqual(repaired.cid, other.cid);
  });

  test('a version whose tag was moved afterwards is flagged, with when and how often; recording the same digest again is no move', async () => {
    const first = makeArtifact(PLUGIN, [{ title: 'auth.so', bytes: randomBlob(300).bytes }]);
    const second = makeArtifact(PLUGIN, [{ title: 'auth.so', bytes: randomBlob(310).bytes }]);
    await pushArtifact(t.url, 'acme/plugins/auth', '2.0.0', first);
    await pushArtifact(t.url, 'acme/plugins/auth', '2.0.0', first);
    await pushArtifact(t.url, 'acme/plugins/auth', '2.0.0', second);
    await contentIn(second.manifest.digest, 'indexed');
    const versions = await waitFor(async () => {
      const answer = await indexer.query('{ artifactVersions(space: "acme", name: "plugins/auth") { version digest moved moveCount firstMovedAt lastMovedAt originalDigest createdAt } }');
      return answer.artifactVersions.length === 2 && answer.artifactVersions[0].digest === second.manifest.digest ? answer.artifactVersions : undefined;
    }, 'version 2.0.0 to point at the second push');
    const [moved, kept] = versions;
    assert.deepEqual([moved.version, moved.moved, moved.moveCount, moved.originalDigest], ['2.0.0', true, 1, first.manifest.digest]);
    assert.ok(moved.firstMovedAt && moved.firstMovedAt === moved.lastMovedAt && moved.firstMovedAt >= moved.createdAt);
    assert.deepEqual([kept.version, kept.moved, kept.moveCount, kept.firstMovedAt], ['1.0.0', false, 0, null]);
  });

  test("only a name owner's artifacts are listed under the name; a shadow's are its own space's", async () => {
    const api = t.chain.api;
    // Charlie makes a shadow of "acme" that takes the name's writes on chain, and records an artifact in it.
    const shadow = await createShadowSpace(api, t.keys.charlie, 'acme', { sortsFirst: true });
    const planted = makeArtifact(PLUGIN, [{ title: 'evil.so', bytes: randomBlob(200).bytes }], { 'org.opencontainers.image.vendor': 'acme' });
    const cidOf = async (bytes: Buffer) => (await t.store.put([bytes])).cid;
    await submitTx(api, batchAll(api, [
      storeDigestInfo(api, { repo: 'acme', digest: planted.config.digest, type: 'File', cid: await cidOf(planted.config.bytes) }),
      storeDigestInfo(api, { repo: 'acme', digest: planted.files[0].digest, type: 'File', cid: await cidOf(planted.files[0].bytes) }),
      addManifest(api, { repo: 'acme', image: 'plugins/auth', tag: '9.0.0', digest: planted.manifest.digest, cid: await cidOf(planted.manifest.bytes) }),
    ]), t.keys.charlie);
    await contentIn(planted.manifest.digest, 'indexed');
    await indexed();
    const list = async (args: string) => (await indexer.query(`{ artifactVersions(${args}) { version space { id isNameOwner } } }`)).artifactVersions.map((v: any) => `${v.version}@${v.space.id}${v.space.isNameOwner ? '' : ' (shadow)'}`);
    const ownerId = (await indexer.query('{ spaces(where: { name_eq: "acme", isNameOwner_eq: true }) { id } }')).spaces[0].id;
    assert.deepEqual(await list('space: "acme", name: "plugins/auth"'), [`2.0.0@${ownerId}`, `1.0.0@${ownerId}`]);
    assert.deepEqual(await list('name: "plugins/auth", label: ["org.opencontainers.image.vendor=acme"]'), [`1.0.0@${ownerId}`]);
    assert.deepEqual(await list(`spaceId: "${shadow.id}"`), [`9.0.0@${shadow.id} (shadow)`]);
    assert.deepEqual(await list('space: "acme", name: "plugins/auth", includeShadows: true'), [`9.0.0@${shadow.id} (shadow)`, `2.0.0@${ownerId}`, `1.0.0@${ownerId}`]);
    const { artifacts } = await indexer.query('{ artifacts(space: "acme") { name space { id } versions { version } } }');
    assert.ok(artifacts.every((a: any) => a.space.id === ownerId), 'a shadow\'s artifact is listed under the owner\'s name');
  });
});
