// The journal of the pins an import takes (`<data dir>/gateway/import-pins/`), as the cleanup reads
// it: anything in that folder is a file of the data dir that someone else may have written or
// replaced. A line cut short by a kill is passed over; a symlink is not followed and a FIFO not
// waited on; a journal whose pins cannot all be released now is kept for the next sweep; a young
// one (a running import's, which touches it) is left alone. No chain; the release is the
// caller's, and is run once against a real embedded store.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { ImportPinsJournal, releaseKilledImportPins } from '../../src/gateway/bundles/import-pins-journal';
import { type ImportPin, releaseImportPins } from '../../src/gateway/bundles/release-import-pins';
import { LocalBlobs } from '../../src/gateway/storage/local-blobs';
import { EmbeddedBlobStore, embeddedIpfsDir } from '../../src/ipfs';

const DAY = 24 * 3600_000;
const pin = (n: number): ImportPin => ({ digest: `sha256:${String(n).repeat(64).slice(0, 64)}`, cid: `bafkrei${n}` });

describe('the journal of the pins an import takes', () => {
  const work = mkdtempSync(join(tmpdir(), 'hcr-import-pins-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const aged = (path: string) => utimesSync(path, (Date.now() - 2 * DAY) / 1000, (Date.now() - 2 * DAY) / 1000);

  it('gives the cleanup every whole line of an old journal, passing over one cut short, and removes it once released', async () => {
    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const journal = await ImportPinsJournal.create(gatewayDir);
    await journal.add(pin(1));
    await journal.add(pin(2));
    writeFileSync(journal.path, `${readFileSync(journal.path, 'utf8')}not json\n{"digest":"sha256:33`, { flag: 'w' });
    aged(journal.path);
    const released: ImportPin[][] = [];
    const result = await releaseKilledImportPins(gatewayDir, Date.now() - DAY, async (pins) => {
      released.push([...pins]);
      return true;
    });
    assert.equal(result.journals, 1);
    assert.deepEqual(released, [[pin(1), pin(2)]]);
    assert.equal(existsSync(journal.path), false);
  });

  it('leaves a young journal, and keeps one whose pins could not all be released', async () => {
    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const journal = await ImportPinsJournal.create(gatewayDir);
    await journal.add(pin(4));
    let asked = 0;
    const refuse = async () => {
      asked++;
      return false;
    };
    assert.equal((await releaseKilledImportPins(gatewayDir, Date.now() - DAY, refuse)).journals, 0);
    assert.equal(asked, 0, 'a young journal was released');
    aged(journal.path);
    assert.equal((await releaseKilledImportPins(gatewayDir, Date.now() - DAY, refuse)).journals, 0);
    assert.equal(asked, 1);
    assert.equal(existsSync(journal.path), true, 'a journal whose pins stay was removed');
  });

  it('is touched while its import runs, so a long one is not taken for a killed one, and no longer once it stops', async () => {
    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const journal = await ImportPinsJournal.create(gatewayDir, { heartbeatMs: 50 });
    await journal.add(pin(6));
    try {
      aged(journal.path);
      await setTimeout(300);
      assert.ok(statSync(journal.path).mtimeMs > Date.now() - DAY, 'a running import\'s journal was not touched');
      assert.equal((await releaseKilledImportPins(gatewayDir, Date.now() - DAY, async () => true)).journals, 0, 'a running import\'s pins were released');
      journal.stop();
      await setTimeout(100);
      aged(journal.path);
      await setTimeout(300);
      assert.ok(statSync(journal.path).mtimeMs < Date.now() - DAY, 'a stopped journal was still touched');
    } finally {
      await journal.remove();
    }
  });

  it('releases through a real store, keeping what the records hold and passing over a CID no store takes', async () => {
    const dataDir = mkdtempSync(join(work, 'data-'));
    const gatewayDir = join(dataDir, 'gateway');
    const store = await EmbeddedBlobStore.open(embeddedIpfsDir(dataDir));
    try {
      const [kept, released] = [randomBytes(100), randomBytes(200)];
      const [keptCid, releasedCid] = [(await store.put([kept])).cid, (await store.put([released])).cid];
      const keptDigest = `sha256:${createHash('sha256').update(kept).digest('hex')}`;
      await new LocalBlobs(join(gatewayDir, 'blobs')).put({ digest: keptDigest, cid: keptCid, size: kept.length, committedAt: Date.now() });
      const done = await releaseImportPins([{ digest: keptDigest, cid: keptCid }, { digest: pin(8).digest, cid: releasedCid }, { digest: pin(9).digest, cid: 'not a CID' }], store, gatewayDir);
      assert.equal(done, true, 'a CID no store takes kept the journal for good');
      assert.equal(await store.isPinned(keptCid), true, 'a pin the records hold was released');
      assert.equal(await store.isPinned(releasedCid), false);
    } finally {
      await store.close();
    }
  });

  it('neither follows a symlink nor waits on a FIFO put in the folder', { timeout: 10_000 }, async () => {
    const gatewayDir = mkdtempSync(join(work, 'gateway-'));
    const folder = join(gatewayDir, 'import-pins');
    mkdirSync(folder);
    const elsewhere = join(work, 'elsewhere.jsonl');
    writeFileSync(elsewhere, `${JSON.stringify(pin(5))}\n`);
    aged(elsewhere);
    symlinkSync(elsewhere, join(folder, 'link.jsonl'));
    execFileSync('mkfifo', [join(folder, 'fifo.jsonl')]);
    const released: ImportPin[][] = [];
    const result = await releaseKilledImportPins(gatewayDir, Date.now() - DAY, async (pins) => {
      released.push([...pins]);
      return true;
    });
    assert.deepEqual(released, [], 'pins were read through a symlink or a FIFO');
    assert.equal(result.journals, 0);
    assert.equal(existsSync(elsewhere), true, 'the file a symlink pointed at was removed');
  });
});
