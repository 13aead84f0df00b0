// What the API's handlers share, built once per router.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ActionContext } from './actions';
import type { TxTracker } from './tx-tracker';

export interface WalletApiContext {
  readonly actions: ActionContext;
  readonly tracker: TxTracker;
  /** The indexer's GraphQL endpoint, proxied at /api/graphql so the page stays same-origin. */
  readonly graphqlUrl?: string;
  /** The registry's domain (host[:port]); undefined means the request's Host header. */
  readonly registryDomain?: string;
  readonly log: (line: string) => void;
}

export type Handler = (ctx: WalletApiContext, req: Request, res: Response) => Promise<void> | void;

/** Binds a handler to the context and passes its failures to the error middleware (Express 4 does not await). */
export function bind(ctx: WalletApiContext, handler: Handler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => handler(ctx, req, res))
      .catch(next);
  };
}

/** host[:port] that docker uses for this registry. */
export function registryDomainOf(ctx: WalletApiContext, req: Request): string {
  return ctx.registryDomain ?? req.headers.host ?? '127.0.0.1:5000';
}
