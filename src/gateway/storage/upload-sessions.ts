// Blob upload sessions: bytes stream into a file in the data dir while they are hashed. The
// running hash lives in memory; a session found on disk without it (another gateway process,
// a restart) is re-hashed from its file, so sessions survive restarts and are shared through
// the data dir. A chunk that fails halfway is cut off again, so the offset stays exact.
// With an importer, the bytes also go to IPFS as they arrive (streaming-import.ts), while the
// running hash is in memory from byte 0; the commit then waits only for the import's tail.
// A session belongs to whoever started it, not to its repository: its URL turns up in logs, in
// proxies and on shared CI runners, and only the account (or, where pushes need no login, the
// anonymous client) that started it may add to it, commit it or cancel it. To anyone else it is
// unknown (BLOB_UPLOAD_UNKNOWN, 404), as an upload that does not exist: that it exists is not told.
// With a quota (upload-quota.ts), an upload's bytes count against its uploader from the chunk that
// brings them until it is committed, cancelled, dropped or expired; session.json names the
// uploader, so a restarted gateway counts them again.
import { createHash, type Hash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, truncate, writeFile, readdir } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { finished, PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeDirs } from './make-dirs';
import { OciError } from '../errors/oci-error';
import type { PutResult } from '../../ipfs/blob-store';
import { type ImportStarter, StreamingImport } from './streaming-import';
import type { UploadQuota } from './upload-quota';

export interface UploadSession {
  readonly id: string;
  /** The repository the upload was started for (`acme/web`). */
  readonly name: string;
  readonly startedAt: number;
  readonly dataFile: string;
  /**
   * Who started it: an account's SS58 address, or ANONYMOUS_UPLOADER. Undefined for a session no
   * client of the OCI API started (an artifact door's, or one written before uploads had owners),
   * which the OCI API then never hands out.
   */
  readonly owner?: string;
}

/** The owner of an upload started without a login (auth off, or pushes allowed without one). */
export const ANONYMOUS_UPLOADER = 'anonymous';

interface HashState {
  hash: Hash;
  offset: number;
  /** The upload's bytes on their way to IPFS, from byte 0; absent for a rebuilt hash. */
  import?: StreamingImport;
  /** Lets the import go once no chunk has come for a while. */
  idle?: NodeJS.Timeout;
}

export interface FinishedUpload {
  digest: string;
  size: number;
  /**
   * The streaming import of exactly these bytes, ended, when there is one and the digest is the
   * expected one; it resolves with the stored file or rejects (then import the file instead).
   */
  imported?: Promise<PutResult>;
}

/**
 * Bytes an upload may have waiting for the disk. While one write is in flight, the chunks that
 * arrive meanwhile are gathered and written together (one writev), instead of the socket pausing
 * for every 64 KiB chunk's round trip through libuv's thread pool.
 */
const UPLOAD_WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * How long an upload's IPFS import is kept without a chunk coming. Clients send their chunks and
 * the commit one after the other; an upload left open holds the import's buffers (megabytes)
 * until it expires a day later, so an idle one lets them go and its commit imports the file.
 */
const DEFAULT_IMPORT_IDLE_MS = 30_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Unfinished uploads one uploader (an account; an anonymous client's IP) keeps open at once here.
 * Starting one costs a request and no bytes, yet each is a directory and two files kept until the
 * cleanup a day later, and every metrics scrape and sweep reads each one: without a bound, one
 * account at its request rate leaves millions. Clients keep a handful open (docker five at a
 * time); past the bound the uploader's oldest idle upload is dropped, so a client that lost track
 * of its uploads never locks itself out, and one uploader can drop no one else's.
 */
export const DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER = 128;

export class UploadSessions {
  readonly #dir: string;
  readonly #hashes = new Map<string, HashState>();
  readonly #locks = new Map<string, Promise<unknown>>();
  /**
   * Sessions that take no more bytes: those being committed (a chunk that waited for the lock
   * while the commit ran must not be appended to a file about to become the verified blob), and
   * those being removed (their bytes no longer count against their uploader's quota).
   */
  readonly #closed = new Set<string>();
  /** The chunk each upload is receiving: removing the upload stops it (see remove). */
  readonly #receiving = new Map<string, AbortController>();
  readonly #startImport?: ImportStarter;
  readonly #importIdleMs: number;
  readonly #maxOpenPerUploader: number;
  /** The uploads each uploader started here and has not finished, oldest first (id → repository). */
  readonly #open = new Map<string, Map<string, string>>();
  /** The uploader each of those uploads counts against. */
  readonly #uploaderOf = new Map<string, string>();
  readonly #quota?: UploadQuota;

  /** `startImport`, when given, streams each upload to IPFS as it arrives; `quota`, when given, bounds the bytes each uploader holds. */
  constructor(dir: string, startImport?: ImportStarter, options: { importIdleMs?: number; maxOpenPerUploader?: number; quota?: UploadQuota } = {}) {
    this.#dir = dir;
    this.#startImport = startImport;
    this.#importIdleMs = options.importIdleMs ?? DEFAULT_IMPORT_IDLE_MS;
    this.#maxOpenPerUploader = options.maxOpenPerUploader ?? DEFAULT_MAX_OPEN_UPLOADS_PER_UPLOADER;
    this.#quota = options.quota;
  }

  /**
   * A new session for repository `name`; `owner` (an account, or ANONYMOUS_UPLOADER) is who may
   * continue it through get. `uploader` (default: the owner) is whom it counts against among the
   * uploads open at once: the anonymous owner is everyone's, so anonymous uploads count per client.
   */
  async create(name: string, owner?: string, uploader: string | undefined = owner): Promise<UploadSession> {
    const id = randomUUID();
    const session: UploadSession = { id, name, startedAt: Date.now(), dataFile: join(this.#dir, id, 'data'), ...(owner === undefined ? {} : { owner }) };
    await this.#quota?.ready();
    if (uploader !== undefined) {
      await this.#makeRoom(uploader);
      // Counted in the same turn as the room was made, so uploads started at once stay within the bound.
      let open = this.#open.get(uploader);
      if (!open) this.#open.set(uploader, (open = new Map()));
      open.set(id, name);
      this.#uploaderOf.set(id, uploader);
      this.#quota?.openUpload(id, uploader);
    }
    try {
      await makeDirs(join(this.#dir, id));
      await writeFile(session.dataFile, '');
      await writeFile(join(this.#dir, id, 'session.json'), JSON.stringify({ id, name, startedAt: session.startedAt, owner, uploader }));
    } catch (error) {
      await this.remove(session).catch(() => undefined);
      throw error;
    }
    this.#hashes.set(id, { hash: createHash('sha256'), offset: 0 });
    return session;
  }

  /** Drops the uploader's oldest idle uploads until a new one stays within the bound. */
  async #makeRoom(uploader: string): Promise<void> {
    const open = this.#open.get(uploader);
    while (open && open.size >= this.#maxOpenPerUploader) {
      // One receiving a chunk or being committed is not dropped under it.
      const oldest = [...open].find(([id]) => !this.#locks.has(id) && !this.#closed.has(id));
      if (!oldest) {
        throw new OciError('TOOMANYREQUESTS', `${uploader} already has ${open.size} uploads open at once on this gateway, the most allowed, and each is busy: finish or cancel (DELETE) one of them, then start the next`, {
          headers: { 'Retry-After': '1' },
        });
      }
      const [id, name] = oldest;
      await this.remove({ id, name, startedAt: 0, dataFile: join(this.#dir, id, 'data') });
    }
  }

  /** The session `id` of repository `name` started by `owner`; BLOB_UPLOAD_UNKNOWN when there is none, or it is someone else's. */
  async get(name: string, id: string, owner: string): Promise<UploadSession> {
    const unknown = unknownUpload(name, id);
    if (!UUID.test(id) || this.#closed.has(id)) throw unknown;
    let meta: { name?: string; startedAt?: number; owner?: unknown };
    try {
      meta = JSON.parse(await readFile(join(this.#dir, id, 'session.json'), 'utf8'));
    } catch {
      throw unknown;
    }
    if (meta.name !== name || typeof meta.owner !== 'string' || meta.owner !== owner) throw unknown;
    return { id, name, startedAt: meta.startedAt ?? 0, dataFile: join(this.#dir, id, 'data'), owner };
  }

  /** Bytes received so far. */
  async offset(session: UploadSession): Promise<number> {
    try {
      return (await stat(session.dataFile)).size;
    } catch (error) {
      // Committed (its file moved into the store) or removed since the caller found it.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unknownUpload(session.name, session.id);
      throw error;
    }
  }

  /**
   * Appends a chunk. `start` (from Content-Range) must equal the current offset; `length`
   * (Content-Length) must match what arrives. Returns the new offset.
   */
  append(session: UploadSession, body: Readable, expect: { start?: number; end?: number; length?: number; maxSize?: BlobSizeLimit } = {}): Promise<number> {
    const receiving = new AbortController();
    const chunk = this.#exclusive(session.id, async () => {
      // Registered before anything is awaited: a removal from here on stops the chunk.
      this.#receiving.set(session.id, receiving);
      const quota = this.#quota;
      await quota?.ready();
      const state = await this.#openState(session);
      clearTimeout(state.idle);
      if (expect.start !== undefined && expect.start !== state.offset) {
        throw new OciError('RANGE_INVALID', `chunk starts at byte ${expect.start} but the upload has ${state.offset} bytes: send the next chunk from byte ${state.offset} (GET the upload URL for its status)`, {
          headers: { Range: rangeHeader(state.offset) },
        });
      }
      if (expect.start !== undefined && expect.end !== undefined && expect.length !== undefined && expect.end - expect.start + 1 !== expect.length) {
        throw new OciError('RANGE_INVALID', `Content-Range ${expect.start}-${expect.end} covers ${expect.end - expect.start + 1} bytes but Content-Length is ${expect.length}`);
      }
      const before = state.offset;
      const limit = expect.maxSize;
      const ranged = expect.start !== undefined && expect.end !== undefined ? expect.end - expect.start + 1 : undefined;
      const declared = expect.length ?? ranged;
      if (limit && declared !== undefined && before + declared > limit.bytes) throw tooLarge(limit, before, before + declared);
      // The bytes count against the uploader's quota before they are written: a declared length
      // at once (refused before the body is read), a chunk of unknown length as it arrives.
      let counted = 0;
      const count = (bytes: number) => {
        if (!quota || bytes <= counted) return;
        quota.addToUpload(session.id, bytes - counted, before);
        counted = bytes;
      };
      if (declared !== undefined) count(declared);
      if (before === 0 && !state.import && this.#startImport) state.import = new StreamingImport(this.#startImport);
      const importing = state.import?.fed === before ? state.import : undefined;
      let received = 0;
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          if (limit && before + received > limit.bytes) return done(tooLarge(limit, before));
          // A chunked body has no Content-Length to end it: past what its Content-Range covers it
          // is refused at once, not written (and imported) up to the blob bound only to be undone.
          if (ranged !== undefined && received > ranged) return done(pastRange(expect.start!, expect.end!, received, before));
          try {
            count(received);
          } catch (error) {
            return done(error as Error);
          }
          state.hash.update(chunk);
          if (!importing) return done(null, chunk);
          importing.push(chunk).then(() => done(null, chunk), done);
        },
      });
      try {
        await pipeline(detached(body), hashing, createWriteStream(session.dataFile, { flags: 'r+', start: before, highWaterMark: UPLOAD_WRITE_BUFFER_BYTES }), { signal: receiving.signal });
        if (expect.length !== undefined && received !== expect.length) {
          throw new OciError('SIZE_INVALID', `the chunk declared ${expect.length} bytes (Content-Length) but ${received} arrived; resend it from byte ${before}`);
        }
        // A chunked body has no Content-Length: its Content-Range still says how long it is.
        if (expect.start !== undefined && expect.end !== undefined && received !== expect.end - expect.start + 1) {
          throw new OciError('SIZE_INVALID', `Content-Range ${expect.start}-${expect.end} covers ${expect.end - expect.start + 1} bytes but ${received} arrived; resend the chunk from byte ${before} with a Content-Range that covers it`);
        }
      } catch (error) {
        // Undo the partial chunk: the file goes back to its old length and the hash is rebuilt
        // (the import has taken the partial chunk too, so it is given up).
        state.import?.abandon();
        this.#hashes.delete(session.id);
        await truncate(session.dataFile, before).catch(() => undefined);
        quota?.takeFromUpload(session.id, counted);
        if (receiving.signal.aborted) throw unknownUpload(session.name, session.id);
        if (error instanceof OciError) throw error;
        throw new OciError('BLOB_UPLOAD_INVALID', `the chunk was cut off after ${received} bytes (${(error as Error).message}); resend it from byte ${before}`, { cause: error });
      }
      state.offset = before + received;
      quota?.takeFromUpload(session.id, counted - received);
      if (state.import) {
        const importing = state.import;
        state.idle = setTimeout(() => {
          if (state.import !== importing) return;
          importing.abandon();
          state.import = undefined;
        }, this.#importIdleMs);
        state.idle.unref();
      }
      return state.offset;
    });
    return chunk.finally(() => {
      if (this.#receiving.get(session.id) === receiving) this.#receiving.delete(session.id);
    });
  }

  /**
   * The upload's digest and size, for the commit check against `expected`. The import is ended
   * here, under the session's lock, so a chunk arriving during the commit cannot slip into it;
   * for another digest it is abandoned, so nothing is pinned.
   */
  finish(session: UploadSession, expected: string): Promise<FinishedUpload> {
    return this.#exclusive(session.id, async () => {
      const state = await this.#openState(session);
      clearTimeout(state.idle);
      const digest = `sha256:${state.hash.copy().digest('hex')}`;
      // Matched or not, the session takes no more bytes: a match is committed, a mismatch discarded.
      this.#closed.add(session.id);
      const importing = state.import;
      state.import = undefined;
      if (digest !== expected || !importing?.usable || importing.fed !== state.offset) {
        importing?.abandon();
        return { digest, size: state.offset };
      }
      return { digest, size: state.offset, imported: importing.end() };
    });
  }

  /**
   * A commit that failed after `finish` (IPFS down) leaves the session as it was before the PUT,
   * so the client can send its PUT again: the bytes that PUT's body appended (past `offset`, when
   * it had one) are taken back, or its repeat would add them twice. Nothing of it was adopted, so a chunk may
   * follow again too.
   */
  reopen(session: UploadSession, offset?: number): Promise<void> {
    return this.#exclusive(session.id, async () => {
      this.#closed.delete(session.id);
      const state = this.#hashes.get(session.id);
      if (state) clearTimeout(state.idle);
      state?.import?.abandon();
      // Rebuilt from the file at the next request.
      this.#hashes.delete(session.id);
      if (offset === undefined) return;
      const size = (await stat(session.dataFile)).size;
      if (size <= offset) return;
      await truncate(session.dataFile, offset);
      this.#quota?.takeFromUpload(session.id, size - offset);
    });
  }

  /**
   * The client cancels the upload (DELETE). One whose commit has begun can no longer be
   * cancelled (BLOB_UPLOAD_UNKNOWN, as for one that finished): removed under the commit, its blob
   * would be recorded counted against no one's quota. Checked and closed in one step, so a
   * commit starting at the same time finds the upload gone instead.
   */
  cancel(session: UploadSession): Promise<void> {
    if (this.#closed.has(session.id)) return Promise.reject(unknownUpload(session.name, session.id));
    return this.remove(session);
  }

  /**
   * Removes the upload and its bytes. It takes no more from here on: a chunk still arriving is
   * cut off (answered BLOB_UPLOAD_UNKNOWN), or it would go on being written, uncounted once the
   * upload's bytes stop counting, to a file no one can commit.
   */
  async remove(session: UploadSession): Promise<void> {
    this.#closed.add(session.id);
    this.#receiving.get(session.id)?.abort();
    const uploader = this.#uploaderOf.get(session.id);
    if (uploader !== undefined) {
      this.#uploaderOf.delete(session.id);
      const open = this.#open.get(uploader);
      open?.delete(session.id);
      if (open?.size === 0) this.#open.delete(uploader);
    }
    clearTimeout(this.#hashes.get(session.id)?.idle);
    this.#hashes.get(session.id)?.import?.abandon();
    this.#hashes.delete(session.id);
    // After the quota's count of the disk, which must not count a session half removed; a removal
    // goes on when that count failed (it is tried again later).
    await this.#quota?.ready().catch(() => undefined);
    await rm(join(this.#dir, session.id), { recursive: true, force: true });
    this.#quota?.closeUpload(session.id);
    // Its directory is gone: a later request finds no session, and the mark is not needed.
    this.#closed.delete(session.id);
  }

  /** The session's hash state, for a request that got the lock: refused once it was committed or removed. */
  async #openState(session: UploadSession): Promise<HashState> {
    if (this.#closed.has(session.id)) throw unknownUpload(session.name, session.id);
    let state: HashState;
    try {
      state = await this.#hashState(session);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw unknownUpload(session.name, session.id);
      throw error;
    }
    // Removed while its hash was read: the caller (a commit) must not go on with it.
    if (this.#closed.has(session.id)) throw unknownUpload(session.name, session.id);
    return state;
  }

  /**
   * The cleanup's removal of uploads left unfinished: those started before `cutoff` (ms since the
   * epoch) and idle since. One receiving a chunk or being committed is not removed under it (its
   * chunk would be cut off, its commit find its file gone), nor one whose last chunk came after
   * the cutoff: a large upload sent slowly, or from a client that pauses, is not unfinished. The
   * sessions of another gateway process on the same data dir are judged by their file's age only.
   * Returns how many were removed.
   */
  async expire(cutoff: number): Promise<number> {
    let removed = 0;
    for (const session of await this.startedBefore(cutoff)) {
      if (this.#busy(session.id)) continue;
      try {
        if ((await stat(session.dataFile)).mtimeMs >= cutoff) continue;
      } catch {
        // Gone or going already (committed, cancelled).
        continue;
      }
      // Judged again after the wait: a request may have taken it meanwhile.
      if (this.#busy(session.id)) continue;
      await this.remove(session);
      removed++;
    }
    return removed;
  }

  /** Whether a request is at work on the upload (a chunk, a status, a commit's check) or its commit has begun. */
  #busy(id: string): boolean {
    return this.#locks.has(id) || this.#closed.has(id);
  }

  /** Sessions started before `cutoff` (ms since the epoch). */
  async startedBefore(cutoff: number): Promise<UploadSession[]> {
    let ids: string[];
    try {
      ids = await readdir(this.#dir);
    } catch {
      return [];
    }
    const stale: UploadSession[] = [];
    for (const id of ids.filter((i) => UUID.test(i))) {
      try {
        const meta = JSON.parse(await readFile(join(this.#dir, id, 'session.json'), 'utf8')) as { name: string; startedAt: number };
        if (meta.startedAt < cutoff) stale.push({ id, name: meta.name, startedAt: meta.startedAt, dataFile: join(this.#dir, id, 'data') });
      } catch {
        // A session directory being created right now has no metadata yet.
      }
    }
    return stale;
  }

  async #hashState(session: UploadSession): Promise<HashState> {
    const size = await this.offset(session);
    const known = this.#hashes.get(session.id);
    if (known && known.offset === size) return known;
    known?.import?.abandon();
    const hash = createHash('sha256');
    await pipeline(createReadStream(session.dataFile), async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) hash.update(chunk);
    });
    const state = { hash, offset: size };
    this.#hashes.set(session.id, state);
    return state;
  }

  async #exclusive<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(id) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.catch(() => undefined);
    this.#locks.set(id, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(id) === settled) this.#locks.delete(id);
    }
  }
}

function unknownUpload(name: string, id: string): OciError {
  return new OciError('BLOB_UPLOAD_UNKNOWN', `upload ${JSON.stringify(id.slice(0, 64))} is unknown for ${name}: it finished, was cancelled or expired; start a new upload with POST /v2/${name}/blobs/uploads/`);
}

/** The Range header of upload status answers: `0-<last byte>` (`0-0` when empty, as distribution does). */
export function rangeHeader(offset: number): string {
  return `0-${Math.max(offset - 1, 0)}`;
}

/**
 * A request body as a stream the upload's pipeline may destroy when it fails. Destroying the
 * request itself destroys its socket, so the client would get no answer naming the problem (and
 * a chunk refused as it arrives would do so inside the HTTP parser's own callback). The request
 * is left to Node, which reads the rest or closes the connection once the answer is out.
 */
function detached(body: Readable): Readable {
  if (!(body instanceof IncomingMessage)) return body;
  const copy = new PassThrough();
  body.pipe(copy);
  // A client that goes away mid-chunk still fails the chunk.
  finished(body, (error) => {
    if (error) copy.destroy(error);
  });
  return copy;
}

/** A chunk that ran past the bytes its Content-Range covers: the rest of it is not read, so the connection is closed. */
function pastRange(start: number, end: number, received: number, offset: number): OciError {
  return new OciError('SIZE_INVALID', `Content-Range ${start}-${end} covers ${end - start + 1} bytes but ${received} arrived; resend the chunk from byte ${offset} with a Content-Range that covers it`, {
    headers: { Connection: 'close' },
  });
}

/** The most bytes an upload may hold, and the setting that says so (for the refusal). */
export interface BlobSizeLimit {
  readonly bytes: number;
  readonly setting: string;
}

/**
 * An upload grown past its limit: 413, the partial chunk undone. The connection is closed, as
 * the rest of the body is not read.
 */
function tooLarge(limit: BlobSizeLimit, offset: number, total?: number): OciError {
  const what = total === undefined ? 'the upload grew past' : `the upload would hold ${total} bytes, more than`;
  return new OciError('SIZE_INVALID', `${what} the ${limit.bytes} bytes a blob may have on this gateway (its operator sets the bound: ${limit.setting}); it keeps its first ${offset} bytes`, {
    status: 413,
    headers: { Connection: 'close' },
    detail: { limit: limit.bytes, offset },
  });
}
