// GET /bundles?ref=<space>[/<image>[:<tag>]]…: an offline bundle (a CAR: the record of the chain
// facts, then the content's blocks), for `hcr export`. Pull access to every repository in it is
// checked as for a pull.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayContext } from '../context';
import { OciError } from '../errors/oci-error';
import { bundleCar, bundleRecord, exportTargets, parseSelection } from './export-bundle';

export const BUNDLES_PATH = '/bundles';

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
  const targets = await exportTargets(ctx, refs.map(parseSelection));
  // Checked before the record is built: building it reads and hashes every manifest and blob (and
  // may fetch them from peers), work a caller who may not pull must not be able to cause.
  for (const repository of new Set(targets.flatMap((target) => target.names.map((name) => name.full)))) {
    await ctx.access.require(req, { type: 'repository', name: repository, action: 'pull' });
  }
  const record = await bundleRecord(ctx, targets);
  res.setHeader('Content-Type', 'application/vnd.ipld.car; version=1');
  res.setHeader('Content-Disposition', 'attachment; filename="bundle.car"');
  res.setHeader('X-HCR-As-Of-Block', `${record.chain.block.number} ${record.chain.block.hash}`);
  res.status(200);
  await pipeline(Readable.from(bundleCar(ctx, record), { objectMode: false }), res);
}
