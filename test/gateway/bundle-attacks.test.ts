// Offline bundles from someone hostile. A bundle is a file from elsewhere: `hcr import` must refuse
// one that claims content for repositories its tags do not reach, frames a block larger than any
// block, links one block until it "holds" a terabyte, or changes under the import; and GET
// /bundles must not read anything for a caller who may not pull. Real dev chain, real gateways,
// the `hcr` CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { BundleError } from '../../src/gateway/bundles/bundle-record';
import { importBundle } from '../../src/gateway/bundles/import-bundle';
import { parseName } from '../../src/gateway/oci/reference';
import { ChainReader } from '../../src/gateway/resolve/chain-reader';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { carHeader, varint } from '../../src/ipfs/car';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { collect, expectExit, spawnHcr } from '../cli/helpers/run-hcr';
import { settledHead } from '../helpers/devnet';
import { fileNode, rawBlock, writeBundle } from './helpers/bundle-files';
import { blobOf, digestOf, type ImageParts, makeImage, ociErrors, pushImage, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { assertNothingImported } from './helpers/nothing-imported';

function hcr(args: string[]) {
  return collect(spawnHcr(args, { ...process.env }), args.join(' '));
}

/** An attacker's image (manifest, config, one layer) as raw blocks, with its record items claiming `repositories`. */
async function attackerImage(repositories: string[], layer = 'attacker layer bytes\n') {
  const image = makeImage([blobOf(layer)]);
  const parts = [image.manifest, image.config, image.layers[0]];
  const blocks = await Promise.all(parts.map((part) => rawBlock(part.bytes)));
  const content = parts.map((part, i) => ({ digest: part.digest, cid: blocks[i].cid.toString(), kind: i === 0 ? 'manifest' : 'blob', size: part.size, repositories, recordedBy: null }));
  return { image, blocks, content };
}

/** A record around `content`, as of a made-up block (for imports that never ask the chain). */
function offlineRecord(content: unknown[], tags: unknown[] = []) {
  return { format: 'hcr-bundle/1', chain: { genesisHash: `0x${'00'.repeat(32)}`, block: { number: 1, hash: `0x${'01'.repeat(32)}` } }, exportedAt: new Date().toISOString(), spaces: [], tags, content };
}

describe('offline bundles: what a hostile bundle cannot do', () => {
  let t: TestGateway;
  let work: string;
  let published: ImageParts;

  before(async () => {
    t = await startTestGateway();
    work = mkdtempSync(join(tmpdir(), 'hcr-bundle-attacks-'));
    published = makeImage([randomBlob(4096)]);
    await pushImage(t.url, 'acme/web', 'v1', published);
    await settledHead(t.chain.api);
    // Exports read tags at the finalized head: wait until it has acme/web:v1.
    const chain = new ChainReader(t.chain.api);
    for (let deadline = Date.now() + 60_000; (await chain.tagAtBlock(parseName('acme/web'), 'v1', (await chain.finalizedBlock()).hash)).digest !== published.manifest.digest; ) {
      assert.ok(Date.now() < deadline, 'acme/web:v1 was not finalized within a minute');
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  });
  after(async () => {
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses content that no tag in the bundle reaches, even with a record the chain confirms', { timeout: 120_000 }, async () => {
    // Real genesis and finalized block, no spaces or tags: the chain check has nothing to contradict.
    const chain = new ChainReader(t.chain.api);
    const { blocks, content } = await attackerImage(['acme/web']);
    const record = { ...offlineRecord(content), chain: { genesisHash: chain.genesisHash, block: await chain.finalizedBlock() } };
    const file = join(work, 'untagged.car');
    await writeBundle(file, record, blocks);
    const target = mkdtempSync(join(work, 'untagged-'));
    const refused = await hcr(['import', file, '--data-dir', target, '--chain', t.chain.devnet.wsUrl]);
    expectExit(refused, 2);
    assert.match(refused.stderr, /no tag in the bundle reaches sha256:[0-9a-f]{64}.*the bundle was altered; nothing was imported/);
    assertNothingImported(target, file);
  });

  it('serves imported content only in the repositories of the tags that reach it, whatever the record says', { timeout: 120_000 }, async () => {
    // A tag of the attacker's own, imported --offline (so nothing checks it), for a manifest the
    // record says belongs to acme/web: acme/web must not serve it once the chain is back.
    const { image, blocks, content } = await attackerImage(['acme/web']);
    const file = join(work, 'misattributed.car');
    await writeBundle(file, offlineRecord(content, [{ repository: 'mallory/app', tag: 'v1', digest: image.manifest.digest, recordedBy: null }]), blocks);
    const target = mkdtempSync(join(work, 'misattributed-'));
    expectExit(await hcr(['import', file, '--data-dir', target, '--offline']), 0);

    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    // With the first gateway as its peer, so that acme/web's own image is there to be served.
    const gateway: RunningGateway = await startGateway({ api: t.chain.api, blobStore: store, dataDir: target, port: 0, peers: [t.url], auth: { enabled: false }, log: () => undefined });
    try {
      const manifest = await fetch(`${gateway.url}/v2/acme/web/manifests/${image.manifest.digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(manifest.status, 404, `acme/web served the attacker's manifest: ${await manifest.clone().text()}`);
      assert.equal((await ociErrors(manifest))[0].code, 'MANIFEST_UNKNOWN');
      const layer = await fetch(`${gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
      assert.equal(layer.status, 404, 'acme/web served the attacker\'s layer');
      await layer.arrayBuffer();
      // acme/web's own tag is served as the chain has it.
      const own = await fetch(`${gateway.url}/v2/acme/web/manifests/v1`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
      assert.equal(own.status, 200);
      assert.equal(own.headers.get('docker-content-digest'), published.manifest.digest);
      await own.arrayBuffer();
    } finally {
      await gateway.close();
      await store.close();
    }
  });

  it('does not serve what an --offline import\'s own tag of acme/web reaches once the chain is back, by tag or by digest', { timeout: 120_000 }, async () => {
    // The tag is the bundle's word alone: the chain has no acme/web:evil.
    const { image, blocks, content } = await attackerImage([]);
    const file = join(work, 'unconfirmed-tag.car');
    await writeBundle(file, offlineRecord(content, [{ repository: 'acme/web', tag: 'evil', digest: image.manifest.digest, recordedBy: null }]), blocks);
    const target = mkdtempSync(join(work, 'unconfirmed-tag-'));
    expectExit(await hcr(['import', file, '--data-dir', target, '--offline']), 0);
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    const gateway: RunningGateway = await startGateway({ api: t.chain.api, blobStore: store, dataDir: target, port: 0, auth: { enabled: false }, log: () => undefined });
    try {
      const accept = { Accept: 'application/vnd.oci.image.manifest.v1+json' };
      for (const reference of ['evil', image.manifest.digest]) {
        const manifest = await fetch(`${gateway.url}/v2/acme/web/manifests/${reference}`, { headers: accept });
        assert.equal(manifest.status, 404, `acme/web served the bundle's manifest as ${reference}`);
        await manifest.arrayBuffer();
      }
      const layer = await fetch(`${gateway.url}/v2/acme/web/blobs/${image.layers[0].digest}`);
      assert.equal(layer.status, 404, 'acme/web served the bundle\'s layer');
      await layer.arrayBuffer();
    } finally {
      await gateway.close();
      await store.close();
    }
  });

  it('refuses a record naming a repository or tag no registry could serve, as a bad bundle (exit 2), importing nothing', { timeout: 120_000 }, async () => {
    const { image, blocks, content } = await attackerImage([]);
    for (const [repository, tag, reason] of [
      ['../../etc', 'v1', /repository name "\.\.\/\.\.\/etc" is not valid/],
      ['Acme/Web', 'v1', /repository name "Acme\/Web" is not valid/],
      ['acme/web', 'two words', /tag "two words" is not valid/],
      ['acme/web', image.manifest.digest, /is a digest, not a tag/],
    ] as const) {
      const file = join(work, 'bad-name.car');
      await writeBundle(file, offlineRecord(content, [{ repository, tag, digest: image.manifest.digest, recordedBy: null }]), blocks);
      const target = mkdtempSync(join(work, 'bad-name-'));
      const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
      expectExit(refused, 2);
      assert.match(refused.stderr, /the bundle's record is malformed/);
      assert.match(refused.stderr, reason);
      assertNothingImported(target, `${repository}:${tag}`);
    }
  });

  it('refuses a CAR section that says it is 3e9 bytes, without trying to read it', { timeout: 120_000 }, async () => {
    const block = await rawBlock(Buffer.from('x'));
    const file = join(work, 'huge-section.car');
    writeFileSync(file, Buffer.concat([await carHeader([block.cid]), varint(3e9), block.cid.bytes, block.bytes]));
    const target = mkdtempSync(join(work, 'huge-section-'));
    const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
    expectExit(refused, 2);
    assert.match(refused.stderr, /block \S+ says it is 2999999964 bytes, more than any block \(8388608 bytes at most\).*nothing was imported/);
    assertNothingImported(target, file);
  });

  it('refuses a DAG whose root declares more bytes than the record gives its item, before walking it', { timeout: 90_000 }, async () => {
    // One 1 MiB leaf linked 1024 × 1024 times: a 1 MiB file that says it holds 2^40 bytes.
    const leaf = await rawBlock(new Uint8Array(1 << 20));
    const middle = await fileNode(Array.from({ length: 1024 }, () => ({ cid: leaf.cid, size: 1 << 20 })));
    const root = await fileNode(Array.from({ length: 1024 }, () => ({ cid: middle.cid, size: middle.size })));
    for (const kind of ['blob', 'manifest'] as const) {
      const file = join(work, `terabyte-${kind}.car`);
      await writeBundle(file, offlineRecord([{ digest: digestOf(leaf.bytes), cid: root.cid.toString(), kind, size: 1, repositories: [], recordedBy: null }]), [root, middle, leaf]);
      const target = mkdtempSync(join(work, `terabyte-${kind}-`));
      const started = Date.now();
      const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
      expectExit(refused, 2);
      assert.match(refused.stderr, new RegExp(`${root.cid} says it is a file of ${2 ** 40} bytes, but the record says sha256:[0-9a-f]{64} is 1 bytes: the bundle was altered; nothing was imported`));
      assert.ok(Date.now() - started < 30_000, `${kind}: the refusal took ${Date.now() - started} ms`);
      assertNothingImported(target, file);
    }
  });

  it('stops reading a DAG as soon as its blocks hold more than the record gives the item', { timeout: 90_000 }, async () => {
    // The root says 64 bytes under 64 links, each link names a 1 MiB leaf: the bytes that come
    // are counted against the record's size as they come.
    const leaf = await rawBlock(new Uint8Array(1 << 20));
    const root = await fileNode(Array.from({ length: 64 }, () => ({ cid: leaf.cid, size: 1 })));
    const file = join(work, 'lying-links.car');
    await writeBundle(file, offlineRecord([{ digest: digestOf(leaf.bytes), cid: root.cid.toString(), kind: 'blob', size: 64, repositories: [], recordedBy: null }]), [root, leaf]);
    const target = mkdtempSync(join(work, 'lying-links-'));
    const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
    expectExit(refused, 2);
    assert.match(refused.stderr, new RegExp(`the blocks under ${root.cid} hold more than the 64 bytes the record gives sha256:[0-9a-f]{64}: the bundle was altered; nothing was imported`));
    assertNothingImported(target, file);
  });

  it('refuses a manifest item larger than a gateway takes a manifest, before reading it', { timeout: 60_000 }, async () => {
    const body = await rawBlock(Buffer.from('{}'));
    const file = join(work, 'big-manifest.car');
    const size = 5 * 1024 * 1024;
    await writeBundle(file, offlineRecord([{ digest: digestOf('{}'), cid: body.cid.toString(), kind: 'manifest', size, repositories: [], recordedBy: null }]), [body]);
    const target = mkdtempSync(join(work, 'big-manifest-'));
    const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
    expectExit(refused, 2);
    assert.match(refused.stderr, new RegExp(`is recorded as a manifest of ${size} bytes, more than the 4194304 a gateway accepts for one: the bundle was altered; nothing was imported`));
    assertNothingImported(target, file);
  });

  it('refuses a bundle whose blocks change after they were checked, keeping none of it', { timeout: 60_000 }, async () => {
    // A file on a share someone else writes to: the layer's bytes are swapped (same length) once
    // every check has passed, just before the store. The progress line is the only place to do
    // that deterministically, so this one runs the import in process.
    const { image, blocks, content } = await attackerImage(['acme/web']);
    const good = image.layers[0].bytes;
    const file = join(work, 'changing.car');
    await writeBundle(file, offlineRecord(content, [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }]), blocks);
    const target = mkdtempSync(join(work, 'changing-'));
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    try {
      const swapped = Buffer.from(good.toString().replace('attacker', 'switched'));
      await assert.rejects(
        importBundle(file, {
          store,
          dataDir: target,
          progress: (line) => {
            if (!line.startsWith('the chain is not reachable')) return;
            const bytes = readFileSync(file);
            swapped.copy(bytes, bytes.indexOf(good));
            writeFileSync(file, bytes);
          },
        }),
        (error: Error) => error instanceof BundleError && /block \S+ changed in .* while it was being imported: it no longer holds the bytes its CID names; import a copy nothing else writes to; nothing was imported/.test(error.message),
      );
      assert.deepEqual(await store.pins(), [], 'what was stored before the change is left unpinned');
      const layerCid = blocks[2].cid.toString();
      const held = await store.getBlock(layerCid).catch(() => undefined);
      if (held) assert.deepEqual(Buffer.from(held), good, 'the store holds other bytes under the layer\'s CID');
    } finally {
      await store.close();
    }
    assert.equal(existsSync(join(target, 'gateway', 'imported')), false, 'a record was kept');
    assert.equal(existsSync(join(target, 'gateway', 'blobs')), false, 'the gateway recorded content');
  });

  it('refuses a changed byte in a block no item reaches, or in a second copy of a block, importing none of it', { timeout: 90_000 }, async () => {
    // The blocks an item reaches are checked as the item is put together; these two are read by
    // no item, and a changed byte in them still refuses the file.
    const { image, blocks, content } = await attackerImage(['acme/web'], 'checked once layer\n');
    const tags = [{ repository: 'acme/web', tag: 'v1', digest: image.manifest.digest, recordedBy: null }];
    const stray = await rawBlock(Buffer.from('a block no item links\n'));
    const altered = (block: typeof stray) => ({ cid: block.cid, bytes: Buffer.from(block.bytes).fill(0x21, 0, 1) });
    const cases: [string, typeof blocks][] = [
      ['a block no item reaches', [...blocks, altered(stray)]],
      ['a second copy of the layer', [...blocks, altered(blocks[2])]],
    ];
    for (const [what, written] of cases) {
      const file = join(work, `unread-${cases.findIndex(([w]) => w === what)}.car`);
      await writeBundle(file, offlineRecord(content, tags), written);
      const target = mkdtempSync(join(work, 'unread-'));
      const refused = await hcr(['import', file, '--data-dir', target, '--offline']);
      expectExit(refused, 2);
      assert.match(refused.stderr, /block \S+ does not hold the bytes its CID names: the bundle was altered; nothing was imported/, what);
      assertNothingImported(target, what);
    }
    // The same bundle with those blocks as they should be is imported: only the changed byte refused it.
    const file = join(work, 'unread-honest.car');
    await writeBundle(file, offlineRecord(content, tags), [...blocks, stray, blocks[2]]);
    const imported = await hcr(['import', file, '--data-dir', mkdtempSync(join(work, 'unread-honest-')), '--offline']);
    expectExit(imported, 0);
    assert.match(imported.stderr, /every one of the 5 blocks holds the bytes its CID names/);
  });

  it('while the chain is down, an --offline record naming another owner or a later block does not outrank a record the chain confirmed', { timeout: 180_000 }, async () => {
    const target = mkdtempSync(join(work, 'outranked-'));
    const good = join(work, 'acme-web.car');
    const exported = await hcr(['export', 'acme/web:v1', '--gateway', t.url, '--out', good, '--json']);
    expectExit(exported, 0);
    const { asOfBlock } = JSON.parse(exported.stdout) as { asOfBlock: { number: number; hash: string } };
    expectExit(await hcr(['import', good, '--data-dir', target, '--chain', t.chain.devnet.wsUrl]), 0);

    // Two files from someone else, imported without the chain, each "as of" a block far ahead:
    // one says a space of mallory's owns acme, the other agrees on acme's owner; both move v1.
    const chain = new ChainReader(t.chain.api);
    const acme = (await chain.claim('acme'))!.owner;
    const attacker = await attackerImage([]);
    const agreeing = await attackerImage([], 'another attacker layer\n');
    const later = { genesisHash: chain.genesisHash, block: { number: 1_000_000_000, hash: `0x${'ab'.repeat(32)}` } };
    const tags = (image: ImageParts, ...names: string[]) => names.map((tag) => ({ repository: 'acme/web', tag, digest: image.manifest.digest, recordedBy: null }));
    const records = [
      { name: 'another-owner', blocks: attacker.blocks, record: { ...offlineRecord(attacker.content, tags(attacker.image, 'v1', 'evil')), chain: later, spaces: [{ name: 'acme', id: '999', owner: t.keys.bob.address }] } },
      { name: 'same-owner', blocks: agreeing.blocks, record: { ...offlineRecord(agreeing.content, tags(agreeing.image, 'v1')), chain: later, spaces: [{ name: 'acme', id: acme.id, owner: acme.owner }] } },
    ];
    for (const { name, blocks, record } of records) {
      const file = join(work, `${name}.car`);
      await writeBundle(file, record, blocks);
      expectExit(await hcr(['import', file, '--data-dir', target, '--offline']), 0);
    }

    const api = await ApiPromise.create({ provider: new WsProvider(t.chain.devnet.wsUrl), noInitWarn: true });
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(target));
    const gateway: RunningGateway = await startGateway({ api, blobStore: store, dataDir: target, port: 0, auth: { enabled: false }, log: () => undefined });
    try {
      await api.disconnect();
      const accept = { Accept: 'application/vnd.oci.image.manifest.v1+json' };
      const v1 = await fetch(`${gateway.url}/v2/acme/web/manifests/v1`, { headers: accept });
      assert.equal(v1.status, 200, await v1.clone().text());
      assert.equal(v1.headers.get('docker-content-digest'), published.manifest.digest, 'acme/web:v1 is the confirmed record\'s');
      assert.equal(v1.headers.get('x-hcr-as-of-block'), `${asOfBlock.number} ${asOfBlock.hash}`);
      assert.deepEqual(Buffer.from(await v1.arrayBuffer()), published.manifest.bytes);
      for (const reference of ['evil', attacker.image.manifest.digest]) {
        const answer = await fetch(`${gateway.url}/v2/acme/web/manifests/${reference}`, { headers: accept });
        assert.notEqual(answer.status, 200, `acme/web served the other owner's record's ${reference}`);
        assert.notEqual(answer.headers.get('docker-content-digest'), attacker.image.manifest.digest);
        await answer.arrayBuffer();
      }
    } finally {
      await gateway.close();
      await store.close();
      await api.disconnect().catch(() => undefined);
    }
  });

  it('GET /bundles checks pull access before reading anything', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(work, 'private-'));
    const gateway = await startGateway({ api: t.chain.api, blobStore: t.store, dataDir, port: 0, auth: { anonymousPull: false }, log: () => undefined });
    try {
      const verified = join(dataDir, 'gateway', 'verified-pairs.log');
      for (const ref of ['acme/web:v1', 'acme/web:no-such-tag', 'acme/web', 'acme']) {
        const response = await fetch(`${gateway.url}/bundles?ref=${ref}`);
        assert.equal(response.status, 401, `${ref}: ${await response.clone().text()}`);
        assert.equal((await ociErrors(response))[0].code, 'UNAUTHORIZED');
        // Building the record verifies every manifest and blob, which the gateway remembers here.
        assert.equal(existsSync(verified) ? readFileSync(verified, 'utf8') : '', '', `${ref}: content was read and verified for a caller who may not pull`);
      }
      const exported = await hcr(['export', 'acme/web:v1', '--gateway', gateway.url, '--out', join(work, 'private.car')]);
      assert.notEqual(exported.code, 0);
      assert.match(exported.stderr, /pull access to acme\/web needs a login/);
    } finally {
      await gateway.close();
    }
  });
});
