// The page's checks of what the registry's API answers, without a browser: a payload's lifetime
// (its era, read independently of polkadot.js here and built by polkadot.js in these tests), the
// API's words as the page shows them, and a transaction's record as the progress stream and the
// polls report it. The same checks in Chromium, on the page itself: unsafe-api-answers.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TypeRegistry } from '@polkadot/types';
import { numberToHex, u8aToHex } from '@polkadot/util';
import { callBytes } from '../../src/web/call-bytes';
import { checkSigningPayload, MAX_ERA_PERIOD, PayloadMismatchError, type SigningExpectation } from '../../src/web/payload-check';
import { txRecordOf } from '../../src/web/tx-record';
import { API_TEXT_LIMIT, apiText, countText } from '../../src/web/untrusted-text';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const GENESIS = `0x${'ab'.repeat(32)}`;
const expected: SigningExpectation = { signer: ALICE, call: { action: 'create-space', name: 'acme' }, genesisHash: GENESIS };
const types = new TypeRegistry();

/** A payload as the API builds it at block `built`, with polkadot.js's era for `period` blocks. */
function payload(built: number, period: number | 'immortal', changes: Record<string, unknown> = {}) {
  return {
    address: ALICE,
    method: u8aToHex(callBytes(expected.call)),
    genesisHash: GENESIS,
    blockHash: `0x${'cd'.repeat(32)}`,
    blockNumber: numberToHex(built, 32),
    era: period === 'immortal' ? '0x00' : types.createType('ExtrinsicEra', { current: built, period }).toHex(),
    nonce: '0x00000000',
    tip: '0x00000000000000000000000000000000',
    specVersion: '0x00000001',
    transactionVersion: '0x00000001',
    signedExtensions: ['CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight', 'ChargeTransactionPayment'],
    version: 4,
    ...changes,
  };
}

const refusal = (pattern: RegExp) => (error: unknown) => error instanceof PayloadMismatchError && pattern.test(error.message) && /Nothing was signed\./.test(error.message);

describe('a payload\'s lifetime', () => {
  test('polkadot.js\'s own era (64 blocks on Hippius) and one up to the bound are accepted', () => {
    for (const period of [4, 64, 256]) assert.doesNotThrow(() => checkSigningPayload(payload(1000, period), expected), `period ${period}`);
    assert.doesNotThrow(() => checkSigningPayload(payload(3, 64), expected), 'a young chain');
  });

  test('an immortal era is refused: the transaction would never expire', () => {
    assert.throws(() => checkSigningPayload(payload(1000, 'immortal'), expected), refusal(/^The registry's API asked for a transaction that never expires: its era is immortal, so anyone who holds the signed transaction could submit it at any later time/));
  });

  test('a mortal era longer than the bound is refused, saying how long', () => {
    assert.equal(MAX_ERA_PERIOD, 256);
    assert.throws(() => checkSigningPayload(payload(1000, 512), expected), refusal(/asked for a transaction that expires late: it would stay valid for 512 blocks \(about 51 minutes\), where this page allows at most 256 \(about 26 minutes\)/));
    assert.throws(() => checkSigningPayload(payload(100_000, 65_536), expected), refusal(/valid for 65536 blocks \(about 109\.2 hours\)/));
  });

  test('an era that does not start at the block the payload was built on is refused', () => {
    const elsewhere = payload(1000, 64, { era: types.createType('ExtrinsicEra', { current: 990, period: 64 }).toHex() });
    assert.throws(() => checkSigningPayload(elsewhere, expected), refusal(/its era starts at block #990, not at block #1000, which it says it was built on/));
  });

  test('an era that ended before a block the page has seen is refused; one still open there is accepted', () => {
    assert.throws(() => checkSigningPayload(payload(1000, 64), { ...expected, knownHead: 1064 }), refusal(/asked for a transaction that has already expired: its era ran from block #1000 to #1063, and the chain has already reached block #1064/));
    assert.doesNotThrow(() => checkSigningPayload(payload(1000, 64), { ...expected, knownHead: 1063 }));
    assert.doesNotThrow(() => checkSigningPayload(payload(1000, 64), { ...expected, knownHead: 20 }), 'the page saw an older block');
  });

  test('bytes that are no era, and a missing or non-numeric block number, are refused', () => {
    for (const era of ['0x0000', '0x1000', '0x4100', '0x01', '0x000000', 'soon']) assert.throws(() => checkSigningPayload(payload(1000, 64, { era }), expected), refusal(/its era .* is not a transaction lifetime/), era);
    assert.throws(() => checkSigningPayload(payload(1000, 64, { blockNumber: undefined }), expected), refusal(/its payload has no blockNumber/));
    assert.throws(() => checkSigningPayload(payload(1000, 64, { blockNumber: 'latest' }), expected), refusal(/its block number latest is not a block number/));
  });
});

describe('the API\'s words as the page shows them', () => {
  test('bidi overrides, controls and invisible characters are escaped', () => {
    assert.equal(apiText('name \u202Eemca\u202C taken\u0007\r\nnow\u200B'), 'name \\u202eemca\\u202c taken\\u0007\\u000d\\u000anow\\u200b');
    assert.equal(apiText('the name «ацме» is taken'), 'the name «ацме» is taken', 'other scripts stay readable');
  });

  test('a long text is cut, never inside a character', () => {
    const shown = apiText('x'.repeat(API_TEXT_LIMIT - 1) + '😀'.repeat(10_000));
    assert.equal(shown, `${'x'.repeat(API_TEXT_LIMIT - 1)}😀…`);
    assert.equal(apiText('a'.repeat(API_TEXT_LIMIT)), 'a'.repeat(API_TEXT_LIMIT), 'a text at the bound is whole');
    assert.ok(apiText('\u202E'.repeat(1_000_000)).length <= API_TEXT_LIMIT * 6 + 1);
  });

  test('what is not text shows as nothing', () => {
    for (const value of [undefined, null, 42, { message: 'x' }]) assert.equal(apiText(value), '');
  });
});

describe('counts and block numbers from the index', () => {
  const lie = '1 member, owner 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY (verified on chain)\u202e';

  test('are shown only when they are whole numbers, 0 or more', () => {
    assert.deepEqual([0, 3, 12_345].map(countText), ['0', '3', '12345']);
    for (const value of [lie, '7', -1, 1.5, Number.NaN, 2 ** 60, null, undefined, { n: 1 }]) assert.equal(countText(value), '?', String(value));
  });

  test("a tag's size line shows a layer or child count that is not one as ?", async () => {
    // The page's API module reads the document's address as it loads.
    (globalThis as { document?: unknown }).document ??= { baseURI: 'http://localhost/' };
    // Named through a variable: the page's modules are type-checked with the DOM's types by
    // src/web's own tsconfig, not by the tests'.
    const sizes = '../../src/web/sizes';
    const { sizeText } = (await import(sizes)) as { sizeText: (content: object) => string };
    const content = { tagId: 't', state: 'indexed', kind: 'image', artifactType: null, totalSize: '2048', layerCount: 2, childCount: null, platforms: [] } as const;
    assert.equal(sizeText({ ...content, platforms: [] }), '2.0 KiB in 2 layers');
    assert.equal(sizeText({ ...content, platforms: [], layerCount: lie as unknown as number }), '2.0 KiB in ? layers');
    assert.equal(sizeText({ ...content, platforms: [], kind: 'index', childCount: lie as unknown as number }), 'index of ? manifests, 2.0 KiB in all');
  });
});

describe('a transaction\'s record from the progress stream or a poll', () => {
  const first = { hash: `0x${'12'.repeat(32)}`, links: { status: '/api/extrinsics/x', events: '/api/extrinsics/x/events' } };

  test('a record of this transaction is read field by field, its words escaped', () => {
    const record = txRecordOf({ hash: first.hash.toUpperCase().replace('0X', '0x'), status: 'failed', blockNumber: 7, error: { code: 'X.Y', message: 'no \u202Eway', docs: 'd' }, extra: 'dropped' }, first);
    assert.deepEqual(record, { hash: first.hash, status: 'failed', blockNumber: 7, error: { code: 'X.Y', message: 'no \\u202eway', docs: 'd' }, links: first.links });
  });

  test('anything else is not a record', () => {
    const good = { hash: first.hash, status: 'inBlock', blockNumber: 3 };
    for (const value of [undefined, null, 'finalized', [good], { ...good, hash: `0x${'34'.repeat(32)}` }, { ...good, hash: undefined }, { ...good, status: 'done' }, { ...good, status: undefined }, { ...good, blockNumber: -1 }, { ...good, blockNumber: 1.5 }, { ...good, blockNumber: '3' }, { ...good, error: 'bad' }, { ...good, error: { message: 5 } }]) {
      assert.equal(txRecordOf(value, first), undefined, JSON.stringify(value));
    }
  });
});
