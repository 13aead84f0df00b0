// A bundle's record names the block it was taken at and the chain's genesis; the block goes out
// again in every answer the record stands in for (X-HCR-As-Of-Block) while the chain is down. A
// record is untrusted input, so these are refused unless spelled as a node spells them: a line
// feed in the block's hash would have made each of those answers fail as its header was set.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUNDLE_FORMAT, BundleError, parseBundleRecord } from '../../src/gateway/bundles/bundle-record';
import { ipfsModules } from '../../src/ipfs/esm';

const HASH = `0x${'ab'.repeat(32)}`;

function recordBytes(chain: unknown): Uint8Array {
  return Buffer.from(JSON.stringify({ format: BUNDLE_FORMAT, exportedAt: new Date(0).toISOString(), chain, spaces: [], tags: [], content: [] }));
}

describe('a bundle record\'s chain fields', () => {
  test('a record with a block hash and genesis as a node spells them is read', async () => {
    const m = await ipfsModules();
    const record = parseBundleRecord(recordBytes({ genesisHash: HASH, block: { number: 12, hash: HASH } }), (text) => m.CID.parse(text));
    assert.deepEqual(record.chain, { genesisHash: HASH, block: { number: 12, hash: HASH } });
  });

  for (const [what, chain] of [
    ['a block hash with a line feed', { genesisHash: HASH, block: { number: 12, hash: `${HASH}\nX-Injected: 1` } }],
    ['a block hash that is no hash', { genesisHash: HASH, block: { number: 12, hash: 'latest' } }],
    ['a genesis hash that is no hash', { genesisHash: 'hippius', block: { number: 12, hash: HASH } }],
    ['a negative block number', { genesisHash: HASH, block: { number: -1, hash: HASH } }],
  ] as const) {
    test(`${what} is refused, naming the field and the fix`, async () => {
      const m = await ipfsModules();
      assert.throws(() => parseBundleRecord(recordBytes(chain), (text) => m.CID.parse(text)), (error: Error) => {
        assert.ok(error instanceof BundleError, String(error));
        assert.match(error.message, /the bundle's record is malformed \(chain: the genesis and block hashes are 0x and 64 hex digits.*make the bundle again with hcr export/);
        return true;
      });
    });
  }
});
