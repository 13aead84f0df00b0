// The wallet API as an Express router, mounted at /api by the gateway: build a call, sign it in
// any wallet, submit it, follow it; sign in for docker; read the index. Described by the
// OpenAPI document it serves at /openapi.json.
import type { ApiPromise } from '@polkadot/api';
import express, { type Router } from 'express';
import { checkAddress } from '../chain';
import { bind, type WalletApiContext } from './context';
import { ApiError, apiErrorMiddleware } from './errors';
import { postCall } from './handlers/calls';
import { getExtrinsic, postExtrinsic, streamExtrinsic } from './handlers/extrinsics';
import { postGraphql } from './handlers/graphql';
import { getAccount, getConfig } from './handlers/info';
import { postLoginMessage, postLoginToken } from './handlers/login';
import { getSpaceName } from './handlers/spaces';
import { SpaceDirectory } from '../gateway/resolve/space-directory';
import { openApiDocument } from './openapi';
import { API_PATHS } from './paths';
import { walletApiRateLimits, type WalletApiRateLimits } from './rate-limits';
import { DEFAULT_WALLET_API_CONCURRENCY, Slots, type WalletApiConcurrency } from './concurrency';
import { TxTracker } from './tx-tracker';
import { IndexHttp } from '../gateway/resolve/index-http';
import { boundedBody } from '../gateway/http/bounded-body';

export interface WalletApiOptions {
  /** A connected polkadot.js API over WebSocket (status is followed by subscription). */
  readonly api: ApiPromise;
  /** The account space owners grant a NonTransfer proxy to (the gateway's key's address). */
  readonly gatewayAddress: string;
  /** The indexer's GraphQL URL, forwarded at /graphql for the page. */
  readonly graphqlUrl?: string;
  /** The index client to forward through (a gateway's shared one); default one of its own for graphqlUrl. */
  readonly index?: IndexHttp;
  /**
   * The listing of spaces by name to ask (a gateway's own, so one process lists the chain's spaces
   * once and holds them once); default one of its own, closed with the router.
   */
  readonly spaces?: SpaceDirectory;
  /** The registry's domain (host[:port]) for docker commands and login tokens: the gateway's token service name (never taken from a request's headers). */
  readonly registryDomain: string;
  /** How long a submitted transaction is followed before it is reported failed; default 5 minutes. */
  readonly txTimeoutMs?: number;
  readonly log?: (line: string) => void;
  /** Per IP and per account; defaults in DEFAULT_WALLET_API_LIMITS. */
  readonly rateLimits?: WalletApiRateLimits;
  /** How many progress streams and followed transactions are held at once; defaults in DEFAULT_WALLET_API_CONCURRENCY. */
  readonly concurrency?: WalletApiConcurrency;
}

export interface WalletApiRouter extends Router {
  /** Stops following submitted transactions (the caller owns the API connection). */
  close(): void;
}

export function createWalletApiRouter(options: WalletApiOptions): WalletApiRouter {
  const concurrency = { ...DEFAULT_WALLET_API_CONCURRENCY, ...options.concurrency };
  const spaces = options.spaces ?? new SpaceDirectory(options.api);
  const tracker = new TxTracker(options.api, { timeoutMs: options.txTimeoutMs, pendingPerSigner: concurrency.pendingPerSigner, pending: concurrency.pending });
  const ctx: WalletApiContext = {
    actions: { api: options.api, gatewayAddress: checkAddress(options.gatewayAddress, 'gatewayAddress') },
    tracker,
    spaces,
    streams: { slots: new Slots(concurrency.streamsPerIp, concurrency.streams), perIp: concurrency.streamsPerIp, total: concurrency.streams },
    graphqlUrl: options.graphqlUrl,
    index: options.index ?? (options.graphqlUrl ? new IndexHttp(options.graphqlUrl) : undefined),
    registryDomain: options.registryDomain,
    log: options.log ?? ((line) => console.error(`wallet-api: ${line}`)),
  };
  const router = express.Router();
  const limits = walletApiRateLimits(options.rateLimits);
  router.use(limits.byIp);
  router.use(boundedBody(256 * 1024, 'application/json', express.json({ limit: '256kb' })));
  router.get(API_PATHS.openapi, (req, res) => {
    res.json(openApiDocument(req.baseUrl));
  });
  router.get(API_PATHS.config, bind(ctx, getConfig));
  router.get(API_PATHS.account, limits.byAccount, bind(ctx, getAccount));
  router.get(API_PATHS.spaceName, bind(ctx, getSpaceName));
  router.post(API_PATHS.call, limits.byAccount, bind(ctx, postCall));
  router.post(API_PATHS.extrinsics, limits.byAccount, bind(ctx, postExtrinsic));
  router.get(API_PATHS.extrinsic, bind(ctx, getExtrinsic));
  router.get(API_PATHS.extrinsicEvents, bind(ctx, streamExtrinsic));
  router.post(API_PATHS.loginMessage, limits.byAccount, bind(ctx, postLoginMessage));
  router.post(API_PATHS.loginToken, bind(ctx, postLoginToken));
  router.post(API_PATHS.graphql, bind(ctx, postGraphql));
  router.use((req, _res, next) => {
    next(new ApiError(404, 'NOT_FOUND', `there is no ${req.method} ${req.baseUrl}${req.path}: the routes are listed in ${req.baseUrl}${API_PATHS.openapi}`));
  });
  router.use(apiErrorMiddleware(ctx.log));
  return Object.assign(router, {
    close: () => {
      tracker.close();
      // A directory passed in is its owner's to close.
      if (spaces !== options.spaces) spaces.close();
    },
  });
}
