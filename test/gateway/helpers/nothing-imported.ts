// What a refused `hcr import` must leave behind: nothing.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Nothing of a refused import is kept in `dataDir`: no record, no gateway records, no blocks. */
export function assertNothingImported(dataDir: string, what: string): void {
  assert.equal(existsSync(join(dataDir, 'gateway', 'imported')), false, `${what}: a record was kept`);
  assert.equal(existsSync(join(dataDir, 'gateway', 'blobs')), false, `${what}: the gateway recorded content`);
  const blocksDir = join(dataDir, 'ipfs', 'blocks');
  const stored = existsSync(blocksDir) ? readdirSync(blocksDir).flatMap((shard) => readdirSync(join(blocksDir, shard))).filter((f) => f.endsWith('.data')) : [];
  assert.deepEqual(stored, [], `${what}: blocks were stored`);
}
