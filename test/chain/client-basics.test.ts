import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { Signer, SignerPayloadJSON } from '@polkadot/types/types';
import { hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { type Devnet, startDevnet } from '../../src/devnet/node';
import {
  ChainTxError, connectChain, createSpace, digestInfo, findEvent, gatewaySigner, getSpace, InjectedWalletSigner, listSpaces,
  signerFromUri, spaceByOwner, spaceForPush, spacesByName, submitTx, type TxStatusUpdate, walletAccount,
} from '../../src/chain';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

let devnet: Devnet;
let api: ApiPromise;
let alice: KeyringPair;
let bob: KeyringPair;

before(async () => {
  devnet = await startDevnet({ port: 0 });
  api = await connectChain(devnet.wsUrl, { retries: 0 });
  alice = await signerFromUri('//Alice');
  bob = await signerFromUri('//Bob');
});

after(async () => {
  await api.disconnect();
  await devnet.close();
});

/** A wallet extension stand-in: signs what it is handed with a key it holds, as extensions do. */
function fakeExtension(pair: KeyringPair, seen: SignerPayloadJSON[]): Signer {
  return {
    async signPayload(payload) {
      seen.push(payload);
      const extrinsicPayload = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
      return { id: seen.length, signature: extrinsicPayload.sign(pair).signature };
    },
  };
}

/** SCALE compact integer, written out here so the header check shares no code with the chain. */
function compact(value: number): Uint8Array {
  if (value < 1 << 6) return Uint8Array.of(value << 2);
  if (value < 1 << 14) return Uint8Array.of(((value << 2) | 1) & 0xff, value >> 6);
  if (value < 1 << 30) {
    const v = (value << 2) | 2;
    return Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }
  throw new Error('block numbers this high are not expected in a test');
}

async function rawHeader(hash: string): Promise<{ parentHash: string; number: string; stateRoot: string; extrinsicsRoot: string; digest: { logs: string[] } }> {
  const response = await fetch(devnet.httpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_getHeader', params: [hash] }),
  });
  return ((await response.json()) as { result: Awaited<ReturnType<typeof rawHeader>> }).result;
}

describe('client basics', () => {
  let spaceId: string;
  let createdIn: { blockHash: string; blockNumber: number };

  test('connectChain gives a connected ApiPromise on the dev chain with the registry pallet', async () => {
    assert.equal(api.isConnected, true);
    assert.equal(api.genesisHash.toHex(), devnet.chain.genesisHash);
    assert.equal(api.runtimeVersion.specName.toString(), 'hippius');
    assert.equal(typeof api.tx.containerRegistry.createSpace, 'function');
    assert.equal(alice.address, ALICE);
  });

  test('createSpace goes ready → inBlock → finalized and its events decode', async () => {
    const statuses: TxStatusUpdate[] = [];
    const result = await submitTx(api, createSpace(api, 'acme'), alice, { until: 'finalized', onStatus: (update) => statuses.push(update) });
    assert.deepEqual(statuses.map((s) => s.status), ['ready', 'inBlock', 'finalized']);
    assert.ok(statuses.every((s) => s.txHash === result.txHash));
    assert.equal(statuses[1].blockHash, result.blockHash);
    assert.equal(statuses[2].blockHash, result.blockHash);

    const finalizedHead = await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead());
    assert.ok(finalizedHead.number.toNumber() >= result.blockNumber, 'the block is final when submitTx resolves');
    const block = await api.rpc.chain.getBlock(result.blockHash);
    assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === result.txHash));

    const created = findEvent(result.events, 'containerRegistry', 'SpaceCreated');
    assert.ok(created, 'SpaceCreated is among the extrinsic\'s events');
    const [id, owner] = created.data;
    // NextSpaceId starts at 0, so the first space's id is the number of the block creating it.
    assert.equal(id.toString(), String(result.blockNumber));
    assert.equal(owner.toString(), ALICE);
    assert.ok(findEvent(result.events, 'system', 'ExtrinsicSuccess'));
    assert.equal(findEvent(result.events, 'system', 'ExtrinsicFailed'), undefined);
    spaceId = id.toString();
    createdIn = result;
  });

  test('storage holds the space, and the readers return it by id, name and owner', async () => {
    const stored = (await api.query.containerRegistry.spaces(spaceId)).toJSON() as Record<string, unknown>;
    assert.deepEqual(stored, { owner: ALICE, repoName: u8aToHex(stringToU8a('acme')), members: [ALICE], imageNames: [] });
    assert.equal((await api.query.containerRegistry.nextSpaceId()).toString(), String(BigInt(spaceId) + 1n));

    const expected = { id: spaceId, owner: ALICE, repoName: { hex: u8aToHex(stringToU8a('acme')), text: 'acme' }, members: [ALICE], imageNames: [] };
    assert.deepEqual(await getSpace(api, spaceId), expected);
    assert.deepEqual(await getSpace(api, BigInt(spaceId)), expected);
    assert.deepEqual(await spacesByName(api, 'acme'), [expected]);
    assert.deepEqual(await spaceForPush(api, 'acme'), expected);
    assert.deepEqual(await spaceByOwner(api, ALICE), expected);
    assert.equal(await getSpace(api, 123456789), undefined);
    assert.deepEqual(await spacesByName(api, 'nobody-has-this'), []);
    assert.equal(await spaceByOwner(api, bob.address), undefined);
    // Readers can be pinned to a block: before the space existed there was none.
    const parent = await api.rpc.chain.getBlockHash(createdIn.blockNumber - 1);
    assert.equal(await getSpace(await api.at(parent), spaceId), undefined);
  });

  test('names are not unique: spacesByName lists every match by storage key, spaceForPush takes the first', async () => {
    const result = await submitTx(api, createSpace(api, 'acme'), bob);
    const bobSpace = findEvent(result.events, 'containerRegistry', 'SpaceCreated')!.data[0].toString();
    const byKey = [spaceId, bobSpace].sort((a, b) => {
      const [ka, kb] = [api.query.containerRegistry.spaces.key(a), api.query.containerRegistry.spaces.key(b)];
      return ka < kb ? -1 : 1;
    });
    const matches = await spacesByName(api, 'acme');
    assert.deepEqual(matches.map((s) => s.id), byKey);
    assert.equal((await spaceForPush(api, 'acme'))?.id, byKey[0]);
    assert.equal((await spaceByOwner(api, bob.address))?.id, bobSpace);
    assert.deepEqual((await listSpaces(api)).map((s) => s.id), byKey);
  });

  test('readers accept bytes that are not UTF-8 without crashing', async () => {
    const digest = Uint8Array.of(0xff, 0x00, 0xfe);
    const cid = Uint8Array.of(0x01, 0x70, 0x12, 0x20, 0xc3);
    // Written raw, as any other client could: the builders only write text.
    await submitTx(api, api.tx.containerRegistry.storeDigestInfo(u8aToHex(stringToU8a('acme')), u8aToHex(digest), 'Json', u8aToHex(cid)), await ownerOfAcmeForPush());
    const info = await digestInfo(api, digest);
    assert.deepEqual(info, { digestType: 'Json', cid: { hex: '0x01701220c3' } });
  });

  test('the block hash is blake2_256 of the SCALE-encoded header', async () => {
    for (const hash of [createdIn.blockHash, (await api.rpc.chain.getBlockHash(0)).toHex()]) {
      const header = await rawHeader(hash);
      const encoded = u8aConcat(
        hexToU8a(header.parentHash),
        compact(Number.parseInt(header.number, 16)),
        hexToU8a(header.stateRoot),
        hexToU8a(header.extrinsicsRoot),
        compact(header.digest.logs.length),
        ...header.digest.logs.map((log) => hexToU8a(log)),
      );
      assert.equal(u8aToHex(blake2AsU8a(encoded, 256)), hash);
    }
    assert.ok((await rawHeader(createdIn.blockHash)).digest.logs.length > 0, 'the check covered a header with digest logs');
  });

  test('an injected wallet signer signs through signPayload', async () => {
    const charlie = await signerFromUri('//Charlie');
    const seen: SignerPayloadJSON[] = [];
    const account = walletAccount(charlie.address, fakeExtension(charlie, seen));
    const result = await submitTx(api, createSpace(api, 'charlies'), account);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].address, charlie.address);
    assert.equal(seen[0].genesisHash, devnet.chain.genesisHash);
    assert.equal(findEvent(result.events, 'containerRegistry', 'SpaceCreated')!.data[1].toString(), charlie.address);

    const wrongAccount = new InjectedWalletSigner(charlie.address, fakeExtension(charlie, seen));
    await assert.rejects(wrongAccount.signPayload({ ...seen[0], address: ALICE }), /is for 5Grw.*sign with the matching account/);

    const refusing = walletAccount(charlie.address, { signPayload: () => Promise.reject(new Error('Cancelled')) });
    await assert.rejects(submitTx(api, createSpace(api, 'never'), refusing), (error: unknown) => {
      assert.ok(error instanceof ChainTxError);
      assert.equal(error.kind, 'signing');
      assert.match(error.message, /^Signer\.NotSigned: the wallet did not sign .*Cancelled.*approve it in the wallet extension/);
      return true;
    });
  });

  test('signers come from key URIs (sr25519 by default) and the gateway key from GATEWAY_SURI or //Gateway', async () => {
    assert.equal(alice.type, 'sr25519');
    const edAlice = await signerFromUri('//Alice', { type: 'ed25519' });
    assert.equal(edAlice.type, 'ed25519');
    assert.notEqual(edAlice.address, ALICE);
    assert.equal((await signerFromUri('//Alice', { type: 'ecdsa' })).type, 'ecdsa');
    // polkadot.js alone would turn this into a seed; a mistyped mnemonic must not become an account.
    await assert.rejects(signerFromUri('hello world///secret'), (error: Error) => !/hello|secret/.test(error.message) && /holds neither a valid mnemonic/.test(error.message));
    await assert.rejects(signerFromUri('//Alice//'), /key URI is not valid/);
    await assert.rejects(signerFromUri(''), /key URI is empty/);

    assert.equal((await gatewaySigner({ env: {} })).address, (await signerFromUri('//Gateway')).address);
    assert.equal((await gatewaySigner({ env: { GATEWAY_SURI: '//Bob' } })).address, bob.address);
    assert.equal((await gatewaySigner({ uri: '//Dave', env: { GATEWAY_SURI: '//Bob' } })).address, (await signerFromUri('//Dave')).address);
    await assert.rejects(gatewaySigner({ env: {}, allowDevKey: false }), /set GATEWAY_SURI/);
  });
});

describe('submitTx without blocks', () => {
  test('gives up after timeoutMs with a Timeout error, and stops watching', async () => {
    const sealed = await startDevnet({ port: 0, manualSeal: true });
    const client = await connectChain(sealed.wsUrl, { retries: 0 });
    try {
      const started = Date.now();
      const statuses: string[] = [];
      await assert.rejects(submitTx(client, createSpace(client, 'waiting'), alice, { timeoutMs: 300, onStatus: (u) => statuses.push(u.status) }), (error: unknown) => {
        assert.ok(error instanceof ChainTxError);
        assert.equal(error.kind, 'timeout');
        assert.match(error.message, /^Client\.Timeout: 0x[0-9a-f]{64} did not reach inBlock within 300 ms\. It may still be included/);
        return true;
      });
      assert.ok(Date.now() - started < 5_000);
      assert.deepEqual(statuses, ['ready']);
    } finally {
      await client.disconnect();
      await sealed.close();
    }
  });
});

/** Alice and Bob both own an "acme"; only the one the pallet picks may write under it. */
async function ownerOfAcmeForPush(): Promise<KeyringPair> {
  const owner = (await spaceForPush(api, 'acme'))!.owner;
  return owner === ALICE ? alice : bob;
}
