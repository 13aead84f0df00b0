// The package registry's REST API as an Express router; failures answer in its JSON style.
import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { GatewayContext } from '../../context';
import { boundListing } from '../listing-bound';
import { packageErrorMiddleware } from './errors';
import { PACKAGE_ROUTES } from './paths';
import { postPublish } from './publish';
import { getDownload, getPackage, getPackages, getResolve } from './read';
import { getSearch } from './search';

type PackageHandler = (ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) => Promise<void>;

const TABLE: [RegExp, Partial<Record<'GET' | 'HEAD' | 'POST', PackageHandler>>][] = [
  [PACKAGE_ROUTES.publish, { POST: postPublish }],
  [PACKAGE_ROUTES.list, { GET: boundListing(getPackages) }],
  [PACKAGE_ROUTES.resolve, { GET: boundListing(getResolve) }],
  [PACKAGE_ROUTES.download, { GET: getDownload, HEAD: getDownload }],
  [PACKAGE_ROUTES.info, { GET: boundListing(getPackage) }],
  [PACKAGE_ROUTES.search, { GET: boundListing(getSearch) }],
];

export function packageRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    for (const [pattern, methods] of TABLE) {
      const match = pattern.exec(req.path);
      if (!match) continue;
      const handler = methods[req.method as keyof typeof methods];
      if (!handler) {
        res.setHeader('Allow', Object.keys(methods).join(', '));
        res.status(405).json({ error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not supported on ${req.path}: use ${Object.keys(methods).join(', ')}` } });
        return;
      }
      res.locals.route = 'packages';
      // Refused by the gateway's upload limits (src/gateway/http/limits.ts): answered here, in this door's style.
      if (res.locals.refused) return next(res.locals.refused);
      handler(ctx, req, res, { ...(match.groups ?? {}) }).catch(next);
      return;
    }
    next();
  });
  router.use(packageErrorMiddleware(ctx.log));
  return router;
}
