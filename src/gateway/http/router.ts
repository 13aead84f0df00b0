// Dispatches requests to handlers by route and method: unknown routes are 404 and unknown
// methods 405, both as OCI errors; handler failures go to the one error middleware.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { OciError } from '../errors/oci-error';
import type { GatewayContext } from '../context';
import { ROUTES, type RouteName } from './paths';

export type Handler = (ctx: GatewayContext, req: Request, res: Response, params: Record<string, string>) => Promise<void>;

export type RouteTable = { readonly [R in RouteName]?: Readonly<Partial<Record<'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', Handler>>> };

const ORDER: readonly RouteName[] = ['base', 'catalog', 'token', 'tokenRevoke', 'tags', 'manifest', 'upload', 'referrers', 'blob'];

/** The handlers still running, so a shutdown can wait for them to settle (an upload cut off undoes its partial chunk). */
export class HandlerTracker {
  readonly #running = new Set<Promise<unknown>>();

  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves when every handler now running has settled, or after `timeoutMs`; true when all did. */
  async settled(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    try {
      return await Promise.race([Promise.all([...this.#running]).then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

export function routeDispatcher(ctx: GatewayContext, table: RouteTable, tracker?: HandlerTracker): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.path;
    for (const name of ORDER) {
      const match = ROUTES[name].exec(path);
      if (!match) continue;
      // The route group, for metrics and logs.
      res.locals.route = name;
      const methods = table[name] ?? {};
      const handler = methods[req.method as keyof typeof methods];
      if (!handler) {
        res.setHeader('Allow', Object.keys(methods).join(', '));
        next(new OciError('UNSUPPORTED', `${req.method} is not supported on ${path}: use ${Object.keys(methods).join(', ')}`));
        return;
      }
      const work = handler(ctx, req, res, { ...(match.groups ?? {}) }).catch(next);
      tracker?.track(work);
      return;
    }
    next(new OciError('UNSUPPORTED', `${path} is not a route of this registry: the OCI distribution API is under /v2/, tokens under /token`, { status: 404 }));
  };
}
