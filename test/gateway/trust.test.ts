// A pull never serves someone else's bytes under your name. Attacks made as an attacker would,
// with polkadot.js against the dev chain (a same-named space created in a chosen block, records
// written directly on chain), and checked through the gateway with fetch and skopeo: name
// squatting, a repointed record repaired by pushing again, layers passed off as manifests, blobs
// read through repositories they do not belong to, and a bundle of the squatter's tag. Runs the
// real indexer on an embedded Postgres; gateways are one writer with the index, and read-only
// replicas with and without it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { addManifest, addSpaceMember, batchAll, createSpace, digestInfo, grantGateway, manifestDigest, spacesByName, storeDigestInfo, submitTx } from '../../src/chain';
import { createLoginToken, type RunningGateway, startGateway } from '../../src/gateway';
import { parseName } from '../../src/gateway/oci/reference';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { rawBlock, writeBundle } from './helpers/bundle-files';
import { signerFromUri } from '../../src/chain';
import { settledHead } from '../helpers/devnet';
import { createShadowSpace, type ShadowSpace } from '../helpers/shadow-space';
import { startTestIndexer, type TestIndexer } from '../indexer/helpers/indexer';
import { startTestPostgres, type TestPostgres } from '../indexer/helpers/postgres';
import { type Blob, blobOf, json, makeImage, ociErrors, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, pushBlob, pushImage, pushManifest, randomBlob, type ImageParts } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { missingTools, run } from './helpers/tools';

const skopeoMissing = missingTools(['skopeo'], 'skopeo');

/** Puts an image's bytes in IPFS and records them on chain as `signer`, in one batch, as any space owner can. */
async function recordOnChain(t: TestGateway, signer: KeyringPair, repo: string, image: string, tag: string, parts: ImageParts): Promise<void> {
  const api = t.chain.api;
  const cidOf = async (blob: Blob) => (await t.store.put([blob.bytes])).cid;
  const calls = [];
  for (const blob of [parts.config, ...parts.layers]) calls.push(storeDigestInfo(api, { repo, digest: blob.digest, type: 'File', cid: await cidOf(blob) }));
  calls.push(addManifest(api, { repo, image, tag, digest: parts.manifest.digest, cid: await cidOf(parts.manifest) }));
  await submitTx(api, batchAll(api, calls), signer);
}

const bytesOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

/** An OCI image layout holding `parts` under `tag`, for skopeo to push. */
function writeLayout(dir: string, tag: string, parts: ImageParts): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  for (const blob of [parts.config, ...parts.layers, parts.manifest]) writeFileSync(join(dir, 'blobs', 'sha256', blob.digest.slice(7)), blob.bytes);
  const entry = { mediaType: OCI_MANIFEST, digest: parts.manifest.digest, size: parts.manifest.size, annotations: { 'org.opencontainers.image.ref.name': tag } };
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry] }));
  return dir;
}

describe('trust', () => {
  let t: TestGateway;
  let pg: TestPostgres;
  let indexer: TestIndexer;
  let writer: RunningGateway;
  let chainOnly: RunningGateway;
  /** A writer with auth on and no anonymous pulls: every request carries a token. */
  let authed: RunningGateway;
  let api: ApiPromise;
  let work: string;
  let eve: KeyringPair;
  let ferdie: KeyringPair;

  /** An access token of `authed` for `pair` and these scopes (docker's token flow). */
  const tokenFor = async (pair: KeyringPair, scopes: string[]): Promise<string> => {
    const login = await createLoginToken(pair, authed.service);
    const query = scopes.map((scope) => `scope=${encodeURIComponent(scope)}`).join('&');
    const response = await fetch(`${authed.url}/token?service=${encodeURIComponent(authed.service)}&${query}`, { headers: { Authorization: `Basic ${Buffer.from(`${pair.address}:${login}`).toString('base64')}` } });
    assert.equal(response.status, 200, await response.clone().text());
    return ((await response.json()) as { token: string }).token;
  };

  const indexed = async () => indexer.waitForHead(await settledHead(api), 60_000);

  before(async () => {
    t = await startTestGateway();
    api = t.chain.api;
    pg = await startTestPostgres();
    indexer = await startTestIndexer({ chainRpc: t.chain.devnet.wsUrl, dbUrl: await pg.newDatabase('trust') });
    writer = await t.startReplica({ gatewaySigner: t.keys.gateway, index: indexer.graphql.url });
    chainOnly = await t.startReplica();
    authed = await t.startReplica({ gatewaySigner: t.keys.gateway, index: indexer.graphql.url, auth: { secret: 'trust-test', anonymousPull: false } });
    work = mkdtempSync(join(tmpdir(), 'hcr-trust-'));
    eve = await signerFromUri('//Eve');
    ferdie = await signerFromUri('//Ferdie');
  });

  after(async () => {
    await indexer?.close();
    await pg?.close();
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('a squatted name', () => {
    let mine: ImageParts;
    let theirs: ImageParts;
    let shadow: ShadowSpace;
    let ownerId: string;

    before(async () => {
      mine = makeImage([randomBlob(2000)]);
      await pushImage(writer.url, 'acme/app', '1.0', mine);
      ownerId = (await spacesByName(api, 'acme'))[0].id;
      // Bob creates a second "acme" in a block where its key sorts first: the pallet now records
      // every write for "acme" in Bob's space, and Bob repoints acme/app:1.0 and adds an image.
      shadow = await createShadowSpace(api, t.keys.bob, 'acme', { sortsFirst: true });
      theirs = makeImage([randomBlob(1500)]);
      await recordOnChain(t, t.keys.bob, 'acme', 'app', '1.0', theirs);
      await recordOnChain(t, t.keys.bob, 'acme', 'app', 'evil', theirs);
      await recordOnChain(t, t.keys.bob, 'acme', 'planted', 'latest', theirs);
      await indexed();
    });

    it('is taken over on chain: the pallet writes the name to the shadow', async () => {
      const [first] = await spacesByName(api, 'acme');
      assert.equal(first.id, shadow.id);
      assert.equal(first.owner, t.keys.bob.address);
      assert.equal((await manifestDigest(api, { repo: 'acme', image: 'app', tag: '1.0' }))?.text, theirs.manifest.digest);
    });

    it('a gateway with the index pulls the owner\'s image, never the shadow\'s', async () => {
      const manifest = await fetch(`${writer.url}/v2/acme/app/manifests/1.0`);
      assert.equal(manifest.status, 200);
      assert.equal(manifest.headers.get('docker-content-digest'), mine.manifest.digest);
      assert.deepEqual(await bytesOf(manifest), mine.manifest.bytes);
      // The shadow's tags, images and content are not the name's.
      assert.equal((await fetch(`${writer.url}/v2/acme/app/manifests/evil`)).status, 404);
      assert.equal((await fetch(`${writer.url}/v2/acme/app/manifests/${theirs.manifest.digest}`)).status, 404);
      assert.equal((await fetch(`${writer.url}/v2/acme/app/blobs/${theirs.layers[0].digest}`)).status, 404);
      assert.deepEqual((await json(await fetch(`${writer.url}/v2/acme/app/tags/list`))).tags, ['1.0']);
      const catalog = (await json(await fetch(`${writer.url}/v2/_catalog`))).repositories as string[];
      assert.ok(catalog.includes('acme/app'));
      assert.ok(!catalog.includes('acme/planted'), `the shadow's image is listed: ${catalog.join(', ')}`);
    });

    it('skopeo pulls the owner\'s image through the gateway with the index', { skip: skopeoMissing }, async () => {
      const { stdout } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${new URL(writer.url).host}/acme/app:1.0`]);
      assert.deepEqual(Buffer.from(stdout), mine.manifest.bytes);
    });

    it('a gateway with chain storage alone refuses to guess, saying the name is contested and what to do', async () => {
      for (const path of ['/v2/acme/app/manifests/1.0', '/v2/acme/app/tags/list']) {
        const response = await fetch(`${chainOnly.url}${path}`);
        assert.equal(response.status, 409, path);
        const [error] = await ociErrors(response);
        assert.equal(error.code, 'NAME_CONTESTED');
        assert.match(error.message, new RegExp(`belongs to space ${ownerId}`));
        assert.match(error.message, new RegExp(`${shadow.id} \\(owner ${t.keys.bob.address}\\)`));
        assert.match(error.message, /GRAPHQL_URL/);
      }
      const layer = await fetch(`${chainOnly.url}/v2/acme/app/blobs/${theirs.layers[0].digest}`);
      assert.equal(layer.status, 404);
    });

    it('skopeo shows the contested-name error from a gateway without the index', { skip: skopeoMissing }, async () => {
      await assert.rejects(run('skopeo', ['inspect', '--tls-verify=false', `docker://${new URL(chainOnly.url).host}/acme/app:1.0`], { timeoutMs: 60_000 }), /contested/);
    });

    it('a gateway whose index cannot answer says so and asks to retry', async () => {
      const lagging = await t.startReplica({ index: 'http://127.0.0.1:9/graphql' });
      const response = await fetch(`${lagging.url}/v2/acme/app/manifests/1.0`);
      assert.equal(response.status, 503);
      assert.ok(response.headers.get('retry-after'));
      assert.equal((await ociErrors(response))[0].code, 'NAME_CONTESTED');
    });

    it('refuses pushes to the contested name, saying which space took it, by whom, since which block', async () => {
      const next = makeImage([randomBlob(300)]);
      const response = await pushManifest(writer.url, 'acme/app', '2.0', next.manifest);
      assert.equal(response.status, 403);
      const [error] = await ociErrors(response);
      assert.equal(error.code, 'DENIED');
      assert.match(error.message, new RegExp(`space ${shadow.id} \\(owner ${t.keys.bob.address}\\), sorts first in chain storage since block ${shadow.blockNumber}`));
      assert.match(error.message, /create a space with another name/);
      assert.equal((await manifestDigest(api, { repo: 'acme', image: 'app', tag: '2.0' })), undefined);
      // Uploads are refused too, now that the gateway knows.
      assert.equal((await pushBlob(writer.url, 'acme/app', next.layers[0])).status, 403);
    });

    it('an import whose record leaves the shadow\'s space out does not make the shadow\'s image acme/app\'s', { timeout: 120_000 }, async () => {
      // Bob's own bundle of acme/app:1.0: chain storage confirms his digest (his space takes the
      // name's writes), and the record says nothing of whose space wrote it.
      const parts = [theirs.manifest, theirs.config, theirs.layers[0]];
      const blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
      const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories: ['acme/app'], recordedBy: null }));
      const chain = new ChainReader(api);
      const block = await chain.finalizedBlock();
      assert.equal((await chain.tagAtBlock(parseName('acme/app'), '1.0', block.hash)).digest, theirs.manifest.digest, 'the shadow\'s tag is finalized');
      const record = { format: 'hcr-bundle/1', chain: { genesisHash: chain.genesisHash, block }, exportedAt: new Date().toISOString(), spaces: [], tags: [{ repository: 'acme/app', tag: '1.0', digest: theirs.manifest.digest, recordedBy: t.keys.bob.address }], content };
      const file = join(work, 'shadow.car');
      await writeBundle(file, record, blocks);
      const target = mkdtempSync(join(work, 'shadow-import-'));
      const args = ['import', file, '--data-dir', target, '--chain', t.chain.devnet.wsUrl];
      const imported = await collect(spawnHcr(args, { ...process.env }), args.join(' '));
      expectExit(imported, 0);
      assert.match(imported.stdout + imported.stderr, /the tags of contested names acme are the index's to confirm/);

      const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
      const gateway = await startGateway({ api, blobStore: store, dataDir: target, port: 0, index: indexer.graphql.url, auth: { enabled: false }, log: () => undefined });
      try {
        const byDigest = await fetch(`${gateway.url}/v2/acme/app/manifests/${theirs.manifest.digest}`, { headers: { Accept: OCI_MANIFEST } });
        assert.equal(byDigest.status, 404, 'acme/app served the shadow\'s manifest from the bundle');
        await byDigest.arrayBuffer();
        const layer = await fetch(`${gateway.url}/v2/acme/app/blobs/${theirs.layers[0].digest}`);
        assert.equal(layer.status, 404, 'acme/app served the shadow\'s layer from the bundle');
        await layer.arrayBuffer();
        // The tag is the owner's (the index says so); the bundle did not bring those bytes.
        const byTag = await fetch(`${gateway.url}/v2/acme/app/manifests/1.0`, { headers: { Accept: OCI_MANIFEST } });
        assert.notEqual(byTag.headers.get('docker-content-digest'), theirs.manifest.digest);
        if (byTag.status === 200) assert.deepEqual(await bytesOf(byTag), mine.manifest.bytes);
        else await byTag.arrayBuffer();
      } finally {
        await gateway.close();
        await store.close();
      }
    });

    it('GraphQL tells the owner from the shadow, and which one takes the name\'s writes', async () => {
      const { spaces } = await indexer.query<{ spaces: { id: string; isNameOwner: boolean; takesNameWrites: boolean; shadowOf: { id: string } | null; nameTakenBy: { id: string } | null; shadows: { id: string }[] }[] }>(
        '{ spaces(where: { name_eq: "acme" }, orderBy: blockNumber_ASC) { id isNameOwner takesNameWrites shadowOf { id } nameTakenBy { id } shadows { id } } }',
      );
      assert.deepEqual(spaces, [
        { id: ownerId, isNameOwner: true, takesNameWrites: false, shadowOf: null, nameTakenBy: { id: shadow.id }, shadows: [{ id: shadow.id }] },
        { id: shadow.id, isNameOwner: false, takesNameWrites: true, shadowOf: { id: ownerId }, nameTakenBy: null, shadows: [] },
      ]);
    });
  });

  describe('a shadow that sorts after the owner', () => {
    let image: ImageParts;
    let shadow: ShadowSpace;

    before(async () => {
      await submitTx(api, createSpace(api, 'quiet'), t.keys.charlie);
      await grantGateway(api, t.keys.charlie, t.keys.gateway.address);
      image = makeImage([randomBlob(700)]);
      await pushImage(writer.url, 'quiet/app', 'v1', image);
      shadow = await createShadowSpace(api, t.keys.dave, 'quiet', { sortsFirst: false });
      await indexed();
    });

    it('leaves chain storage the owner\'s: every gateway still pulls, and the owner still pushes', async () => {
      for (const gateway of [writer, chainOnly]) {
        const response = await fetch(`${gateway.url}/v2/quiet/app/manifests/v1`);
        assert.equal(response.status, 200);
        assert.deepEqual(await bytesOf(response), image.manifest.bytes);
      }
      await pushImage(writer.url, 'quiet/app', 'v2', makeImage([randomBlob(200)]));
      const { spaces } = await indexer.query<{ spaces: { id: string; isNameOwner: boolean; takesNameWrites: boolean }[] }>('{ spaces(where: { name_eq: "quiet" }, orderBy: blockNumber_ASC) { id isNameOwner takesNameWrites } }');
      assert.deepEqual(spaces.map((s) => [s.isNameOwner, s.takesNameWrites]), [[true, true], [false, false]]);
      assert.equal(spaces[1].id, shadow.id);
    });

    it('the shadow\'s owner can push to the name neither on chain nor through the gateway', async () => {
      const direct = await submitTx(api, addManifest(api, { repo: 'quiet', image: 'app', tag: 'v1', digest: image.manifest.digest, cid: 'bafkqaaa' }), t.keys.dave).then(() => undefined, (error: Error) => error);
      assert.match(String(direct?.message), /NotSpaceOwner/);
      await grantGateway(api, t.keys.dave, t.keys.gateway.address);
      const token = await tokenFor(t.keys.dave, ['repository:quiet/app:pull,push']);
      const response = await pushBlob(authed.url, 'quiet/app', randomBlob(10), token);
      assert.equal(response.status, 403);
      assert.match((await ociErrors(response))[0].message, new RegExp(`${t.keys.dave.address} is neither the owner nor a member of space "quiet"`));
      assert.equal((await manifestDigest(api, { repo: 'quiet', image: 'app', tag: 'v1' }))?.text, image.manifest.digest);
    });
  });

  describe('a record repointed by another account', () => {
    let image: ImageParts;

    before(async () => {
      await submitTx(api, createSpace(api, 'repaired'), eve);
      await grantGateway(api, eve, t.keys.gateway.address);
      image = makeImage([randomBlob(4000), randomBlob(900)]);
      await pushImage(writer.url, 'repaired/web', 'v1', image);
      // Ferdie, owner of another space, points the layer's digest at other bytes.
      await submitTx(api, createSpace(api, 'ferdies'), ferdie);
      const otherCid = (await t.store.put([Buffer.from('other bytes')])).cid;
      await submitTx(api, storeDigestInfo(api, { repo: 'ferdies', digest: image.layers[0].digest, type: 'File', cid: otherCid }), ferdie);
      await indexed();
    });

    it('breaks chain-only pulls until the owner pushes again (skopeo), which records the digest anew', { skip: skopeoMissing }, async () => {
      const broken = await fetch(`${chainOnly.url}/v2/repaired/web/blobs/${image.layers[0].digest}`);
      assert.equal(broken.status, 404);
      assert.match((await ociErrors(broken))[0].message, /push the blob again/);
      await assert.rejects(run('skopeo', ['copy', '--src-tls-verify=false', `docker://${new URL(chainOnly.url).host}/repaired/web:v1`, `dir:${join(work, 'broken')}`], { timeoutMs: 60_000 }), new RegExp(`reading blob ${image.layers[0].digest}.*404`));
      // The index holds the owner's verified record, but the chain's current value is Ferdie's:
      // the same image pushed again writes the digest anew.
      const layout = writeLayout(join(work, 'layout'), 'v1', image);
      await run('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${new URL(writer.url).host}/repaired/web:v1`]);
      const pulled = join(work, 'repaired');
      await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${new URL(chainOnly.url).host}/repaired/web:v1`, `dir:${pulled}`]);
      assert.deepEqual(readFileSync(join(pulled, image.layers[0].digest.slice(7))), image.layers[0].bytes, `the chain still records ${(await digestInfo(api, image.layers[0].digest))?.cid.text}`);
    });
  });

  describe('only manifests are manifests', () => {
    let image: ImageParts;
    const random = randomBlob(333);

    before(async () => {
      image = makeImage([randomBlob(600)]);
      await pushImage(writer.url, 'quiet/idx', 'v1', image);
      assert.equal((await pushBlob(writer.url, 'quiet/idx', random)).status, 201);
    });

    it('refuses an index whose child is a layer, a config or random bytes', async () => {
      for (const [what, child, mediaType] of [
        ['a layer', image.layers[0], OCI_MANIFEST],
        ['a config', image.config, OCI_MANIFEST],
        ['random bytes', random, OCI_MANIFEST],
        ['a layer, declared as one', image.layers[0], OCI_LAYER],
      ] as const) {
        const index = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType, digest: child.digest, size: child.size }] }));
        const response = await pushManifest(writer.url, 'quiet/idx', 'multi', index, OCI_INDEX);
        assert.equal(response.status, 400, what);
        const [error] = await ociErrors(response);
        assert.equal(error.code, 'MANIFEST_INVALID', what);
      }
      // A real child with the wrong declared type is refused too; with the right one, accepted.
      const wrongType = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', digest: image.manifest.digest, size: image.manifest.size }] }));
      assert.equal((await pushManifest(writer.url, 'quiet/idx', 'multi', wrongType, OCI_INDEX)).status, 400);
      const good = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: image.manifest.digest, size: image.manifest.size }] }));
      assert.equal((await pushManifest(writer.url, 'quiet/idx', 'multi', good, OCI_INDEX)).status, 201);
      assert.equal(await manifestDigest(api, { repo: 'quiet', image: 'idx', tag: 'multi' }).then((d) => d?.text), good.digest);
    });

    it('serves no layer, config or random bytes from the manifests endpoint, even when a tag points at one', async () => {
      for (const blob of [image.layers[0], image.config, random]) {
        const response = await fetch(`${writer.url}/v2/quiet/idx/manifests/${blob.digest}`);
        assert.equal(response.status, 404, blob.digest);
        assert.equal((await ociErrors(response))[0].code, 'MANIFEST_UNKNOWN');
        // The blobs endpoint still serves what is a blob of the repository.
        assert.equal((await fetch(`${writer.url}/v2/quiet/idx/blobs/${blob.digest}`)).status, 200);
      }
      // The owner records a tag pointing at a layer, directly on chain: no gateway serves it as a manifest.
      const layerCid = (await t.store.put([image.layers[0].bytes])).cid;
      await submitTx(api, addManifest(api, { repo: 'quiet', image: 'idx', tag: 'layer', digest: image.layers[0].digest, cid: layerCid }), t.keys.charlie);
      for (const gateway of [writer, chainOnly]) {
        const response = await fetch(`${gateway.url}/v2/quiet/idx/manifests/layer`);
        assert.equal(response.status, 404);
        assert.match((await ociErrors(response))[0].message, /is not a manifest/);
      }
    });

    it('skopeo gets no layer as a manifest, by tag or by digest', { skip: skopeoMissing }, async () => {
      const host = new URL(writer.url).host;
      for (const reference of [':layer', `@${image.layers[0].digest}`]) {
        await assert.rejects(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${host}/quiet/idx${reference}`], { timeoutMs: 60_000 }), /manifest unknown|not a manifest|has no manifest/, reference);
      }
    });
  });

  describe('blobs belong to repositories', () => {
    const secret = randomBlob(1234);

    before(async () => {
      assert.equal((await pushBlob(writer.url, 'quiet/private', secret)).status, 201);
    });

    it('serves an unreferenced upload only in the repository it was uploaded to', async () => {
      assert.deepEqual(await bytesOf(await fetch(`${writer.url}/v2/quiet/private/blobs/${secret.digest}`)), secret.bytes);
      for (const path of [`/v2/repaired/web/blobs/${secret.digest}`, `/v2/quiet/other/blobs/${secret.digest}`]) {
        for (const method of ['GET', 'HEAD']) {
          const response = await fetch(`${writer.url}${path}`, { method });
          assert.equal(response.status, 404, `${method} ${path}`);
          if (method === 'GET') assert.equal((await ociErrors(response))[0].code, 'BLOB_UNKNOWN');
        }
      }
      const unknown = await fetch(`${writer.url}/v2/nosuch/x/blobs/${secret.digest}`);
      assert.equal(unknown.status, 404);
      assert.equal((await ociErrors(unknown))[0].code, 'NAME_UNKNOWN');
    });

    it('mounts a blob only from a repository it belongs to', async () => {
      const fromOther = await fetch(`${writer.url}/v2/repaired/web/blobs/uploads/?mount=${secret.digest}&from=quiet/other`, { method: 'POST' });
      assert.equal(fromOther.status, 202, 'a mount from a repository without the blob starts an upload');
      const fromNowhere = await fetch(`${writer.url}/v2/repaired/web/blobs/uploads/?mount=${secret.digest}&from=nosuch/x`, { method: 'POST' });
      assert.equal(fromNowhere.status, 202);
      assert.equal((await fetch(`${writer.url}/v2/repaired/web/blobs/${secret.digest}`)).status, 404);
      const mounted = await fetch(`${writer.url}/v2/repaired/web/blobs/uploads/?mount=${secret.digest}&from=quiet/private`, { method: 'POST' });
      assert.equal(mounted.status, 201);
      assert.deepEqual(await bytesOf(await fetch(`${writer.url}/v2/repaired/web/blobs/${secret.digest}`)), secret.bytes);
    });

    it('mounts only with pull access to the repository it comes from', async () => {
      const blob = randomBlob(4321);
      const charlie = await tokenFor(t.keys.charlie, ['repository:quiet/private:pull,push']);
      assert.equal((await pushBlob(authed.url, 'quiet/private', blob, charlie)).status, 201);
      const mount = (token: string) => fetch(`${authed.url}/v2/repaired/web/blobs/uploads/?mount=${blob.digest}&from=quiet/private`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
      // Eve's token may push to her repository but grants no pull of Charlie's: no mount, an upload.
      assert.equal((await mount(await tokenFor(eve, ['repository:repaired/web:pull,push']))).status, 202);
      assert.equal((await mount(await tokenFor(eve, ['repository:repaired/web:pull,push', 'repository:quiet/private:pull']))).status, 201);
    });
  });
  describe('who pushed', () => {
    it('a member\'s push is indexed with the owner as the account and the member as the gateway states it', async () => {
      await submitTx(api, addSpaceMember(api, (await spacesByName(api, 'quiet'))[0].id, t.keys.bob.address), t.keys.charlie);
      const image = makeImage([randomBlob(512)]);
      await pushImage(authed.url, 'quiet/team', 'v1', image, await tokenFor(t.keys.bob, ['repository:quiet/team:pull,push']));
      await indexed();
      const { tagUpdates, digestInfoRecords } = await indexer.query<{ tagUpdates: Record<string, unknown>[]; digestInfoRecords: Record<string, unknown>[] }>(
        `{ tagUpdates(where: { image: { name_eq: "team" } }) { account { id } proxy pushedBy pushedByStatedBy }
           digestInfoRecords(where: { digest_eq: "${image.layers[0].digest}" }) { account { id } pushedBy pushedByStatedBy } }`,
      );
      assert.deepEqual(tagUpdates, [{ account: { id: t.keys.charlie.address }, proxy: t.keys.gateway.address, pushedBy: t.keys.bob.address, pushedByStatedBy: t.keys.gateway.address }]);
      assert.deepEqual(digestInfoRecords, [{ account: { id: t.keys.charlie.address }, pushedBy: t.keys.bob.address, pushedByStatedBy: t.keys.gateway.address }]);
    });
  });
});
