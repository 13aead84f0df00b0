// The firmware server's REST API (SPORE registry's routes) as an Express router: each handler
// fails by throwing, and one middleware answers in the original's style (plain text).
import type { NextFunction, Request, Response, Router } from 'express';
import express from 'express';
import type { GatewayContext } from '../../context';
import { boundListing } from '../listing-bound';
import { getFirmware } from './download';
import { firmwareErrorMiddleware } from './errors';
import { getHealth } from './health';
import { getFirmwareList } from './list';
import { FIRMWARE_ROUTES } from './paths';
import { postFirmware } from './upload';

type FirmwareHandler = (ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) => Promise<void>;

const TABLE: [RegExp, Partial<Record<'GET' | 'HEAD' | 'POST', FirmwareHandler>>][] = [
  [FIRMWARE_ROUTES.firmware, { GET: boundListing(getFirmwareList), POST: postFirmware }],
  [FIRMWARE_ROUTES.download, { GET: getFirmware, HEAD: getFirmware }],
  [FIRMWARE_ROUTES.health, { GET: getHealth }],
];

export function firmwareRoutes(ctx: GatewayContext): Router {
  const router = express.Router();
  router.use((req: Request, res: Response, next: NextFunction) => {
    for (const [pattern, methods] of TABLE) {
      const match = pattern.exec(req.path);
      if (!match) continue;
      const handler = methods[req.method as keyof typeof methods];
      if (!handler) {
        res.setHeader('Allow', Object.keys(methods).join(', '));
        // The answer repeats the request's path: a browser must not sniff it into HTML.
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.status(405).type('text/plain').send(`${req.method} is not supported on ${req.path}: use ${Object.keys(methods).join(', ')}\n`);
        return;
      }
      res.locals.route = 'firmware';
      // Refused by the gateway's upload limits (src/gateway/http/limits.ts): answered here, in this door's style.
      if (res.locals.refused) return next(res.locals.refused);
      handler(ctx, req, res, { ...(match.groups ?? {}) }).catch(next);
      return;
    }
    next();
  });
  router.use(firmwareErrorMiddleware(ctx.log));
  return router;
}
