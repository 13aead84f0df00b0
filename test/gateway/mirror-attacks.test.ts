// A live mirror attacked as a stranger or a space member would: records written straight on
// chain (a mirrored layer's digest repointed to other bytes, to a far bigger file, an image name
// no pull could ask for), content no one serves, a name that turns contested, errors naming a
// peer's credentials, a chain that is down. The first tests run the real chain, gateways and
// peers over sockets; the last drive the mirror against a scripted context, where timing matters.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ApiPromise } from '@polkadot/api';
import { bytesArg, submitTx } from '../../src/chain';
import type { RunningGateway } from '../../src/gateway';
import type { GatewayContext } from '../../src/gateway/context';
import { Mirror, type MirrorStatus } from '../../src/gateway/mirror/mirror';
import type { RepositoryName } from '../../src/gateway/oci/reference';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';
import { settledHead } from '../helpers/devnet';
import { startTestGateway, type TestGateway } from './helpers/gateway';
import { createBobsSpace, repointDigest } from './helpers/repoint';
import { makeImage, OCI_MANIFEST, pushImage, randomBlob } from './helpers/oci-client';
import { DigestHolds } from '../../src/gateway/storage/digest-holds';

async function statusOf(url: string): Promise<MirrorStatus> {
  return (await (await fetch(`${url}/mirror`)).json()) as MirrorStatus;
}

async function until<T>(what: string, read: () => Promise<T> | T, done: (value: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    assert.ok(Date.now() < deadline, `${what}; last seen ${JSON.stringify(value).slice(0, 2_000)}`);
    await delay(100);
  }
}

const tagOf = (status: MirrorStatus, key: string) => status.tags.find((t) => `${t.repository}:${t.tag}` === key);

describe('a live mirror against chain records anyone can write', () => {
  let a: TestGateway;
  const dirs: string[] = [];
  const stores: EmbeddedBlobStore[] = [];

  /** A mirror with a store of its own, fetching from gateway A as its peer. */
  async function ownMirror(dataDir?: string, store?: EmbeddedBlobStore): Promise<{ mirror: RunningGateway; store: EmbeddedBlobStore; dataDir: string }> {
    if (!dataDir) dirs.push((dataDir = mkdtempSync(join(tmpdir(), 'hcr-mirror-attacks-'))));
    if (!store) stores.push((store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir))));
    const mirror = await a.startReplica({ blobStore: store, dataDir, peers: [a.url], peerStallMs: 2_000, mirror: ['acme'] });
    return { mirror, store, dataDir };
  }

  const repoint = (digest: string, bytes: Buffer) => repointDigest(a, digest, bytes);

  before(async () => {
    a = await startTestGateway();
    await createBobsSpace(a);
  });
  after(async () => {
    await a?.close();
    for (const store of stores) await store.close().catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('keeps serving its verified copy of a layer a stranger repoints, also after a restart', { timeout: 120_000 }, async () => {
    const image = makeImage([randomBlob(4096)]);
    assert.equal((await pushImage(a.url, 'acme/kept', 'v1', image)).status, 201);
    const first = await ownMirror();
    await until('the image is mirrored', () => statusOf(first.mirror.url), (s) => tagOf(s, 'acme/kept:v1')?.state === 'mirrored');
    const layer = image.layers[0];
    await repoint(layer.digest, Buffer.from('a stranger says these are the bytes'));

    const pulled = await fetch(`${first.mirror.url}/v2/acme/kept/blobs/${layer.digest}`);
    assert.equal(pulled.status, 200, 'the copy the mirror verified and pinned is what it serves');
    assert.deepEqual(Buffer.from(await pulled.arrayBuffer()), layer.bytes);

    // Restarted on the same data dir and store: its copy is still found, not reported missing.
    await first.mirror.close();
    const again = await ownMirror(first.dataDir, first.store);
    const status = await until('a pass of the restarted mirror ends', () => statusOf(again.mirror.url), (s) => s.lastPass !== undefined && tagOf(s, 'acme/kept:v1') !== undefined);
    assert.equal(tagOf(status, 'acme/kept:v1')?.state, 'mirrored', JSON.stringify(tagOf(status, 'acme/kept:v1')));
    const restarted = await fetch(`${again.mirror.url}/v2/acme/kept/blobs/${layer.digest}`);
    assert.equal(restarted.status, 200);
    assert.deepEqual(Buffer.from(await restarted.arrayBuffer()), layer.bytes);
  });

  test('never fetches nor pins a file a stranger points a layer at when its size is not the layer\'s', { timeout: 120_000 }, async () => {
    const image = makeImage([randomBlob(2048)]);
    assert.equal((await pushImage(a.url, 'acme/bloated', 'v1', image)).status, 201);
    // 6 MiB where the manifest says 2 KiB: with a digest anyone can repoint, this could be 6 TB.
    const huge = await repoint(image.layers[0].digest, randomBlob(6 * 1024 * 1024).bytes);
    const { mirror, store } = await ownMirror();
    const status = await until('the layer is missing', () => statusOf(mirror.url), (s) => tagOf(s, 'acme/bloated:v1')?.state === 'missing');
    assert.equal(await store.isPinned(huge), false, 'the stranger\'s file is not pinned here');
    assert.equal(await store.has(huge), false, 'nor stored: only its root block was read, for its size');
    assert.match(tagOf(status, 'acme/bloated:v1')?.error ?? '', /where the manifest says 2048/);
  });

  test('keeps no blob bigger than this gateway accepts in a push, whatever another gateway or a record made on chain allowed', { timeout: 120_000 }, async () => {
    const small = makeImage([randomBlob(1000)]);
    const large = makeImage([randomBlob(3000)]);
    assert.equal((await pushImage(a.url, 'acme/sizes', 'small', small)).status, 201);
    assert.equal((await pushImage(a.url, 'acme/sizes', 'large', large)).status, 201);
    const mirror = await a.startReplica({ mirror: ['acme'], limits: { uploads: { maxBlobBytes: 2048 } } });
    const status = await until('a pass ends', () => statusOf(mirror.url), (s) => s.lastPass !== undefined && tagOf(s, 'acme/sizes:large') !== undefined);
    assert.equal(tagOf(status, 'acme/sizes:small')?.state, 'mirrored');
    assert.equal(tagOf(status, 'acme/sizes:large')?.state, 'missing');
    assert.match(tagOf(status, 'acme/sizes:large')?.error ?? '', /3000 bytes, more than this gateway keeps \(gateway\.limits\.uploads\.maxBlobBytes, 2048 bytes\)/);
  });

  test('reads no file a tag\'s recorded "digest" names by path', { timeout: 120_000 }, async () => {
    // Outside the gateway's record directory (<data dir>/gateway/blobs), where "../../leak" leads.
    writeFileSync(join(a.dataDir, 'leak.json'), JSON.stringify({ digest: 'x', cid: 'bafySECRETFROMAFILE', size: 1, committedAt: 0, kind: 'manifest' }));
    const api: ApiPromise = a.chain.api;
    // A CID no store has: the error then lists every candidate CID the gateway found.
    await submitTx(api, api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(bytesArg('acme'), bytesArg('leaky'), bytesArg('v1'), bytesArg('../../leak'), bytesArg('no-such-cid')), a.keys.alice);
    await settledHead(api);
    const pulled = await fetch(`${a.url}/v2/acme/leaky/manifests/v1`, { headers: { Accept: OCI_MANIFEST } });
    const body = await pulled.text();
    assert.notEqual(pulled.status, 200);
    assert.doesNotMatch(body, /SECRETFROMAFILE/);
  });

  test('passes over an image name and a tag no pull could ask for, recorded on chain, and mirrors the rest', { timeout: 120_000 }, async () => {
    const fine = makeImage([randomBlob(1500)]);
    assert.equal((await pushImage(a.url, 'acme/fine', 'v1', fine)).status, 201);
    // The space's owner (any member could) writes records straight on chain, as hcr never would.
    const api: ApiPromise = a.chain.api;
    const cid = (await a.store.put([fine.manifest.bytes])).cid;
    const raw = (image: string, tag: string) => api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(bytesArg('acme'), bytesArg(image), bytesArg(tag), bytesArg(fine.manifest.digest), bytesArg(cid));
    await submitTx(api, raw('Not A Name!', 'v1'), a.keys.alice);
    await submitTx(api, raw('fine', '..not-a-tag'), a.keys.alice);
    await settledHead(api);
    const mirror = await a.startReplica({ mirror: ['acme'] });
    const status = await until('a pass ends', () => statusOf(mirror.url), (s) => s.lastPass !== undefined, 20_000);
    assert.equal(tagOf(status, 'acme/fine:v1')?.state, 'mirrored');
    assert.deepEqual(status.tags.filter((t) => !/^acme\/[a-z0-9._-]+$/.test(t.repository) || t.tag.startsWith('.')), [], 'no unreadable name is listed');
  });
});

// ---- The mirror against a scripted context: what the chain lists, how long fetches take. ----

interface World {
  /** `<space>/<image>:<tag>` → digest. */
  readonly tags: Map<string, string>;
  /** Digests whose manifest cannot be fetched: the reason given. */
  readonly failing: Map<string, string>;
  /** How long fetching each digest's manifest takes (ms). */
  readonly slow: Map<string, number>;
  /** Each manifest fetch, by digest. */
  readonly fetched: string[];
  contested: boolean;
  chainDown: boolean;
  subscribeFailures: number;
}

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

function scripted(world: World): { mirror: Mirror; block: (n: number) => void } {
  let onHead: ((header: { number: { toNumber(): number } }) => void) | undefined;
  const down = () => Object.assign(new Error('the chain at ws://127.0.0.1:9944 cannot be reached'), { name: 'ChainUnavailableError' });
  const imagesOf = () => [...new Set([...world.tags.keys()].map((key) => key.split(':')[0].split('/')[1]))];
  const api = {
    rpc: {
      chain: {
        subscribeFinalizedHeads: async (callback: typeof onHead) => {
          if (world.subscribeFailures-- > 0) throw new Error('connect ECONNREFUSED 127.0.0.1:9944');
          onHead = callback;
          callback!({ number: { toNumber: () => 1 } });
          return () => (onHead = undefined);
        },
      },
    },
  } as unknown as ApiPromise;
  const ctx = {
    resolver: {
      index: undefined,
      owner: async () => ({ spaceId: '1', account: 'alice', claim: { contested: world.contested } }),
      tagDigest: async (name: RepositoryName, tag: string) => {
        if (world.chainDown) throw down();
        if (world.contested) throw new Error(`${name.repo} is contested`);
        return world.tags.get(`${name.full}:${tag}`);
      },
    },
    chain: {
      claim: async () => {
        if (world.chainDown) throw down();
        return { contested: world.contested, owner: { imageNames: imagesOf().map((text) => ({ text })) } };
      },
      tags: async (name: RepositoryName) => {
        if (world.chainDown) throw down();
        return [...world.tags.keys()].filter((key) => key.startsWith(`${name.full}:`)).map((key) => ({ tag: key.slice(name.full.length + 1) }));
      },
    },
    content: {
      manifest: async (_name: RepositoryName, wanted: string) => {
        world.fetched.push(wanted);
        await delay(world.slow.get(wanted) ?? 0);
        const failure = world.failing.get(wanted);
        if (failure) throw new Error(failure);
        const bytes = Buffer.from('{}');
        return { digest: wanted, cid: `bafy${wanted.slice(-8)}`, bytes, mediaType: OCI_MANIFEST, parsed: { blobs: [], children: [] } };
      },
    },
    contents: { vouchManifest: () => undefined },
    uploadAdmission: { limits: { maxBlobBytes: 1 << 30 } },
    store: { isPinned: async () => true, pin: async () => undefined },
    local: { holds: new DigestHolds(), get: async () => undefined, keep: async () => undefined, markReferenced: async () => undefined },
    log: () => undefined,
  } as unknown as GatewayContext;
  const mirror = new Mirror(ctx, api, ['acme']);
  return { mirror, block: (n) => onHead?.({ number: { toNumber: () => n } }) };
}

function world(): World {
  return { tags: new Map(), failing: new Map(), slow: new Map(), fetched: [], contested: false, chainDown: false, subscribeFailures: 0 };
}

describe('a live mirror against content no one serves, and outages', () => {
  const mirrors: Mirror[] = [];
  after(() => {
    for (const mirror of mirrors) mirror.stop();
  });
  const started = async (w: World) => {
    const it = scripted(w);
    mirrors.push(it.mirror);
    await it.mirror.start().catch(() => undefined);
    return it;
  };

  test('mirrors a new push without waiting behind content no one serves, which it tries again less and less often', { timeout: 60_000 }, async () => {
    const w = world();
    // A member records 20 tags whose content no peer has, each costing a fetch that times out.
    for (let i = 0; i < 20; i++) {
      w.tags.set(`acme/stuck:t${String(i).padStart(2, '0')}`, digest(i + 1));
      w.failing.set(digest(i + 1), 'no peer could send it');
      w.slow.set(digest(i + 1), 100);
    }
    const { mirror, block } = await started(w);
    await until('the first pass ends', () => mirror.status(), (s) => s.lastPass !== undefined && s.missing === 20);
    const tried = w.fetched.length;
    w.tags.set('acme/stuck:zz-new', digest(100));
    const pushed = Date.now();
    block(2);
    await until('the new push is mirrored', () => mirror.status(), (s) => tagOf(s, 'acme/stuck:zz-new')?.state === 'mirrored', 10_000);
    assert.ok(Date.now() - pushed < 1_500, `mirrored ${Date.now() - pushed} ms after its block, not after the stuck tags' retries`);
    // Blocks keep coming before the first stuck tag's wait (5 s from its failure) is over.
    for (let n = 3; n <= 5; n++) {
      block(n);
      await delay(400);
    }
    await mirror.settled();
    assert.equal(w.fetched.length - tried, 1, 'stuck content is not fetched again at every block, only once its wait is over');
    const stuck = tagOf(mirror.status(), 'acme/stuck:t00');
    assert.ok(stuck?.nextTry && Date.parse(stuck.nextTry) > Date.now(), `the status says when it is tried next: ${JSON.stringify(stuck)}`);
  });

  test('says a tag is missing, not mirrored, once its name is contested and it cannot be followed, and drops tags the chain no longer lists', { timeout: 60_000 }, async () => {
    const w = world();
    w.tags.set('acme/web:v1', digest(1));
    w.tags.set('acme/web:v2', digest(2));
    const { mirror, block } = await started(w);
    await until('both are mirrored', () => mirror.status(), (s) => s.mirrored === 2);
    w.tags.delete('acme/web:v2');
    block(2);
    await until('v2 is no longer shown', () => mirror.status(), (s) => s.tags.length === 1);
    assert.equal(mirror.counts().mirrored, 1);

    w.contested = true;
    block(3);
    const status = await until('v1 is missing', () => mirror.status(), (s) => tagOf(s, 'acme/web:v1')?.state === 'missing');
    assert.match(tagOf(status, 'acme/web:v1')!.error!, /contested/);
    assert.equal(mirror.counts().mirrored, 0);
  });

  test('fetches nothing for a tag whose record names no digest, and does not echo it', { timeout: 60_000 }, async () => {
    const w = world();
    w.tags.set('acme/web:v1', `../../${'x'.repeat(5_000)}`);
    const { mirror } = await started(w);
    const status = await until('v1 is missing', () => mirror.status(), (s) => s.missing === 1);
    assert.deepEqual(w.fetched, []);
    const shown = tagOf(status, 'acme/web:v1')!;
    assert.equal(shown.digest, undefined);
    assert.match(shown.error!, /no sha256 digest/);
    assert.ok(JSON.stringify(status).length < 1_000);
  });

  test('shows why a tag is missing in a few hundred characters, with no credentials', { timeout: 60_000 }, async () => {
    const w = world();
    w.tags.set('acme/web:v1', digest(1));
    w.failing.set(digest(1), `peer https://mirror:s3cret-token@peer.example: ${'bafyrecordedbyastranger '.repeat(20_000)}`);
    const { mirror } = await started(w);
    const status = await until('v1 is missing', () => mirror.status(), (s) => s.missing === 1);
    const error = tagOf(status, 'acme/web:v1')!.error!;
    assert.ok(error.length <= 501, `${error.length} characters`);
    assert.doesNotMatch(error, /s3cret/);
    assert.ok(JSON.stringify(status).length < 2_000);
  });

  test('starts once the chain answers, and says why passes fail while it is down, with no crash', { timeout: 60_000 }, async () => {
    const w = world();
    w.tags.set('acme/web:v1', digest(1));
    w.subscribeFailures = 1;
    const { mirror, block } = await started(w);
    assert.match(mirror.status().lastFailure?.error ?? '', /could not follow the chain's finalized blocks/);
    await until('the mirror starts once the chain answers', () => mirror.status(), (s) => s.mirrored === 1, 15_000);
    assert.equal(mirror.status().lastFailure, undefined);

    w.chainDown = true;
    block(2);
    const down = await until('the failed pass is shown', () => mirror.status(), (s) => s.lastFailure !== undefined);
    assert.match(down.lastFailure!.error, /cannot be reached/);
    assert.equal(tagOf(down, 'acme/web:v1')?.state, 'mirrored', 'what was mirrored stays so');
    // No new block comes while the chain is down: the mirror tries again by itself.
    w.chainDown = false;
    await until('a pass succeeds again', () => mirror.status(), (s) => s.lastFailure === undefined, 15_000);
  });
});
