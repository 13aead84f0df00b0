import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ApiPromise } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { type Devnet, startDevnet } from '../../src/devnet/node';
import {
  addManifest, addSpaceMember, ChainTxError, connectChain, createSpace, decodeDispatchError, digestInfo, findEvent, InvalidInputError, manifestDigest,
  signerFromUri, storeDigestInfo, submitTx, type Tx,
} from '../../src/chain';

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const CID = 'bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e';
const U128_MAX = ((1n << 128n) - 1n).toString();

let devnet: Devnet;
let api: ApiPromise;
let alice: KeyringPair;
let bob: KeyringPair;
let acme: string;

const hex = (text: string) => u8aToHex(stringToU8a(text));

before(async () => {
  devnet = await startDevnet({ port: 0 });
  api = await connectChain(devnet.wsUrl, { retries: 0 });
  alice = await signerFromUri('//Alice');
  bob = await signerFromUri('//Bob');
  const created = await submitTx(api, createSpace(api, 'acme'), alice);
  acme = findEvent(created.events, 'containerRegistry', 'SpaceCreated')!.data[0].toString();
});

after(async () => {
  await api.disconnect();
  await devnet.close();
});

/** Submits, expects a dispatch failure named `name` of ContainerRegistry, and checks the message against the metadata docs. */
async function expectRegistryError(tx: Tx, signer: KeyringPair, name: string): Promise<ChainTxError> {
  let caught: unknown;
  try {
    await submitTx(api, tx, signer);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ChainTxError, `expected a ChainTxError for ${name}, got ${String(caught)}`);
  const docs = api.errors.containerRegistry[name].meta.docs.map((line) => line.toString()).join(' ');
  // Hippius ships some errors without docs; the client explains those itself.
  if (docs) assert.equal(caught.message, `ContainerRegistry.${name}: ${docs}`);
  else assert.match(caught.message, new RegExp(`^ContainerRegistry\\.${name}: \\S.+$`));
  assert.equal(caught.kind, 'dispatch');
  assert.equal(caught.module, 'ContainerRegistry');
  assert.equal(caught.name, name);
  assert.equal(caught.chainErrorName, name);
  assert.equal(caught.code, `ContainerRegistry.${name}`);
  assert.ok(caught.is('ContainerRegistry', name));
  assert.match(caught.blockHash ?? '', /^0x[0-9a-f]{64}$/);
  // Included and charged: the failure is the extrinsic's own.
  assert.ok(caught.events.some(({ event }) => event.section === 'system' && event.method === 'ExtrinsicFailed'));
  assert.ok(caught.events.some(({ event }) => event.section === 'transactionPayment' && event.method === 'TransactionFeePaid'));
  return caught;
}

const rawAddManifest = (repo: string, image: string, digest: string, cid: string) =>
  api.tx.containerRegistry.addManifestHeadDigestAndManifestJsonCid(hex(repo), hex(image), null, hex(digest), hex(cid));
const rawStoreDigestInfo = (repo: string, digest: string, cid: string) => api.tx.containerRegistry.storeDigestInfo(hex(repo), hex(digest), 'File', hex(cid));

describe('pallet errors come back from submitTx decoded by name', () => {
  test('UserAlreadyHasSpace: a second space for the same owner', async () => {
    await expectRegistryError(createSpace(api, 'second'), alice, 'UserAlreadyHasSpace');
  });

  test('SpaceNotFound: adding a member to a space id that does not exist', async () => {
    await expectRegistryError(addSpaceMember(api, U128_MAX, bob.address), alice, 'SpaceNotFound');
  });

  test('NotAuthorized: someone other than the owner adds a member', async () => {
    await expectRegistryError(addSpaceMember(api, acme, bob.address), bob, 'NotAuthorized');
  });

  test('SpaceDoesNotExist: recording under a repo name no space has', async () => {
    await expectRegistryError(addManifest(api, { repo: 'nope', image: 'web', digest: DIGEST, cid: CID }), alice, 'SpaceDoesNotExist');
    await expectRegistryError(storeDigestInfo(api, { repo: 'nope', digest: DIGEST, type: 'File', cid: CID }), alice, 'SpaceDoesNotExist');
  });

  test('NotSpaceOwner: a non-owner records a manifest or a digest, and nothing is written', async () => {
    await expectRegistryError(addManifest(api, { repo: 'acme', image: 'web', digest: DIGEST, cid: CID }), bob, 'NotSpaceOwner');
    await expectRegistryError(storeDigestInfo(api, { repo: 'acme', digest: DIGEST, type: 'Json', cid: CID }), bob, 'NotSpaceOwner');
    assert.equal(await manifestDigest(api, { repo: 'acme', image: 'web' }), undefined);
    assert.equal(await digestInfo(api, DIGEST), undefined);
  });

  test('NotSpaceOwner applies to members too: the pallet never checks membership', async () => {
    await submitTx(api, addSpaceMember(api, acme, bob.address), alice);
    await expectRegistryError(addManifest(api, { repo: 'acme', image: 'web', digest: DIGEST, cid: CID }), bob, 'NotSpaceOwner');
  });

  test('EmptyImageName, EmptyDigest, EmptyCid from add_manifest_head_digest_and_manifest_json_cid', async () => {
    await expectRegistryError(rawAddManifest('acme', '', DIGEST, CID), alice, 'EmptyImageName');
    await expectRegistryError(rawAddManifest('acme', 'web', '', CID), alice, 'EmptyDigest');
    await expectRegistryError(rawAddManifest('acme', 'web', DIGEST, ''), alice, 'EmptyCid');
  });

  test('EmptyDigestInfo, EmptyCidInfo from store_digest_info', async () => {
    await expectRegistryError(rawStoreDigestInfo('acme', '', CID), alice, 'EmptyDigestInfo');
    await expectRegistryError(rawStoreDigestInfo('acme', DIGEST, ''), alice, 'EmptyCidInfo');
  });

  test('the owner succeeds where the others failed', async () => {
    const result = await submitTx(api, addManifest(api, { repo: 'acme', image: 'web', digest: DIGEST, cid: CID }), alice);
    assert.ok(findEvent(result.events, 'containerRegistry', 'ManifestDigestUpdated'));
    assert.deepEqual(await manifestDigest(api, { repo: 'acme', image: 'web', tag: 'latest' }), { hex: hex(DIGEST), text: DIGEST });
  });
});

describe('refusals before the chain', () => {
  test('builders reject bad input with a message naming the fix, before anything is signed', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => createSpace(api, ''), /^space name is empty: give a non-empty space name$/],
      [() => createSpace(api, 'Acme'), /^space name "Acme" is not valid: use lowercase letters/],
      [() => createSpace(api, 'a/b'), /^space name "a\/b" is not valid/],
      [() => addManifest(api, { repo: 'acme', image: '', digest: DIGEST, cid: CID }), /^image name is empty/],
      [() => addManifest(api, { repo: 'acme', image: 'Web', digest: DIGEST, cid: CID }), /image name "Web" is not valid: use lowercase path components/],
      [() => addManifest(api, { repo: 'acme', image: 'web', tag: '', digest: DIGEST, cid: CID }), /^tag is empty/],
      [() => addManifest(api, { repo: 'acme', image: 'web', tag: '-x', digest: DIGEST, cid: CID }), /^tag "-x" is not valid/],
      [() => addManifest(api, { repo: 'acme', image: 'web', digest: '', cid: CID }), /^digest is empty/],
      [() => addManifest(api, { repo: 'acme', image: 'web', digest: 'sha256:xyz', cid: CID }), /a sha256 digest is "sha256:" followed by 64 lowercase hex digits/],
      [() => addManifest(api, { repo: 'acme', image: 'web', digest: DIGEST, cid: '' }), /^CID is empty/],
      [() => addManifest(api, { repo: 'acme', image: 'web', digest: DIGEST, cid: 'baf y' }), /^CID "baf y" is not valid/],
      [() => storeDigestInfo(api, { repo: 'acme', digest: DIGEST, type: 'Blob' as 'File', cid: CID }), /digest type "Blob" is not valid: use "File" for blobs or "Json" for manifests/],
      [() => addSpaceMember(api, '-1', bob.address), /space id "-1" is not valid/],
      [() => addSpaceMember(api, (1n << 128n).toString(), bob.address), /is not valid: space ids are whole numbers from 0 to 2\^128-1/],
      [() => addSpaceMember(api, acme, 'bob'), /"bob" is not an account address: use an SS58 address/],
    ];
    for (const [build, message] of cases) assert.throws(build, (error: unknown) => error instanceof InvalidInputError && message.test(error.message));
  });

  test('an image name that looks like hex is written as text', async () => {
    await submitTx(api, addManifest(api, { repo: 'acme', image: '0xab', tag: 'v1', digest: DIGEST, cid: CID }), alice);
    assert.deepEqual(await manifestDigest(api, { repo: 'acme', image: '0xab', tag: 'v1' }), { hex: hex(DIGEST), text: DIGEST });
    const space = (await api.query.containerRegistry.spaces(acme)).toJSON() as { imageNames: string[] };
    assert.ok(space.imageNames.includes(hex('0xab')));
  });

  test('a transaction the node refuses (no funds for the fee) is an InvalidTransaction error with the fix', async () => {
    const pauper = await signerFromUri('//NobodyFundedThis');
    await assert.rejects(submitTx(api, createSpace(api, 'pauper'), pauper), (error: unknown) => {
      assert.ok(error instanceof ChainTxError);
      assert.equal(error.kind, 'invalid');
      assert.equal(error.code, 'InvalidTransaction.Payment');
      assert.match(error.message, /^InvalidTransaction\.Payment: Inability to pay some fees \(e\.g\. account balance too low\)\. Fund 5\w+: it pays the transaction fee\.$/);
      assert.ok(error.message.includes(pauper.address));
      return true;
    });
  });
});

describe('decoding against the real Hippius runtime metadata (spec 9105)', () => {
  const registry = new TypeRegistry();
  registry.setMetadata(new Metadata(registry, readFileSync(resolve(__dirname, '../../../shared/hippius/metadata-spec9105.scale'))));
  const moduleError = (error: number) => registry.createType('SpRuntimeDispatchError', { Module: { index: 69, error: [error, 0, 0, 0] } });

  test('documented errors carry the runtime\'s docs', () => {
    assert.deepEqual(decodeDispatchError(registry, moduleError(17)), { module: 'ContainerRegistry', name: 'UserAlreadyHasSpace', docs: 'User already has a space' });
  });

  test('errors Hippius ships without docs get an explanation with the fix', () => {
    const notOwner = decodeDispatchError(registry, moduleError(16));
    assert.equal(notOwner.name, 'NotSpaceOwner');
    assert.match(notOwner.docs, /^Only the space owner may record manifests and digests; sign as the owner, or push through a gateway/);
    assert.match(decodeDispatchError(registry, moduleError(15)).docs, /^No space has this repository name; create the space first/);
  });

  test('an error index the metadata does not know falls back to the DispatchError variant; other variants are named', () => {
    assert.deepEqual(decodeDispatchError(registry, moduleError(200)), { module: 'DispatchError', name: 'Module', docs: 'Pallet 69 raised error 0xc8000000, unknown to the runtime metadata in use.' });
    assert.equal(decodeDispatchError(registry, registry.createType('SpRuntimeDispatchError', 'BadOrigin')).name, 'BadOrigin');
    assert.deepEqual(decodeDispatchError(registry, registry.createType('SpRuntimeDispatchError', { Token: 'FundsUnavailable' })), { module: 'Token', name: 'FundsUnavailable', docs: 'The account does not have enough free funds.' });
  });
});
