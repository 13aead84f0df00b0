// Files of an artifact enter the registry the way a blob upload does (src/gateway/handlers/
// uploads.ts): into an upload session in the data dir, hashed and handed to an IPFS import as the
// bytes arrive, then checked against their digest before anything is pinned, committed to the
// repository (ctx.local.commit, ctx.contents.vouch) and kept in the blob cache. A file whose bytes
// do not match the digest its publisher declared is discarded unpinned; files committed for a
// publish that then fails are released again unless the chain records them.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import type { RepositoryName } from '../oci/reference';
import { storeUpload } from '../storage/upload-import';
import type { UploadSession } from '../storage/upload-sessions';
import { ArtifactError } from './errors';

export interface ReceivedFile {
  readonly session: UploadSession;
  readonly digest: string;
  readonly size: number;
}

export interface CommittedBlob {
  readonly digest: string;
  readonly cid: string;
  readonly size: number;
  /** Whether this gateway held no record of the blob before: released again if the publish fails. */
  readonly isNew: boolean;
}

/**
 * Streams `source` into a new upload session, hashing it on the way; refuses more than `maxBytes`
 * (413), saying so with `tooLarge` when given (another bound than the file size is in force).
 */
export async function receiveFile(ctx: GatewayContext, repository: string, source: Readable | AsyncIterable<Uint8Array>, options: { maxBytes?: number; what?: string; tooLarge?: string } = {}): Promise<ReceivedFile> {
  const session = await ctx.uploads.create(repository);
  const hash = createHash('sha256');
  let size = 0;
  const max = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const what = options.what ?? 'the file';
  // Counted and hashed as the session's writer pulls the bytes, not before: a generator reads
  // nothing until consumed, so a refusal (too large) surfaces in that pipeline, which answers
  // for it, never as an error on a stream nobody listens to yet (the process would go down).
  async function* counted(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      size += chunk.length;
      if (size > max) throw new OciError('SIZE_INVALID', options.tooLarge ?? `${what} is larger than ${max} bytes, the most this gateway accepts (its operator sets the bound: gateway.limits.artifacts.maxFileBytes); nothing was stored`, { status: 413 });
      hash.update(chunk);
      yield chunk;
    }
  }
  try {
    await ctx.uploads.append(session, Readable.from(counted(source)));
  } catch (error) {
    await ctx.uploads.remove(session).catch(() => undefined);
    if (error instanceof OciError && error.code === 'BLOB_UPLOAD_INVALID') {
      throw new ArtifactError('MISSING_PART', `${what} was cut off after ${size} bytes (${error.message}); send it again`, { cause: error });
    }
    throw error;
  }
  return { session, digest: `sha256:${hash.digest('hex')}`, size };
}

/** Bytes already in memory (the empty config, small files) as a received file. */
export function receiveBytes(ctx: GatewayContext, repository: string, bytes: Buffer): Promise<ReceivedFile> {
  return receiveFile(ctx, repository, Readable.from([bytes]));
}

/** Discards a received file: its session and its IPFS import, which was never pinned. */
export async function discardFile(ctx: GatewayContext, file: ReceivedFile): Promise<void> {
  await ctx.uploads.remove(file.session).catch(() => undefined);
}

/**
 * Commits a received file to repository `name`: pinned in IPFS, recorded as uploaded there and
 * kept in the blob cache, as a blob upload's commit does. `declared` is the digest the publisher
 * said the bytes have; other bytes are refused and discarded.
 */
export async function commitFile(ctx: GatewayContext, name: RepositoryName, file: ReceivedFile, declared?: string): Promise<CommittedBlob> {
  if (declared !== undefined && declared !== file.digest) {
    await discardFile(ctx, file);
    throw new ArtifactError('DIGEST_MISMATCH', `the file's ${file.size} bytes have digest ${file.digest}, not ${declared} as declared: nothing was stored; send the file the digest belongs to, or the digest of this file`, { field: 'digest' });
  }
  const { digest, size, imported } = await ctx.uploads.finish(file.session, file.digest);
  if (digest !== file.digest) {
    // Never expected: the session's own hash disagrees with the one taken on the way in.
    await discardFile(ctx, file);
    throw new ArtifactError('INTERNAL', `the upload's bytes changed while they were stored (${digest}, not ${file.digest}); send the file again`);
  }
  // From the pin to the record, as a blob upload's commit: a cleanup sweep judging an old copy meanwhile would take both.
  return ctx.local.holds.holding([digest], async () => {
    const { stored, storeFile } = await storeUpload(ctx.store, file.session, size, imported, (line) => ctx.log(`artifacts: ${line}`));
    ctx.verified.markVerified(digest, stored.cid);
    const known = await ctx.local.get(digest);
    await ctx.local.commit({ digest, cid: stored.cid, size, committedAt: Date.now() }, name.full);
    ctx.contents.vouch(name, digest, 'blob', size);
    if (storeFile) await ctx.cache.adoptLink(digest, storeFile, size);
    else await ctx.cache.adopt(digest, file.session.dataFile, size);
    await ctx.uploads.remove(file.session);
    return { digest, cid: stored.cid, size, isNew: known === undefined };
  });
}

/**
 * Releases blobs committed for a publish that failed: unpinned and forgotten, unless a recorded
 * manifest references them or the chain records this very CID for them (then someone needs them).
 */
export async function releaseBlobs(ctx: GatewayContext, blobs: readonly CommittedBlob[]): Promise<void> {
  for (const blob of blobs) {
    if (!blob.isNew) continue;
    try {
      if ((await ctx.local.get(blob.digest))?.referencedAt !== undefined) continue;
      const recorded = await ctx.chain.digestInfo(blob.digest);
      if (recorded?.cid.text === blob.cid) continue;
      // The record first: the cleanup pins again what the records hold (recorded-pins.ts), so a
      // sweep between an unpin and the record's removal would leave a pin that nothing holds.
      await ctx.local.remove(blob.digest);
      await ctx.store.unpin(blob.cid);
      await ctx.cache.remove(blob.digest);
    } catch (error) {
      ctx.log(`artifacts: ${blob.digest} of a failed publish is left for the cleanup sweep (${(error as Error).message})`);
    }
  }
}
