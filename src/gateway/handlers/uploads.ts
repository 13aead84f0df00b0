// Blob uploads: start (POST, optionally monolithic with ?digest= or a cross-repository mount
// with ?mount=&from=), chunks (PATCH with Content-Range), status (GET), commit (PUT ?digest=),
// cancel (DELETE). The committed bytes go to IPFS and are pinned; the chain records them when
// a manifest that references them is pushed.
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { paths } from '../http/paths';
import { parseDigest, parseName, type RepositoryName } from '../oci/reference';
import { storeUpload } from '../storage/upload-import';
import { ANONYMOUS_UPLOADER, type BlobSizeLimit, rangeHeader, type UploadSession } from '../storage/upload-sessions';
import { requestClientKey } from '../../limits/client-key';
import { contentLength } from './request-body';

/** Who pushes (the account, or ANONYMOUS_UPLOADER where pushes need no login), once they may push to `name`. */
async function authorizePush(ctx: GatewayContext, req: Request, name: RepositoryName): Promise<string> {
  const account = await ctx.access.require(req, { type: 'repository', name: name.full, action: 'push' });
  await ctx.policy.permit(name.repo, account);
  return account ?? ANONYMOUS_UPLOADER;
}

/** The upload `uuid` of `name`, when the requester started it: anyone else's is unknown to them. */
async function ownUpload(ctx: GatewayContext, req: Request, name: RepositoryName, uuid: string | undefined): Promise<UploadSession> {
  const pusher = await authorizePush(ctx, req, name);
  return ctx.uploads.get(name.full, uuid ?? '', pusher);
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function sendUploadStatus(res: Response, session: UploadSession, offset: number, status: number): void {
  res.setHeader('Location', paths.upload(session.name, session.id));
  res.setHeader('Range', rangeHeader(offset));
  res.setHeader('Docker-Upload-UUID', session.id);
  res.setHeader('Content-Length', '0');
  res.status(status).end();
}

/** `start-end` (what clients send) or `bytes start-end`. */
function parseContentRange(header: string | undefined): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(header.trim());
  if (!match || Number(match[2]) < Number(match[1]) || !Number.isSafeInteger(Number(match[2]))) {
    throw new OciError('RANGE_INVALID', `Content-Range ${JSON.stringify(header.slice(0, 80))} is not valid: send <first byte>-<last byte> of the chunk, for example 0-1048575`);
  }
  return { start: Number(match[1]), end: Number(match[2]) };
}

/** The most bytes a blob upload may hold: gateway.limits.uploads.maxBlobBytes. */
const blobSizeLimit = (ctx: GatewayContext): BlobSizeLimit => ({ bytes: ctx.uploadAdmission.limits.maxBlobBytes, setting: 'gateway.limits.uploads.maxBlobBytes' });

async function appendChunk(ctx: GatewayContext, req: Request, session: UploadSession): Promise<number> {
  const range = parseContentRange(req.headers['content-range']);
  return ctx.uploads.append(session, req, { start: range?.start, end: range?.end, length: contentLength(req), maxSize: blobSizeLimit(ctx) });
}

/** The digest a completing PUT names, checked before its body is taken (a refused PUT appends nothing). */
function completingDigest(rawDigest: string | undefined): string {
  if (rawDigest === undefined) throw new OciError('DIGEST_INVALID', 'the upload is completed with PUT ?digest=sha256:<hex> naming the content\'s digest; it is missing');
  return parseDigest(rawDigest);
}

/** Commits the upload as `expected`; one that fails for want of IPFS goes back to `offsetBefore`, its bytes before this request's body (if it had one). */
async function commitUpload(ctx: GatewayContext, res: Response, name: RepositoryName, session: UploadSession, expected: string, offsetBefore?: number): Promise<void> {
  const { digest, size, imported } = await ctx.uploads.finish(session, expected);
  if (digest !== expected) {
    await ctx.uploads.remove(session);
    throw new OciError('DIGEST_INVALID', `the uploaded ${size} bytes have digest ${digest}, not ${expected}: the upload is discarded, upload the blob again`, { detail: { expected, actual: digest, size } });
  }
  // From the pin to the record: a cleanup sweep judging an old copy of this blob meanwhile would
  // take the new upload's pin and record with it.
  await ctx.local.holds.holding([digest], () => storeAndCommit(ctx, name, session, digest, size, imported, offsetBefore));
  res.setHeader('Location', paths.blob(name.full, digest));
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('Content-Length', '0');
  res.status(201).end();
}

async function storeAndCommit(ctx: GatewayContext, name: RepositoryName, session: UploadSession, digest: string, size: number, imported: Parameters<typeof storeUpload>[3], offsetBefore: number | undefined): Promise<void> {
  const { stored, storeFile } = await storeUpload(ctx.store, session, size, imported, ctx.log).catch(async (error: unknown) => {
    // Nothing was kept: the client may send the same PUT again once IPFS is back (Go's HTTP
    // client repeats a PUT by itself), so the session goes back to where that PUT found it.
    await ctx.uploads.reopen(session, offsetBefore);
    throw error;
  });
  ctx.verified.markVerified(digest, stored.cid);
  // The upload's bytes go on counting against its uploader's quota as the blob's, until a recorded manifest references it.
  await ctx.local.commit({ digest, cid: stored.cid, size, committedAt: Date.now() }, name.full, session.id);
  ctx.contents.vouch(name, digest, 'blob');
  // The upload file was hashed on the way in: it becomes the cached copy (a second name for it
  // when the IPFS store took it).
  if (storeFile) await ctx.cache.adoptLink(digest, storeFile, size);
  else await ctx.cache.adopt(digest, session.dataFile, size);
  await ctx.uploads.remove(session);
}

/**
 * A cross-repository mount: the blob must belong to `from` and the requester may pull from it.
 * Otherwise there is nothing to mount and the client uploads the blob (202), as the spec says
 * of a mount that cannot be done.
 */
async function mountBlob(ctx: GatewayContext, req: Request, name: RepositoryName, from: RepositoryName, digest: string, uploader: string): Promise<boolean> {
  const mayPull = await ctx.access.require(req, { type: 'repository', name: from.full, action: 'pull' }).then(() => true, (error: unknown) => {
    if (error instanceof OciError && error.status < 500) return false;
    throw error;
  });
  if (!mayPull) return false;
  // From the look at the source to the record: a sweep must not remove the blob in between.
  return ctx.local.holds.holding([digest], () => mountHeld(ctx, name, from, digest, uploader));
}

async function mountHeld(ctx: GatewayContext, name: RepositoryName, from: RepositoryName, digest: string, uploader: string): Promise<boolean> {
  const unknown = (error: unknown) => {
    if (error instanceof OciError && (error.code === 'BLOB_UNKNOWN' || error.code === 'NAME_UNKNOWN' || error.code === 'NAME_CONTESTED')) return undefined;
    throw error;
  };
  const owned = await ctx.resolver.owner(from.repo).then(() => true, unknown);
  if (!owned || !(await ctx.contents.holds(from, digest, 'blob'))) return false;
  // Of the size the source repository's manifests give it, as a GET there would be: a record
  // pointing the digest at a CID of another size (of gigabytes, anyone's) is not read to find out.
  const expectedSize = ctx.contents.expectedSize(from, digest);
  const found = await ctx.content.blob(from, digest, { expectedSize }).catch(unknown);
  if (!found) return false;
  const cid = found.cid ?? (await ctx.content.blob(from, digest, { skipCache: true, expectedSize: found.size })).cid!;
  // A mounter whose upload quota cannot take the blob uploads it instead, and meets the quota there.
  if (!(await ctx.local.mounted({ digest, cid, size: found.size }, name.full, uploader))) return false;
  ctx.contents.vouch(name, digest, 'blob');
  return true;
}

export async function postUpload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  if (params.uuid) throw new OciError('UNSUPPORTED', `POST starts an upload at /v2/${name.full}/blobs/uploads/; use PATCH or PUT on an upload's URL`);
  const pusher = await authorizePush(ctx, req, name);
  // Anonymous uploads share one owner: each client counts on its own among the uploads open at once.
  const uploader = pusher === ANONYMOUS_UPLOADER ? `${ANONYMOUS_UPLOADER} ${requestClientKey(req)}` : pusher;
  const mount = single(req.query.mount);
  if (mount !== undefined) {
    const digest = parseDigest(mount);
    const rawFrom = single(req.query.from);
    const from = rawFrom === undefined ? undefined : parseName(rawFrom);
    if (from && (await mountBlob(ctx, req, name, from, digest, uploader))) {
      res.setHeader('Location', paths.blob(name.full, digest));
      res.setHeader('Docker-Content-Digest', digest);
      res.setHeader('Content-Length', '0');
      res.status(201).end();
      return;
    }
  }
  const digest = single(req.query.digest);
  const session = await ctx.uploads.create(name.full, pusher, uploader);
  if (digest !== undefined) {
    try {
      const expected = parseDigest(digest);
      await ctx.uploads.append(session, req, { length: contentLength(req), maxSize: blobSizeLimit(ctx) });
      await commitUpload(ctx, res, name, session, expected, 0);
    } catch (error) {
      await ctx.uploads.remove(session).catch(() => undefined);
      throw error;
    }
    return;
  }
  sendUploadStatus(res, session, 0, 202);
}

export async function patchUpload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const session = await ownUpload(ctx, req, name, params.uuid);
  const offset = await appendChunk(ctx, req, session);
  sendUploadStatus(res, session, offset, 202);
}

export async function putUpload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const session = await ownUpload(ctx, req, name, params.uuid);
  const expected = completingDigest(single(req.query.digest));
  const length = contentLength(req);
  let offsetBefore: number | undefined;
  if (length === undefined ? req.headers['transfer-encoding'] !== undefined : length > 0) {
    offsetBefore = await ctx.uploads.offset(session);
    await appendChunk(ctx, req, session);
  }
  await commitUpload(ctx, res, name, session, expected, offsetBefore);
}

export async function getUpload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const session = await ownUpload(ctx, req, name, params.uuid);
  sendUploadStatus(res, session, await ctx.uploads.offset(session), 204);
}

export async function deleteUpload(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  const session = await ownUpload(ctx, req, name, params.uuid);
  await ctx.uploads.cancel(session);
  res.setHeader('Content-Length', '0');
  res.status(204).end();
}
