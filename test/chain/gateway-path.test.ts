import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { type Devnet, startDevnet } from '../../src/devnet/node';
import {
  addManifest, addSpaceMember, asProxy, batch, batchAll, ChainTxError, connectChain, createSpace, digestInfo, findEvent, forceBatch,
  gatewaySigner, getSpace, grantGateway, hasGatewayGrant, imageDigestCid, isSpaceMember, manifestDigest, proxiesOf, revokeGateway,
  signerFromUri, storeDigestInfo, submitTx, type TxResult,
} from '../../src/chain';

const digest = (n: number) => `sha256:${n.toString(16).padStart(2, '0').repeat(32)}`;
const cid = (n: number) => `bafkreia${String(n).padStart(4, '0')}aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`;
const text = (value: string) => ({ hex: u8aToHex(stringToU8a(value)), text: value });

let devnet: Devnet;
let api: ApiPromise;
let owner: KeyringPair;
let gateway: KeyringPair;
let stranger: KeyringPair;

before(async () => {
  devnet = await startDevnet({ port: 0 });
  api = await connectChain(devnet.wsUrl, { retries: 0 });
  owner = await signerFromUri('//Alice');
  stranger = await signerFromUri('//Eve');
  gateway = await gatewaySigner({ env: {} });
  await submitTx(api, createSpace(api, 'acme'), owner);
});

after(async () => {
  await api.disconnect();
  await devnet.close();
});

async function rejection(promise: Promise<unknown>): Promise<ChainTxError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ChainTxError, `expected a ChainTxError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the transaction to fail');
}

/** Everything a push touches, to compare before and after a failed one. */
async function snapshot(digests: string[]) {
  const [infos, cids, spaces, ownerAccount, tagged] = await Promise.all([
    Promise.all(digests.map((d) => digestInfo(api, d))),
    Promise.all(digests.map((d) => imageDigestCid(api, 'web', d))),
    api.query.containerRegistry.spaces.entries(),
    api.query.system.account(owner.address),
    manifestDigest(api, { repo: 'acme', image: 'web', tag: 'v1' }),
  ]);
  return JSON.stringify({ infos, cids, spaces: spaces.map(([k, v]) => [k.toHex(), v.toHex()]), owner: ownerAccount.toHex(), tagged });
}

const pushCalls = (layer: number, manifest: number, tag = 'v1') => [
  storeDigestInfo(api, { repo: 'acme', digest: digest(layer), type: 'File', cid: cid(layer) }),
  storeDigestInfo(api, { repo: 'acme', digest: digest(manifest), type: 'Json', cid: cid(manifest) }),
  addManifest(api, { repo: 'acme', image: 'web', tag, digest: digest(manifest), cid: cid(manifest) }),
];

describe('the gateway records pushes as a NonTransfer proxy of the space owner', () => {
  let granted: TxResult | undefined;

  test('the owner grants the gateway a NonTransfer proxy, once', async () => {
    assert.equal(await hasGatewayGrant(api, owner.address, gateway.address), false);
    granted = await grantGateway(api, owner, gateway.address);
    assert.ok(granted);
    const added = findEvent(granted.events, 'proxy', 'ProxyAdded');
    assert.ok(added);
    assert.equal(added.data[0].toString(), owner.address);
    assert.equal(added.data[1].toString(), gateway.address);
    assert.equal(added.data[2].toString(), 'NonTransfer');
    assert.equal(await hasGatewayGrant(api, owner.address, gateway.address), true);
    assert.deepEqual(await proxiesOf(api, owner.address), [{ delegate: gateway.address, proxyType: 'NonTransfer', delay: 0 }]);
    assert.equal(await grantGateway(api, owner, gateway.address), undefined, 'granting again changes nothing');
  });

  test('the gateway submits proxy(owner, NonTransfer, batch_all([...])) and storage shows every record', async () => {
    const result = await submitTx(api, asProxy(api, owner.address, batchAll(api, pushCalls(1, 2))), gateway, { until: 'finalized' });
    const executed = findEvent(result.events, 'proxy', 'ProxyExecuted');
    assert.ok(executed && (executed.data[0] as unknown as { isOk: boolean }).isOk);
    // The records are the owner's, not the gateway's.
    const stored = findEvent(result.events, 'containerRegistry', 'DigestInfoStored');
    assert.equal(stored?.data[0].toString(), owner.address);

    assert.deepEqual(await digestInfo(api, digest(1)), { digestType: 'File', cid: text(cid(1)) });
    assert.deepEqual(await digestInfo(api, digest(2)), { digestType: 'Json', cid: text(cid(2)) });
    assert.deepEqual(await manifestDigest(api, { repo: 'acme', image: 'web', tag: 'v1' }), text(digest(2)));
    assert.equal(await manifestDigest(api, { repo: 'acme', image: 'web' }), undefined, 'a named tag does not move latest');
    assert.deepEqual(await imageDigestCid(api, 'web', digest(2)), text(cid(2)));
    const space = (await getSpace(api, (await proxiedSpaceId())))!;
    assert.deepEqual(space.imageNames, [text('web')]);
  });

  test('an account that is not a proxy of the owner gets Proxy.NotProxy', async () => {
    const error = await rejection(submitTx(api, asProxy(api, owner.address, batchAll(api, pushCalls(3, 4))), stranger));
    assert.equal(error.code, 'Proxy.NotProxy');
    assert.equal(error.name, 'NotProxy');
    assert.match(error.message, /^Proxy\.NotProxy: Sender is not a proxy of the account to be proxied\.$/);
    assert.equal(await digestInfo(api, digest(3)), undefined);
  });

  test('a proxied batch_all whose inner call fails is reported as failed and changes nothing', async () => {
    const before = await snapshot([digest(5), digest(6)]);
    const calls = [...pushCalls(5, 6).slice(0, 2), addManifest(api, { repo: 'nope', image: 'web', tag: 'v1', digest: digest(6), cid: cid(6) })];
    const error = await rejection(submitTx(api, asProxy(api, owner.address, batchAll(api, calls)), gateway));
    assert.equal(error.kind, 'dispatch');
    assert.ok(error.is('ContainerRegistry', 'SpaceDoesNotExist'));
    assert.match(error.message, /^ContainerRegistry\.SpaceDoesNotExist: .+ \(in the proxied call\)$/);
    // The extrinsic itself succeeded: only ProxyExecuted carries the failure.
    assert.ok(findEvent(error.events, 'system', 'ExtrinsicSuccess'));
    assert.ok((findEvent(error.events, 'proxy', 'ProxyExecuted')!.data[0] as unknown as { isErr: boolean }).isErr);
    assert.equal(await snapshot([digest(5), digest(6)]), before);
  });

  test('a Balances transfer inside the proxied batch is filtered under NonTransfer and nothing changes', async () => {
    const before = await snapshot([digest(7)]);
    const calls = [pushCalls(7, 8)[0], api.tx.balances.transferKeepAlive(gateway.address, 1_000_000_000_000n)];
    const error = await rejection(submitTx(api, asProxy(api, owner.address, batchAll(api, calls)), gateway));
    assert.equal(error.code, 'System.CallFiltered');
    assert.match(error.message, /^System\.CallFiltered: .+ \(in the proxied call\)$/);
    assert.equal(await snapshot([digest(7)]), before, 'no record and not one unit moved from the owner');
  });

  test('a plain batch stops at the failing call: BatchInterrupted names it, and the calls before it stay', async () => {
    const calls = [pushCalls(9, 10)[0], addManifest(api, { repo: 'nope', image: 'web', digest: digest(10), cid: cid(10) }), pushCalls(11, 12)[0]];
    const error = await rejection(submitTx(api, asProxy(api, owner.address, batch(api, calls)), gateway));
    assert.equal(error.code, 'ContainerRegistry.SpaceDoesNotExist');
    assert.equal(error.batchIndex, 1);
    assert.match(error.message, /^ContainerRegistry\.SpaceDoesNotExist: .+ \(in batch call #1, counting from 0; the calls before it were applied\)$/);
    assert.ok(findEvent(error.events, 'utility', 'BatchInterrupted'));
    assert.deepEqual(await digestInfo(api, digest(9)), { digestType: 'File', cid: text(cid(9)) });
    assert.equal(await digestInfo(api, digest(11)), undefined);
  });

  test('force_batch runs everything and reports each failed call', async () => {
    const calls = [
      pushCalls(13, 14)[0],
      addManifest(api, { repo: 'nope', image: 'web', digest: digest(14), cid: cid(14) }),
      pushCalls(15, 16)[0],
      api.tx.containerRegistry.storeDigestInfo(u8aToHex(stringToU8a('acme')), '0x', 'File', u8aToHex(stringToU8a(cid(16)))),
    ];
    const error = await rejection(submitTx(api, forceBatch(api, calls), owner));
    assert.deepEqual(error.failures.map((f) => [f.index, `${f.module}.${f.name}`]), [[1, 'ContainerRegistry.SpaceDoesNotExist'], [3, 'ContainerRegistry.EmptyDigestInfo']]);
    assert.equal(error.code, 'ContainerRegistry.SpaceDoesNotExist');
    assert.match(error.message, /\(2 of 4 batch calls failed: #1 ContainerRegistry\.SpaceDoesNotExist, #3 ContainerRegistry\.EmptyDigestInfo; the others were applied\)$/);
    assert.deepEqual(await digestInfo(api, digest(13)), { digestType: 'File', cid: text(cid(13)) });
    assert.deepEqual(await digestInfo(api, digest(15)), { digestType: 'File', cid: text(cid(15)) });
  });

  test('members are visible for the gateway to check before it pushes for them', async () => {
    const bob = await signerFromUri('//Bob');
    const spaceId = await proxiedSpaceId();
    assert.equal(isSpaceMember((await getSpace(api, spaceId))!, bob.address), false);
    await submitTx(api, addSpaceMember(api, spaceId, bob.address), owner);
    const space = (await getSpace(api, spaceId))!;
    assert.equal(isSpaceMember(space, bob.address), true);
    assert.equal(isSpaceMember(space, owner.address), true);
  });

  test('revoking removes the grant, and the gateway can no longer push', async () => {
    const revoked = await revokeGateway(api, owner, gateway.address);
    assert.ok(revoked && findEvent(revoked.events, 'proxy', 'ProxyRemoved'));
    assert.equal(await hasGatewayGrant(api, owner.address, gateway.address), false);
    assert.deepEqual(await proxiesOf(api, owner.address), []);
    assert.equal(await revokeGateway(api, owner, gateway.address), undefined, 'revoking again changes nothing');
    const error = await rejection(submitTx(api, asProxy(api, owner.address, batchAll(api, pushCalls(17, 18))), gateway));
    assert.equal(error.code, 'Proxy.NotProxy');
  });
});

async function proxiedSpaceId(): Promise<string> {
  const entries = await api.query.containerRegistry.spaces.entries();
  const found = entries.find(([, value]) => (value.toJSON() as { owner: string }).owner === owner.address);
  return found![0].args[0].toString();
}
