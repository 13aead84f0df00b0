// A record of a manifest digest (a new CID for it) that is discovered while the digest is being
// read was not among the CIDs read. Discovery made the row due again, and then the read's own
// result overwrote that: "read again when another CID is recorded" for other bytes (mismatch), or
// its backoff for a CID that could not be read. The owner's CID was then never read, or only
// after the backoff: anyone can record, for a digest that is public (a mirrored image's), CIDs of
// other bytes served as slowly as a read allows, and keep the digest's reads busy so that the
// owner's record lands during one. A row still not indexed after a read that began before a newer
// record now stays due (src/content-index/content-tables.ts writeResult). Here IPFS is a stand-in
// that holds the first CID's read until the test has recorded the owner's CID.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { ContentIndexer } from '../../src/content-index/content-indexer';
import { ensureStatus } from '../../src/content-index/content-tables';
import { runMigrations } from '../../src/indexer/migrations';
import { BlobNotFoundError, type BlobStore } from '../../src/ipfs';
import { startTestPostgres, type TestPostgres } from './helpers/postgres';
import { waitFor } from './helpers/wait';

let pg: TestPostgres;
let pool: Pool;
let indexer: ContentIndexer;
let running: Promise<void>;

const sha256 = (bytes: string | Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const hexOf = (text: string) => `0x${Buffer.from(text, 'utf8').toString('hex')}`;

/** An image manifest's bytes, made from `seed`. */
function manifestBytes(seed: string): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(`config ${seed}`), size: 10 },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(`layer ${seed}`), size: 20 }],
  }));
}

/** What the stand-in IPFS serves: bytes at once, or after `held` resolves, or nothing (not found). */
const served = new Map<string, { bytes?: Buffer; held?: Promise<void>; started?: () => void }>();

const store = {
  location: 'stand-in IPFS',
  ping: async () => undefined,
  get: async (cid: string) => {
    const entry = served.get(cid);
    if (!entry) throw new BlobNotFoundError(cid);
    entry.started?.();
    await entry.held;
    if (!entry.bytes) throw new BlobNotFoundError(cid);
    return Readable.from([entry.bytes]);
  },
} as unknown as BlobStore;

/** A record of `digest` → `cid` in `block`, as the processor writes a manifest record. */
async function record(id: string, digest: string, cid: string, block: number): Promise<void> {
  await pool.query(
    `INSERT INTO manifest (id, digest, digest_hex, cid, cid_hex, record_count, first_block_number, first_timestamp, block_number, block_hash, timestamp)
     VALUES ($1, $2, $3, $4, $5, 1, $6, now(), $6, '0x', now())`,
    [id, digest, hexOf(digest), cid, hexOf(cid), block],
  );
}

async function contentRow(digest: string): Promise<{ state: string; cid: string | null; lastRecordBlock: number } | undefined> {
  const { rows } = await pool.query(`SELECT state, cid, last_record_block AS "lastRecordBlock" FROM manifest_content WHERE id = $1`, [hexOf(digest)]);
  return rows[0];
}

/** A stranger's CID whose read is held until the returned release is called; resolves once its read began. */
function heldCid(cid: string, bytes: Buffer | undefined): { began: Promise<void>; release: () => void } {
  let release!: () => void;
  let began!: () => void;
  const beganReading = new Promise<void>((resolve) => (began = resolve));
  served.set(cid, { bytes, held: new Promise<void>((resolve) => (release = resolve)), started: began });
  return { began: beganReading, release };
}

before(async () => {
  pg = await startTestPostgres();
  const dbUrl = await pg.newDatabase('record_during_read');
  await runMigrations(dbUrl);
  pool = new Pool({ connectionString: dbUrl, max: 4 });
  await ensureStatus(pool, store.location);
  indexer = new ContentIndexer({
    pool, store, log: () => undefined,
    options: {
      ipfsApi: store.location, concurrency: 2, batchSize: 16, pollMs: 50,
      // A failed read waits a minute: longer than the test waits for the owner's CID to be read.
      retryMinMs: 60_000, retryMaxMs: 600_000, ipfsRetryMs: 1_000,
      lookupTimeoutMs: 1_000, readTimeoutMs: 10_000, maxManifestBytes: 4 * 1024 * 1024,
    },
  });
  running = indexer.run();
});

after(async () => {
  indexer?.stop();
  await running;
  await pool?.end();
  await pg?.close();
});

async function ownerRecordsDuringRead(seed: string, strangersBytes: Buffer | undefined): Promise<void> {
  const owners = manifestBytes(seed);
  const digest = sha256(owners);
  const stranger = heldCid(`cid-of-a-stranger-${seed}`, strangersBytes);
  await record(`stranger/${seed}`, digest, `cid-of-a-stranger-${seed}`, 5);
  await stranger.began;
  // The owner records the digest with its CID while the stranger's CID is being read.
  served.set(`cid-of-the-owner-${seed}`, { bytes: owners });
  await record(`owner/${seed}`, digest, `cid-of-the-owner-${seed}`, 6);
  await waitFor(async () => (await contentRow(digest))?.lastRecordBlock === 6, 'the owner\'s record to be discovered', 5_000, 20);
  stranger.release();
  const indexed = await waitFor(async () => {
    const row = await contentRow(digest);
    return row?.state === 'indexed' ? row : undefined;
  }, `${digest} to be indexed from the owner's CID`, 5_000, 50).catch(async (error: Error) => {
    throw new Error(`${error.message}; the row is now ${JSON.stringify(await contentRow(digest))}`);
  });
  assert.equal(indexed.cid, `cid-of-the-owner-${seed}`);
}

test("a CID recorded while a stranger's CID of other bytes is read is read next, not left for good", async () => {
  await ownerRecordsDuringRead('mismatch', Buffer.from('other bytes'));
});

test("a CID recorded while a stranger's CID that cannot be read is read is read next, not after the backoff", async () => {
  await ownerRecordsDuringRead('unreadable', undefined);
});
