// Blobs: GET (whole or a byte range) and HEAD of verified content that belongs to the repository
// (RepositoryContents); DELETE is unsupported.
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { parseDigest, parseName, type RepositoryName } from '../oci/reference';
import { ClientGoneError, sendFileRange } from '../../file-io/send-file';

/**
 * `while-streaming` for downloads, which start at once and are verified as they stream
 * (VerifiedContent.stream); `now` for HEAD, whose 200 nothing checks afterwards (docker push
 * takes it for "the layer is here" and skips uploading it), so a CID not yet verified for the
 * digest is hashed first. A blob in the cache, or a pair verified before, answers at once.
 */
async function locateBlob(ctx: GatewayContext, req: Request, params: Record<string, string>, verify: 'now' | 'while-streaming') {
  // A HEAD reads nothing afterwards, a GET with a Range (most likely) a part.
  const thenReads = req.method === 'HEAD' ? 'nothing' : readsPart(rangeHeader(req, params.digest)) ? 'part' : 'whole';
  const name = parseName(params.name);
  const digest = parseDigest(params.digest);
  await ctx.access.require(req, { type: 'repository', name: name.full, action: 'pull' });
  await ctx.resolver.owner(name.repo);
  if (!(await ctx.contents.holds(name, digest, 'blob'))) throw blobNotInRepository(name, digest);
  return { name, blob: await ctx.content.blob(name, digest, { verify, expectedSize: ctx.contents.expectedSize(name, digest), thenReads }) };
}

/**
 * What a Range header asks for: one byte range (`a-b`, `a-` or `-n`, as written), the whole blob
 * (another unit, which a server must ignore, or several ranges, which it may answer whole: RFC
 * 9110), or nothing it can be read as.
 */
function rangeAsked(header: string): { readonly one: string } | 'whole' | 'unreadable' {
  const unit = /^\s*([^=\s]+)\s*=(.*)$/.exec(header);
  if (!unit) return 'unreadable';
  if (unit[1].toLowerCase() !== 'bytes' || unit[2].includes(',')) return 'whole';
  return { one: unit[2] };
}

/**
 * Whether a GET with this Range header may read less than the whole blob: not when it has none,
 * is answered whole, or asks for every byte from the first on (`bytes=0-`, what a client that can
 * resume sends on its first try). Told before the blob's size is known, so that a read of the
 * whole blob from peers is fetched once.
 */
function readsPart(header: string | undefined): boolean {
  if (header === undefined) return false;
  const asked = rangeAsked(header);
  return asked !== 'whole' && (asked === 'unreadable' || !/^\s*0+\s*-\s*$/.test(asked.one));
}

/**
 * The Range header that applies (RFC 9110 §13.1.5): none when If-Range names anything but the
 * blob's own ETag, compared strongly (a weak tag or a date never matches: the blob has no
 * Last-Modified), so a client resuming a download of other bytes gets the whole blob.
 */
function rangeHeader(req: Request, digest: string | undefined): string | undefined {
  const ifRange = req.headers['if-range'];
  return ifRange === undefined || (typeof ifRange === 'string' && ifRange.trim() === `"${digest}"`) ? req.headers.range : undefined;
}

export function blobNotInRepository(name: RepositoryName, digest: string): OciError {
  return new OciError('BLOB_UNKNOWN', `${name.full} has no blob ${digest}: no manifest of ${name.full} references it and it was not uploaded there (a blob is served only in the repositories it belongs to); push it to ${name.full}, or mount it from a repository that has it`, { detail: { name: name.full, digest } });
}

function setBlobHeaders(res: Response, digest: string): void {
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Docker-Content-Digest', digest);
  res.setHeader('ETag', `"${digest}"`);
  res.setHeader('Accept-Ranges', 'bytes');
}

/**
 * `bytes=a-b`, `bytes=a-` or `bytes=-n` → offset and length within `size`; undefined for no Range,
 * or one answered with the whole blob (rangeAsked: one whole answer serves several ranges).
 */
export function parseRange(header: string | undefined, size: number): { offset: number; length: number } | undefined {
  if (header === undefined) return undefined;
  const asked = rangeAsked(header);
  if (asked === 'whole') return undefined;
  const match = asked === 'unreadable' ? null : /^\s*(\d*)\s*-\s*(\d*)\s*$/.exec(asked.one);
  const refuse = () => new OciError('RANGE_INVALID', `Range ${JSON.stringify(header.slice(0, 80))} cannot be served from a blob of ${size} bytes: use bytes=<first>-<last> within it`, { headers: { 'Content-Range': `bytes */${size}` } });
  if (!match || (match[1] === '' && match[2] === '')) throw refuse();
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) throw refuse();
    const length = Math.min(suffix, size);
    return { offset: size - length, length };
  }
  const first = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(first) || first >= size || last < first) throw refuse();
  return { offset: first, length: last - first + 1 };
}

export async function getBlob(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const { name, blob: located } = await locateBlob(ctx, req, params, 'while-streaming');
  // The cache holds verified bytes only, and may have gained them since the lookup, which then
  // passed on a CID not verified yet with its size (anyone may record one for the digest): a file
  // found there is served at its own length, never at that size.
  const file = await ctx.content.cachedFile(located);
  try {
    const blob = file ? { ...located, size: (await file.stat()).size } : located;
    const range = parseRange(rangeHeader(req, blob.digest), blob.size);
    setBlobHeaders(res, blob.digest);
    if (range) {
      res.status(206).setHeader('Content-Range', `bytes ${range.offset}-${range.offset + range.length - 1}/${blob.size}`);
      res.setHeader('Content-Length', range.length);
    } else {
      res.status(200).setHeader('Content-Length', blob.size);
    }
    if (blob.size === 0) {
      res.end();
      return;
    }
    if (file) {
      try {
        await sendFileRange(res, file, range?.offset ?? 0, range?.length ?? blob.size);
      } catch (error) {
        // The status line is out: all that is left is to cut the connection.
        if (!(error instanceof ClientGoneError)) res.destroy(error as Error);
      }
      return;
    }
    // The store finds the content before the headers go out, so an IPFS outage is still a 503.
    const bytes = await ctx.content.stream(name, blob, range);
    await pipeline(bytes, res);
  } finally {
    await file?.close();
  }
}

export async function headBlob(ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>): Promise<void> {
  const { blob } = await locateBlob(ctx, req, params, 'now');
  setBlobHeaders(res, blob.digest);
  res.setHeader('Content-Length', blob.size);
  res.status(200).end();
}

export async function deleteBlob(_ctx: GatewayContext, _req: Request, _res: Response, params: Record<string, string>): Promise<void> {
  const name = parseName(params.name);
  parseDigest(params.digest);
  throw new OciError('UNSUPPORTED', `blobs of ${name.full} cannot be deleted: the chain keeps every record and has no delete`);
}
