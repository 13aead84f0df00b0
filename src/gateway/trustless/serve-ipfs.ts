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
import { ipfsModules, type IpfsModules } from '../../ipfs/esm';
import { decodeFileNode, type FileNode, fileSize } from '../../ipfs/file-node';
import type { GatewayMetrics } from '../../observability/gateway-metrics';
import { CarAdmission, type CarConcurrency } from './car-admission';
import { CarBook, CarCutShortError, type CarLimits, DEFAULT_CAR_LIMITS } from './car-bounds';
import { carMetrics } from './car-metrics';
import type { RecordedCids } from './recorded-cids';
import { CAR_TYPE, entityRange, parseTrustlessRequest, RAW_TYPE, type TrustlessRequest, TrustlessRequestError } from './trustless-request';
import { isIdentity, unverifiable } from './verifiable-blocks';

export interface TrustlessContext {
  readonly store: BlobStore;
  readonly recorded: RecordedCids;
  readonly log: (line: string) => void;
  /** What one CAR answer may cost (car-bounds.ts); the defaults unless a test says otherwise. */
  readonly carLimits?: CarLimits;
  /** How many CARs are sent at once (car-admission.ts); the defaults unless a test says otherwise. */
  readonly carConcurrency?: CarConcurrency;
  /** Where CARs refused and cut short are counted; none: not counted. */
  readonly metrics?: GatewayMetrics;
}

/** One admission per context: a gateway has one. */
const admissions = new WeakMap<TrustlessContext, CarAdmission>();
const admissionOf = (ctx: TrustlessContext) => {
  let admission = admissions.get(ctx);
  if (!admission) admissions.set(ctx, (admission = new CarAdmission(ctx.carConcurrency, carMetrics(ctx.metrics).refused)));
  return admission;
};

export const IPFS_PATH = /^\/ipfs\/([^/]+)(\/.*)?$/;

/** When to ask again for a CID the gateway is still learning about: about one learning pass. */
const LEARNING_RETRY_SECONDS = 2;

export async function serveIpfs(ctx: TrustlessContext, req: Request, res: Response): Promise<void> {
  const m = await ipfsModules();
  const [, rawCid, path] = IPFS_PATH.exec(req.path) ?? [];
  // `cid` (CIDv1) is what the store and the chain's records are asked for; `asked` is the CID as
  // the client named it, which the answer names back: a CAR's root is the CID requested, and a
  // client asking for a CIDv0 looks for a CIDv0 root.
  let cid: CID;
  let asked: CID;
  try {
    const text = decodeURIComponent(rawCid ?? '').trim();
    cid = parseBlobCid(m, upperBase32AsLower(m, text));
    asked = text.startsWith('Q') ? cid.toV0() : cid;
  } catch (error) {
    throw new TrustlessRequestError(`${(error as InvalidCidError).message}: this gateway serves UnixFS files by their CID (bafy…, bafk… or Qm…)`);
  }
  const request = parseTrustlessRequest(req, asked.toString(), path ?? '');
  const unchecked = unverifiable(cid);
  if (unchecked) throw new TrustlessRequestError(`${asked} is not served here: ${unchecked}`);
  if (!(await ctx.recorded.allows(cid))) {
    // Not known yet is not "not recorded": a restarted gateway reads its held files' nodes over
    // several passes, and a client told 404 now would take the block for missing.
    if (ctx.recorded.learning) {
      throw new TrustlessRequestError(`${asked} is not known here yet: the gateway is still reading the blocks of the recorded files it holds; retry shortly`, 503, LEARNING_RETRY_SECONDS);
    }
    throw new TrustlessRequestError(`no chain record points at ${asked} (nor is it a block of content one points at): this gateway serves recorded content only, it is not a pinning service`, 404);
  }
  let root: Uint8Array;
  try {
    root = isIdentity(cid) ? cid.multihash.digest : await ctx.store.getBlock(cid.toString(), { signal: closed(res) });
  } catch (error) {
    if (!(error instanceof BlobNotFoundError)) throw error;
    const onlyCached = /only-if-cached/i.test(String(req.headers['cache-control'] ?? ''));
    throw new TrustlessRequestError(`${asked} is recorded, but this gateway does not hold it`, onlyCached ? 412 : 404);
  }
  const node = fileNodeOf(m, cid, root);
  if (!node.file) {
    // Anything can be recorded. Its block is served as it is; a walk needs a file's links and sizes.
    if (request.format === 'car' && request.scope !== 'block') {
      throw new TrustlessRequestError(`${asked} is not a UnixFS file (${node.reason}): this gateway serves the DAGs of files only; ask for format=raw or dag-scope=block for its block alone`);
    }
  } else if (node.file.kind === 'file') {
    ctx.recorded.allowChildren(node.file.links.map((link) => link.cid));
  }
  const size = node.file ? fileSize(node.file) : 0;
  const etag = etagOf(request, size);
  res.setHeader('ETag', etag);
  res.setHeader('X-Ipfs-Path', `/ipfs/${asked}`);
  res.setHeader('X-Ipfs-Roots', asked.toString());
  res.setHeader('Cache-Control', 'public, max-age=29030400, immutable');
  res.setHeader('Vary', 'Accept');
  if (req.query.format === undefined) res.setHeader('Content-Location', `/ipfs/${asked}?format=${request.format}`);
  if (noneMatch(req.headers['if-none-match'], etag)) {
    res.status(304).end();
    return;
  }
  if (request.format === 'raw') {
    res.setHeader('Content-Type', RAW_TYPE);
    res.setHeader('Content-Disposition', `attachment; filename="${asked}.bin"`);
    res.setHeader('Content-Length', root.byteLength);
    res.status(200).end(req.method === 'HEAD' ? undefined : root);
    return;
  }
  const range = request.entityBytes ? entityRange(request.entityBytes, size) : undefined;
  if (request.entityBytes && size > 0 && request.entityBytes.from >= size) {
    throw new TrustlessRequestError(`entity-bytes ${request.entityBytes.from}:${request.entityBytes.to} lies outside the ${size} bytes of ${asked}`);
  }
  res.setHeader('Content-Type', `${CAR_TYPE}; version=1; order=dfs; dups=n`);
  res.setHeader('Content-Disposition', `attachment; filename="${asked}.car"`);
  res.setHeader('Accept-Ranges', 'none');
  res.status(200);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  admissionOf(ctx).admit(req, res);
  await sendCar(ctx, res, cid, asked, request.scope === 'block' || (range !== undefined && range.end <= range.start) ? undefined : (range ?? { start: 0, end: size }), root);
}

/**
 * Writes the CAR: the root, then (with a range) the rest of the file's blocks depth-first, each
 * once, at the pace the client reads. A block that goes missing mid-way ends the connection,
 * leaving an incomplete CAR that a client rejects, as the specification says.
 */
async function sendCar(ctx: TrustlessContext, res: Response, cid: CID, asked: CID, range: { start: number; end: number } | undefined, root: Uint8Array): Promise<void> {
  const m = await ipfsModules();
  // Ends the store's walk when the client hangs up, even while it waits on a read (with Kubo, a
  // block/get may wait up to its lookup timeout): the walk would otherwise live on until then.
  const hungUp = closed(res);
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
    // The root block goes under the CID in the header: a client finds the root by that CID, and a
    // CIDv0 and its CIDv1 are different CIDs to it, though they name the same block.
    await write([await carHeader([asked])]);
    if (!range) {
      if (!isIdentity(cid)) await write(carBlock(asked, root));
    } else {
      // The blocks sent, each once (a block repeated elsewhere in the DAG), and how deep the walk is.
      const book = new CarBook(cid, ctx.carLimits ?? DEFAULT_CAR_LIMITS);
      // once: a subtree sent whole is not walked again, so a DAG of repeated subtrees costs its
      // distinct blocks, not the size it claims. Leaving the loop ends the walk (return() on it).
      for await (const block of ctx.store.blocks(cid.toString(), { range, once: true, signal: hungUp })) {
        if (hungUp.aborted) return;
        if (!book.admit(block.cid)) continue;
        const unchecked = unverifiable(block.cid);
        if (unchecked) throw new CarCutShortError(`block ${block.cid} of ${cid} cannot be served: ${unchecked}`);
        if (block.cid.code !== m.raw.code) {
          const node = decodeFileNode(m, block.cid, block.bytes);
          if (node.kind === 'file') {
            const links = node.links.map((link) => link.cid);
            book.linked(block.cid, links);
            ctx.recorded.allowChildren(links);
          }
        }
        if (!isIdentity(block.cid)) await write(carBlock(block.cid.equals(cid) ? asked : block.cid, block.bytes));
      }
    }
    res.end();
  } catch (error) {
    if (error instanceof CarCutShortError && error.bound) carMetrics(ctx.metrics).cutShort(error.bound);
    // A hang-up is the client's own doing: nothing to log.
    if (!hungUp.aborted) ctx.log(`the CAR of ${cid} was cut short: ${(error as Error).message}`);
    res.destroy();
  }
}

/**
 * Upper-case base32 (multibase prefix `B`, as in `BAFY…`) spelt in lower case: the same CID, whose
 * multibase CID.parse reads only when given its decoder. Other prefixes are left as they are.
 */
function upperBase32AsLower(m: IpfsModules, text: string): string {
  if (!text.startsWith('B')) return text;
  try {
    return m.CID.parse(text, m.base32upper).toString();
  } catch (error) {
    throw new InvalidCidError(text, `${(error as Error).message}; an upper-case base32 CID (B…) has only the letters A-Z and digits 2-7`);
  }
}

/** The root decoded as a file node, or why it is not one (a directory, a dag-pb node without UnixFS data…). */
function fileNodeOf(m: IpfsModules, cid: CID, bytes: Uint8Array): { file: FileNode; reason?: undefined } | { file?: undefined; reason: string } {
  try {
    return { file: decodeFileNode(m, cid, bytes) };
  } catch (error) {
    return { reason: error instanceof InvalidCidError ? error.message.replace(/^.*: /, '') : (error as Error).message };
  }
}

/**
 * If-None-Match by RFC 9110's weak comparison: `*`, or a list of entity tags any of which, W/
 * aside, is this answer's.
 */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.replace(/^W\//, '');
  return (header.match(/(?:W\/)?"[^"]*"/g) ?? []).some((tag) => opaque(tag) === opaque(etag));
}

function etagOf(request: TrustlessRequest, size: number): string {
  if (request.format === 'raw') return `"${request.cid}.raw"`;
  const bytes = request.entityBytes ? `.${entityRange(request.entityBytes, size).start}-${entityRange(request.entityBytes, size).end}` : '';
  return `"${request.cid}.car.dfs.${request.scope}${bytes}"`;
}

/** Aborted when the response closes: a client that hangs up ends a read still waiting on peers or a Kubo node. */
function closed(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once('close', () => gone.abort(new Error('the client hung up')));
  return gone.signal;
}
