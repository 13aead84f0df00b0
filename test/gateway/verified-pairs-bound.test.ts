// The remembered mismatches are bounded: anyone can record (digest, CID) pairs on chain, and each
// one found wrong used to stay in memory for the life of the gateway.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_REMEMBERED_MISMATCHES, VerifiedPairs } from '../../src/gateway/storage/verified-pairs';

const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

test('verified pairs forget the least recently found mismatch past the bound, and keep verified pairs', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hcr-verified-pairs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pairs = new VerifiedPairs(join(dir, 'verified.log'));
  pairs.markVerified(digest(0), 'bafy-good');
  for (let i = 1; i <= MAX_REMEMBERED_MISMATCHES; i++) pairs.markMismatch(digest(i), 'bafy-wrong');
  // Found wrong again: now the most recent, so the next one over the bound forgets pair 2 instead.
  pairs.markMismatch(digest(1), 'bafy-wrong');
  pairs.markMismatch(digest(MAX_REMEMBERED_MISMATCHES + 1), 'bafy-wrong');
  assert.equal(pairs.isMismatch(digest(1), 'bafy-wrong'), true);
  assert.equal(pairs.isMismatch(digest(2), 'bafy-wrong'), false, 'the least recently found mismatch is forgotten');
  assert.equal(pairs.isMismatch(digest(3), 'bafy-wrong'), true);
  assert.equal(pairs.isMismatch(digest(MAX_REMEMBERED_MISMATCHES + 1), 'bafy-wrong'), true);
  let remembered = 0;
  for (let i = 1; i <= MAX_REMEMBERED_MISMATCHES + 1; i++) if (pairs.isMismatch(digest(i), 'bafy-wrong')) remembered++;
  assert.equal(remembered, MAX_REMEMBERED_MISMATCHES);
  assert.equal(pairs.isVerified(digest(0), 'bafy-good'), true, 'verified pairs are not part of the bound');
});
