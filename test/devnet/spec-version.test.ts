// The spec version moves with the metadata: clients cache metadata by spec version, so a change
// to the runtime's shape without a bump would leave them decoding with stale types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blake2AsHex } from '@polkadot/util-crypto';
import { Runtime } from '../../src/devnet/runtime/runtime';
import { SPEC_VERSION } from '../../src/devnet/runtime/constants';

const recorded = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'metadata-hash.json'), 'utf8')) as { specVersion: number; metadataV14Hash: string };

test('the metadata is the one recorded for this spec version', () => {
  const hash = blake2AsHex(new Runtime().metadataV14);
  if (hash !== recorded.metadataV14Hash) {
    assert.notEqual(
      SPEC_VERSION,
      recorded.specVersion,
      `The runtime metadata changed (now ${hash}) but SPEC_VERSION is still ${SPEC_VERSION}: bump SPEC_VERSION in src/devnet/runtime/constants.ts, then record the new version and hash in test/devnet/fixtures/metadata-hash.json.`,
    );
    assert.fail(`SPEC_VERSION was bumped to ${SPEC_VERSION}: record it with metadataV14Hash ${hash} in test/devnet/fixtures/metadata-hash.json.`);
  }
  assert.equal(SPEC_VERSION, recorded.specVersion);
});

test('the metadata is built deterministically', () => {
  assert.equal(blake2AsHex(new Runtime().metadataV14), blake2AsHex(new Runtime().metadataV14));
});
