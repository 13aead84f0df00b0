// GET /bundles?ref=<space>[/<image>[:<tag>]]…: an offline bundle (a CAR: the record of the chain
// facts, then the content's blocks), for `hcr export`. Pull access to every repository in it is
// checked as for a pull. Building the record lists the selections' images and tags and reads
// every manifest and blob, as a listing does: it is admitted as one (gateway.limits.listings,
// per client), until the record is built; the bytes then stream as a pull's do.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { requestClientKey } from '../../limits/client-key';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { bundleCar, bundleRecord, exportTargets, parseSelection } from './export-bundle';

export const BUNDLES_PATH = '/bundles';
/**
 * Selections one export may name. Each costs reads of the chain and the index before a byte is
 * sent (a query string may repeat one a thousand times); a whole space is one selection.
 */
export const MAX_EXPORT_REFS = 100;

export function bundleRoutes(ctx: GatewayContext): RequestHandler {
  return (req, res, next) => {
    if (req.path !== BUNDLES_PATH) return next();
    res.locals.route = 'bundles';
    if (req.method !== 'GET') return next(new OciError('UNSUPPORTED', `${req.method} is not served on ${BUNDLES_PATH}: export with GET ${BUNDLES_PATH}?ref=<space>[/<image>[:<tag>]]; import with hcr import`));
    exportBundle(ctx, req, res).catch(next);
  };
}

async function exportBundle(ctx: GatewayContext, req: Request, res: Response): Promise<void> {
  const refs = ([] as unknown[]).concat(req.query.ref ?? []);
  if (refs.length === 0 || !refs.every((ref): ref is string => typeof ref === 'string')) {
    throw new OciError('NAME_INVALID', `say what to export: ${BUNDLES_PATH}?ref=acme (a space), ref=acme/web (an image) or ref=acme/web:1.0 (a tag), as many as needed`);
  }
  // The same selection twice is one: asked again, it would be read again.
  const selections = [...new Set(refs)];
  if (selections.length > MAX_EXPORT_REFS) {
    throw new OciError('NAME_INVALID', `${selections.length} selections in one export, more than ${MAX_EXPORT_REFS}: export whole images or spaces (ref=acme/web, ref=acme), or make several bundles`);
  }
  const parsed = selections.map(parseSelection);
  const admitted = ctx.listingAdmission.admit(requestClientKey(req));
  if (!admitted.admitted) throw new OciError('TOOMANYREQUESTS', `an export lists images and tags: ${admitted.message}`, { headers: { 'Retry-After': String(admitted.retryAfterSeconds) } });
  let record: Awaited<ReturnType<typeof bundleRecord>>;
  try {
    const targets = await exportTargets(ctx, parsed);
    // Checked before the record is built: building it reads and hashes every manifest and blob (and
    // may fetch them from peers), work a caller who may not pull must not be able to cause.
    for (const repository of new Set(targets.flatMap((target) => target.names.map((name) => name.full)))) {
      await ctx.access.require(req, { type: 'repository', name: repository, action: 'pull' });
    }
    record = await bundleRecord(ctx, targets);
  } finally {
    admitted.release();
  }
  res.setHeader('Content-Type', 'application/vnd.ipld.car; version=1');
  res.setHeader('Content-Disposition', 'attachment; filename="bundle.car"');
  res.setHeader('X-HCR-As-Of-Block', `${record.chain.block.number} ${record.chain.block.hash}`);
  res.status(200);
  await pipeline(Readable.from(bundleCar(ctx, record), { objectMode: false }), res);
}
