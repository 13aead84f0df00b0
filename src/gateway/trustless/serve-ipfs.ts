// GET and HEAD /ipfs/{cid}: the IPFS Trustless Gateway specification's two verifiable answers,
// for content chain records point at. A raw block is sent whole; a CAR (version 1) carries the
// file's blocks depth-first, each once, from the root down (`dag-scope=block` the root alone,
// `entity-bytes` the blocks a byte range needs). Every answer is content-addressed, so the client
// checks it against the CID and need not trust this gateway; it stays 404 for anything else.
import type { Request, Response } from 'express';
import type { CID } from 'multiformats/cid';
import { BlobNotFoundError, type BlobStore, InvalidCidError } from '../../ipfs';
import { parseBlobCid } from '../../ipfs/cid';
import { carBlock, carHeader } from '../../ipfs/car';
import { ipfsModules } from '../../ipfs/esm';
import { decodeFileNode, fileSize } from '../../ipfs/file-node';
import type { RecordedCids } from './recorded-cids';
import { CAR_TYPE, entityRange, parseTrustlessRequest, RAW_TYPE, type TrustlessRequest, TrustlessRequestError } from './trustless-request';

export interface TrustlessContext {
  readonly store: BlobStore;
  readonly recorded: RecordedCids;
  readonly log: (line: string) => void;
}

export const IPFS_PATH = /^\/ipfs\/([^/]+)(\/.*)?$/;

export async function serveIpfs(ctx: TrustlessContext, req: Request, res: Response): Promise<void> {
  const m = await ipfsModules();
  const [, rawCid, path] = IPFS_PATH.exec(req.path) ?? [];
  let cid: CID;
  try {
    cid = parseBlobCid(m, decodeURIComponent(rawCid ?? ''));
  } catch (error) {
    throw new TrustlessRequestError(`${(error as InvalidCidError).message}: this gateway serves UnixFS files by their CID (bafy…, bafk… or Qm…)`);
  }
  const request = parseTrustlessRequest(req, cid.toString(), path ?? '');
  if (!(await ctx.recorded.allows(cid))) {
    throw new TrustlessRequestError(`no chain record points at ${cid} (nor is it a block of content one points at): this gateway serves recorded content only, it is not a pinning service`, 404);
  }
  let root: Uint8Array;
  try {
    root = await ctx.store.getBlock(cid.toString());
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    const onlyCached = /only-if-cached/i.test(String(req.headers['cache-control'] ?? ''));
    throw new TrustlessRequestError(`${cid} is recorded, but this gateway does not hold it`, onlyCached ? 412 : 404);
  }
  const node = decodeFileNode(m, cid, root);
  if (node.kind === 'file') ctx.recorded.allowChildren(node.links.map((link) => link.cid));
  const etag = etagOf(request, fileSize(node));
  res.setHeader('ETag', etag);
  res.setHeader('X-Ipfs-Path', `/ipfs/${cid}`);
  res.setHeader('X-Ipfs-Roots', cid.toString());
  res.setHeader('Cache-Control', 'public, max-age=29030400, immutable');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Vary', 'Accept');
  if (req.query.format === undefined) res.setHeader('Content-Location', `/ipfs/${cid}?format=${request.format}`);
  if (req.headers['if-none-match'] === etag) {
    res.status(304).end();
    return;
  }
  if (request.format === 'raw') {
    res.setHeader('Content-Type', RAW_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${cid}.bin"`);
    res.setHeader('Content-Length', root.byteLength);
    res.status(200).end(req.method === 'HEAD' ? undefined : root);
    return;
  }
  const range = request.entityBytes ? entityRange(request.entityBytes, fileSize(node)) : undefined;
  if (request.entityBytes && fileSize(node) > 0 && request.entityBytes.from >= fileSize(node)) {
    throw new TrustlessRequestError(`entity-bytes ${request.entityBytes.from}:${request.entityBytes.to} lies outside the ${fileSize(node)} bytes of ${cid}`);
  }
  res.setHeader('Content-Type', `${CAR_TYPE}; version=1; order=dfs; dups=n`);
  res.setHeader('Content-Disposition', `attachment; filename="${cid}.car"`);
  res.setHeader('Accept-Ranges', 'none');
  res.status(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await sendCar(ctx, res, cid, request.scope === 'block' || (range !== undefined && range.end <= range.start) ? undefined : (range ?? { start: 0, end: fileSize(node) }), root);
}

/**
 * Writes the CAR: the root, then (with a range) the rest of the file's blocks depth-first, each
 * once, at the pace the client reads. A block that goes missing mid-way ends the connection,
 * leaving an incomplete CAR that a client rejects, as the specification says.
 */
async function sendCar(ctx: TrustlessContext, res: Response, cid: CID, range: { start: number; end: number } | undefined, root: Uint8Array): Promise<void> {
  const m = await ipfsModules();
  let gone = false;
  res.once('close', () => (gone = true));
  const write = async (parts: Uint8Array[]): Promise<void> => {
    // Part by part, each write's answer heeded. Not corked: on Node 22 a corked chunked response
    // can report that it needs a drain that its socket, already empty, never sends.
    for (const part of parts) {
      if (res.write(part)) continue;
      if (res.destroyed) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  };
  try {
    await write([await carHeader([cid])]);
    if (!range) {
      await write(carBlock(cid, root));
    } else {
      const seen = new Set<string>();
      for await (const block of ctx.store.blocks(cid.toString(), { range })) {
        if (gone) return;
        const key = block.cid.toString();
        if (seen.has(key)) continue;
        seen.add(key);
        if (block.cid.code !== m.raw.code) {
          const node = decodeFileNode(m, block.cid, block.bytes);
          if (node.kind === 'file') ctx.recorded.allowChildren(node.links.map((link) => link.cid));
        }
        await write(carBlock(block.cid, block.bytes));
      }
    }
    res.end();
  } catch (error) {
    ctx.log(`the CAR of ${cid} was cut short: ${(error as Error).message}`);
    res.destroy();
  }
}

function etagOf(request: TrustlessRequest, size: number): string {
  if (request.format === 'raw') return `"${request.cid}.raw"`;
  const bytes = request.entityBytes ? `.${entityRange(request.entityBytes, size).start}-${entityRange(request.entityBytes, size).end}` : '';
  return `"${request.cid}.car.dfs.${request.scope}${bytes}"`;
}
