// Staging folders that imports killed before they ended leave under `<data dir>/gateway/`: the
// cleanup removes those of imports that never began to move their records in and of those that
// finished moving them, once nothing in them changed for its time; it keeps and names one whose
// moves were cut short (some of its records in place, some not), and leaves young ones be (an
// import may be writing them). No chain or gateway: the sweep on a folder.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sweepAbandonedImports } from '../../src/gateway/bundles/abandoned-imports';

const DAY = 24 * 3600_000;

describe('the cleanup of staging folders imports left behind', () => {
  const work = mkdtempSync(join(tmpdir(), 'hcr-abandoned-imports-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  /** A staging folder holding `files` (paths within it), every part of it last changed at `at`. */
  function staging(gatewayDir: string, name: string, files: string[], at: number): string {
    const folder = join(gatewayDir, name);
    for (const records of ['blobs', 'imported']) mkdirSync(join(folder, records), { recursive: true });
    for (const file of files) {
      mkdirSync(join(folder, dirname(file)), { recursive: true });
      writeFileSync(join(folder, file), '{}');
    }
    const stamp = (path: string) => utimesSync(path, at / 1000, at / 1000);
    for (const file of files) stamp(join(folder, file));
    for (const sub of ['blobs', 'imported', 'previous/blobs', 'previous/imported', 'previous']) if (existsSync(join(folder, sub))) stamp(join(folder, sub));
    stamp(folder);
    return folder;
  }

  it('removes old folders of imports that never began or finished moving their records, keeps and names one cut short, and leaves young ones', async () => {
    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const now = Date.now();
    const old = now - 2 * DAY;
    const neverBegan = staging(gatewayDir, '.import-neverbegan', ['blobs/sha256-aa.json', 'imported/bafy.json'], old);
    const finished = staging(gatewayDir, '.import-finished', ['previous/blobs/sha256-bb.json'], old);
    const cutShort = staging(gatewayDir, '.import-cutshort', ['previous/blobs/sha256-cc.json', 'blobs/sha256-dd.json', 'imported/bafy.json'], old);
    const young = staging(gatewayDir, '.import-young', ['blobs/sha256-ee.json'], now);
    // Old as a folder, but a file in it was written just now: an import at work.
    const writing = staging(gatewayDir, '.import-writing', ['blobs/sha256-ff.json'], old);
    writeFileSync(join(writing, 'blobs', 'sha256-00.json'), '{}');
    // Not a staging folder: the gateway's own records stay whatever their age.
    const records = staging(gatewayDir, 'blobs-not-staging', ['blobs/sha256-11.json'], old);

    const result = await sweepAbandonedImports(gatewayDir, now - DAY);

    assert.equal(result.removed, 2);
    assert.deepEqual(result.cutShort, [cutShort]);
    assert.equal(existsSync(neverBegan), false, 'a folder whose import never began to move its records in stays');
    assert.equal(existsSync(finished), false, 'a folder whose import moved every record stays');
    assert.equal(existsSync(join(cutShort, 'previous', 'blobs', 'sha256-cc.json')), true, 'the earlier version of a record a cut-short import replaced is gone');
    for (const kept of [young, writing, records]) assert.equal(existsSync(kept), true, `${kept} was removed`);
  });

  it('is a no-op for a gateway folder not made yet', async () => {
    assert.deepEqual(await sweepAbandonedImports(join(work, 'none'), Date.now()), { removed: 0, cutShort: [] });
  });
});
