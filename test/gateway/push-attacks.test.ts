// The manifest push path as a member of a space would attack it: a manifest whose shape says one
// type while its Content-Type says another (to smuggle another space's manifests into a
// repository), a batch too large for the chain (fees paid for nothing, a retry that can never work,
// the refused manifest left pinned), a push refused by the node while another push waits on the
// next nonce of the gateway's one key, and two gateway processes sharing that key. Real dev chain
// over a WebSocket, real gateways. The 10,922-blob case takes a minute or two.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { SignerPayloadJSON, SignerResult } from '@polkadot/types/types';
import { createSpace, type ExternalAccount, grantGateway, manifestDigest, signerFromUri, submitTx } from '../../src/chain';
import { OciError } from '../../src/gateway/errors/oci-error';
import { ChainRecorder } from '../../src/gateway/push/chain-recorder';
import { blobOf, makeImage, ociErrors, OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST, pushBlob, pushImage, pushManifest, randomBlob } from './helpers/oci-client';
import { startTestGateway, type TestGateway } from './helpers/gateway';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function account(api: ApiPromise, address: string): Promise<{ nonce: number; free: bigint }> {
  const info = (await api.query.system.account(address)) as unknown as { nonce: { toNumber(): number }; data: { free: { toBigInt(): bigint } } };
  return { nonce: info.nonce.toNumber(), free: info.data.free.toBigInt() };
}

describe('push attacks', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('refuses an image manifest without mediaType whose "manifests" list makes it an index to every reader, so another space\'s manifest never becomes the repository\'s', async () => {
    const api = t.chain.api;
    // Bob's space holds an image pushed by digest (recorded as Json digest info, global on chain).
    await submitTx(api, createSpace(api, 'victim'), t.keys.bob);
    await grantGateway(api, t.keys.bob, t.keys.gateway.address);
    const secret = makeImage([randomBlob(777)]);
    await pushImage(t.url, 'victim/secret', secret.manifest.digest, secret);

    // Named honestly, an index of Bob's manifest or an image of Bob's layer is refused: neither is acme/app's.
    const honestIndex = blobOf(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: secret.manifest.digest, size: secret.manifest.size }] }));
    const borrowed = makeImage([secret.layers[0]]);
    assert.equal((await pushBlob(t.url, 'acme/app', borrowed.config)).status, 201);
    for (const [manifest, type] of [[honestIndex, OCI_INDEX], [borrowed.manifest, OCI_MANIFEST]] as const) {
      const refused = await pushManifest(t.url, 'acme/app', 'borrowed', manifest, type);
      assert.equal(refused.status, 400);
      assert.equal((await ociErrors(refused))[0].code, 'MANIFEST_BLOB_UNKNOWN');
    }

    // The attacker's manifest: config and layers of its own, checked as an image because the
    // Content-Type says so, and a "manifests" list naming Bob's manifest.
    const layer = randomBlob(100);
    const config = blobOf(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
    for (const blob of [config, layer]) assert.equal((await pushBlob(t.url, 'acme/app', blob)).status, 201);
    const smuggler = blobOf(JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
      layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
      manifests: [{ mediaType: OCI_MANIFEST, digest: secret.manifest.digest, size: secret.manifest.size }],
    }));
    const response = await pushManifest(t.url, 'acme/app', 'v1', smuggler, OCI_MANIFEST);
    assert.equal(response.status, 400);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, /no "mediaType".*add "mediaType": "application\/vnd\.oci\.image\.manifest\.v1\+json"/);
    assert.equal(await manifestDigest(api, { repo: 'acme', image: 'app', tag: 'v1' }), undefined);

    // A replica (chain storage alone, as any gateway after a restart) does not serve Bob's
    // manifest or its layers as acme/app's.
    const replica = await t.startReplica();
    for (const path of [`manifests/${secret.manifest.digest}`, `blobs/${secret.layers[0].digest}`]) {
      const read = await fetch(`${replica.url}/v2/acme/app/${path}`);
      assert.equal(read.status, 404, path);
      await read.arrayBuffer();
    }

    // With "mediaType" named, every reader agrees it is an image: taken.
    const named = blobOf(JSON.stringify({ ...JSON.parse(smuggler.bytes.toString()), mediaType: OCI_MANIFEST }));
    assert.equal((await pushManifest(t.url, 'acme/app', 'v2', named, OCI_MANIFEST)).status, 201);
    const pulled = await fetch(`${replica.url}/v2/acme/app/manifests/v2`);
    assert.equal(pulled.headers.get('content-type'), OCI_MANIFEST);
    await pulled.arrayBuffer();
    const child = await fetch(`${replica.url}/v2/acme/app/manifests/${secret.manifest.digest}`);
    assert.equal(child.status, 404);
    await child.arrayBuffer();
  });

  it('records concurrent pushes signed with the one key, the same manifest to two tags among them, each answered 201 with its tag on chain', async () => {
    const api = t.chain.api;
    const shared = makeImage([randomBlob(64)]);
    const others = [makeImage([randomBlob(65)]), makeImage([randomBlob(66)]), makeImage([randomBlob(67)])];
    for (const image of [shared, ...others]) for (const blob of [image.config, ...image.layers]) assert.equal((await pushBlob(t.url, 'acme/many', blob)).status, 201);
    const pushes: [string, typeof shared][] = [['a', shared], ['b', shared], ['c', others[0]], ['d', others[1]], ['e', others[2]]];
    const answers = await Promise.all(pushes.map(([tag, image]) => pushManifest(t.url, 'acme/many', tag, image.manifest)));
    for (const [index, answer] of answers.entries()) {
      assert.equal(answer.status, 201, await answer.text());
      assert.equal(answer.headers.get('docker-content-digest'), pushes[index][1].manifest.digest);
      // The 201 comes once the record is in a block: the tag already reads back from chain storage.
      assert.equal((await manifestDigest(api, { repo: 'acme', image: 'many', tag: pushes[index][0] }))?.text, pushes[index][1].manifest.digest);
    }
  });

  it('two gateway processes signing with one key (replicas behind a load balancer) both record concurrent pushes: a nonce collision is retried, not answered 503', async () => {
    const api = t.chain.api;
    const cid = (await t.store.put([Buffer.from('collision')])).cid;
    const record = (recorder: ChainRecorder, tag: string) =>
      recorder.record({ owner: t.keys.alice.address, repo: 'acme', digests: [], head: { image: 'twins', tag, digest: `sha256:${tag.repeat(64).slice(0, 64)}`, cid } });
    for (const round of ['a', 'b', 'c']) {
      const first = new ChainRecorder(api, t.keys.gateway);
      const second = new ChainRecorder(api, t.keys.gateway);
      const tags = [`${round}1`, `${round}2`];
      const results = await Promise.allSettled([record(first, tags[0]), record(second, tags[1])]);
      for (const result of results) assert.equal(result.status, 'fulfilled', result.status === 'rejected' ? String(result.reason) : '');
      for (const tag of tags) assert.equal((await manifestDigest(api, { repo: 'acme', image: 'twins', tag }))?.text, `sha256:${tag.repeat(64).slice(0, 64)}`);
    }
  });

  it('refuses a batch past the chain\'s batched_calls_limit or a block\'s length before signing it, at no cost to the gateway', async () => {
    const api = t.chain.api;
    const recorder = new ChainRecorder(api, t.keys.gateway);
    const before = await account(api, t.keys.gateway.address);
    const cid = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
    const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
    const tooMany = Array.from({ length: 10_923 }, (_, i) => ({ digest: digest(i), type: 'File' as const, cid }));
    await assert.rejects(recorder.record({ owner: t.keys.alice.address, repo: 'acme', digests: tooMany }), (error: unknown) => {
      assert.ok(error instanceof OciError, `an OciError, not ${String(error)}`);
      assert.equal(error.code, 'MANIFEST_INVALID');
      assert.match(error.message, /10923 calls, and the chain runs at most 10922 in one batch: nothing was recorded or paid for/);
      assert.match(error.message, /fewer layers/);
      return true;
    });
    // A long space name (each call repeats it) and long CIDs make a batch under the call limit too big for a block.
    const longCid = `bafy${'a'.repeat(250)}`;
    const tooBig = Array.from({ length: 8_000 }, (_, i) => ({ digest: digest(i), type: 'File' as const, cid: longCid }));
    await assert.rejects(recorder.record({ owner: t.keys.alice.address, repo: 'r'.repeat(250), digests: tooBig }), (error: unknown) => {
      assert.ok(error instanceof OciError, `an OciError, not ${String(error)}`);
      assert.equal(error.code, 'MANIFEST_INVALID');
      assert.match(error.message, /a block takes at most 3932160 bytes/);
      return true;
    });
    await sleep(500);
    assert.deepEqual(await account(api, t.keys.gateway.address), before, 'nothing was signed, submitted or paid');
  });
});

describe('a push the node refuses, while another push waits for the next nonce', () => {
  let t: TestGateway;
  let key: KeyringPair;
  let bigSigning: () => void;
  const bigSigningStarted = new Promise<void>((resolve) => (bigSigning = resolve));

  before(async () => {
    key = await signerFromUri('//Gateway');
    // The gateway's key, signing large batches slowly (a remote signer, a busy machine): the
    // window in which another push takes the next nonce is made wide instead of left to chance.
    const signer: ExternalAccount = {
      address: key.address,
      signer: {
        signPayload: async (payload: SignerPayloadJSON): Promise<SignerResult> => {
          if (payload.method.length > 20_000) {
            bigSigning();
            await sleep(3_000);
          }
          const raw = t.chain.api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
          return { id: 1, signature: raw.sign(key).signature };
        },
      },
    };
    t = await startTestGateway({ gatewaySigner: signer });
  });
  after(async () => {
    await t?.close();
  });

  it('a push refused for its fee does not leave a concurrent push stranded behind its nonce', { timeout: 180_000 }, async () => {
    const api = t.chain.api;
    // The gateway's key can pay for a small push, not for one with 200 layers.
    const big = makeImage(Array.from({ length: 200 }, () => randomBlob(8)));
    const small = makeImage([randomBlob(16)]);
    for (const blob of [big.config, ...big.layers, small.config, ...small.layers]) assert.equal((await pushBlob(t.url, 'acme/app', blob)).status, 201);
    await submitTx(api, api.tx.sudo.sudo(api.tx.balances.forceSetBalance(key.address, 1_010_000_000_000_500n)), t.keys.alice);

    const bigPush = pushManifest(t.url, 'acme/app', 'big', big.manifest);
    await bigSigningStarted;
    const smallPush = fetch(`${t.url}/v2/acme/app/manifests/small`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body: small.manifest.bytes, signal: AbortSignal.timeout(60_000) });

    const refused = await bigPush;
    assert.equal(refused.status, 503);
    const [error] = await ociErrors(refused);
    assert.equal(error.code, 'UNAVAILABLE');
    assert.match(error.message, /Payment/);
    assert.equal(await manifestDigest(api, { repo: 'acme', image: 'app', tag: 'big' }), undefined);

    const landed = await smallPush;
    assert.equal(landed.status, 201, await landed.text());
    assert.equal((await manifestDigest(api, { repo: 'acme', image: 'app', tag: 'small' }))?.text, small.manifest.digest);

    // The refused manifest's pin went with it; the recorded one's stays.
    assert.equal(await t.store.isPinned((await t.store.put([big.manifest.bytes], { pin: false })).cid), false, 'the refused manifest is not kept in IPFS');
    assert.equal(await t.store.isPinned((await t.store.put([small.manifest.bytes], { pin: false })).cid), true, 'the recorded manifest stays pinned');
  });

  it('a refused push leaves a pin it did not add: the same bytes uploaded as a blob stay pinned', { timeout: 180_000 }, async () => {
    const api = t.chain.api;
    const big = makeImage(Array.from({ length: 200 }, () => randomBlob(8)));
    for (const blob of [big.config, ...big.layers, big.manifest]) assert.equal((await pushBlob(t.url, 'acme/app', blob)).status, 201);
    const { cid } = await t.store.put([big.manifest.bytes], { pin: false });
    assert.equal(await t.store.isPinned(cid), true, 'the upload pinned the bytes');
    await submitTx(api, api.tx.sudo.sudo(api.tx.balances.forceSetBalance(key.address, 1_010_000_000_000_500n)), t.keys.alice);

    const refused = await pushManifest(t.url, 'acme/app', 'big-again', big.manifest);
    assert.equal(refused.status, 503);
    assert.match((await ociErrors(refused))[0].message, /Payment/);
    assert.equal(await t.store.isPinned(cid), true, 'the uploaded copy keeps its pin');
  });
});

describe('a manifest with more layers than one chain transaction records', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(async () => {
    await t?.close();
  });

  it('is refused with what to change before its bytes are pinned or a fee is paid', async () => {
    const api = t.chain.api;
    // config + 10,921 layers + the tag: 10,923 calls, one past Utility.batched_calls_limit. The
    // count is refused before any reference is looked up, so the layers need not be uploaded.
    const layers = Array.from({ length: 10_921 }, (_, i) => blobOf(`layer ${i}`));
    const image = makeImage(layers);
    const before = await account(api, t.keys.gateway.address);

    const response = await pushManifest(t.url, 'acme/layered', 'v1', image.manifest);
    assert.equal(response.status, 400);
    const [error] = await ociErrors(response);
    assert.equal(error.code, 'MANIFEST_INVALID');
    assert.match(error.message, /10923 calls, and the chain runs at most 10922 in one batch: nothing was recorded or paid for\. Push an image with fewer layers/);

    assert.deepEqual(await account(api, t.keys.gateway.address), before, 'nothing was signed or paid');
    assert.equal(await manifestDigest(api, { repo: 'acme', image: 'layered', tag: 'v1' }), undefined);
    const { cid } = await t.store.put([image.manifest.bytes], { pin: false });
    assert.equal(await t.store.isPinned(cid), false, 'the refused manifest is not kept in IPFS');
  });
});
