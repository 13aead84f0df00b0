// What the API's handlers share, built once per router.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ActionContext } from './actions';
import type { Slots } from './concurrency';
import type { IndexHttp } from '../gateway/resolve/index-http';
import type { SpaceDirectory } from '../gateway/resolve/space-directory';
import type { TxTracker } from './tx-tracker';

export interface WalletApiContext {
  readonly actions: ActionContext;
  readonly tracker: TxTracker;
  /** Every space by name, from chain state, listed again only when a new space exists. */
  readonly spaces: SpaceDirectory;
  /** Open progress streams, by client IP, and their bounds. */
  readonly streams: { readonly slots: Slots; readonly perIp: number; readonly total: number };
  /** The indexer's GraphQL endpoint, proxied at /api/graphql so the page stays same-origin. */
  readonly graphqlUrl?: string;
  /** The client /api/graphql relays through: on a gateway, the one its pulls and listings share. */
  readonly index?: IndexHttp;
  /**
   * The registry's domain (host[:port]) that login messages name: fixed by the server, never read
   * from a request's Host or X-Forwarded-Host, which whoever sends the request chooses.
   */
  readonly registryDomain: string;
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
export function registryDomainOf(ctx: WalletApiContext): string {
  return ctx.registryDomain;
}
