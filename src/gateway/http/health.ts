// /healthz (the process answers), /readyz (the chain, IPFS and, when configured, the index are
// reachable and the index is not too far behind) and /metrics (Prometheus) on the gateway.
import type { ApiPromise } from '@polkadot/api';
import type { RequestHandler } from 'express';
import { assertChainUsable } from '../../chain';
import type { BlobStore } from '../../ipfs/blob-store';
import type { GatewayMetrics } from '../../observability/gateway-metrics';
import { OciError } from '../errors/oci-error';
import { type Check, indexLag, sendAlive, sendReadiness, sharedChecks } from '../../observability/readiness';
import type { IndexHttp } from '../resolve/index-http';
import { indexHeight } from './index-height';
import { forwardedByUntrustedProxy, forwardedUnreadably } from './metrics-access';
import type { TrustProxyFn } from '../../limits/forwarded-client';

export interface HealthOptions {
  readonly api: ApiPromise;
  readonly store: BlobStore;
  /** The gateway's client of the index's GraphQL; its reachability and lag count only when it is given. */
  readonly index?: IndexHttp;
  readonly maxIndexLagBlocks: number;
  readonly metrics?: GatewayMetrics;
  /** Whether a client address may read /metrics (metricsAccess); default everyone. */
  readonly metricsAllowed?: (address: string | undefined) => boolean;
  /** True once shutdown began: readiness fails so load balancers stop sending requests. */
  readonly stopping: () => boolean;
}

export const HEALTH_PATHS = { alive: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;

export function healthRoutes(options: HealthOptions): RequestHandler {
  const finalized = async () => {
    const hash = await options.api.rpc.chain.getFinalizedHead();
    return (await options.api.rpc.chain.getHeader(hash)).number.toNumber();
  };
  const checks: Record<string, Check> = {
    chain: async () => {
      assertChainUsable(options.api, () => new Error('the chain connection is down (the client keeps reconnecting): check CHAIN_RPC and the node'));
      return `finalized block #${await finalized()}`;
    },
    ipfs: async () => {
      await options.store.ping();
      return `answers at ${options.store.location}`;
    },
  };
  if (options.index) {
    const index = options.index;
    checks.index = async () => {
      const [height, head] = await Promise.all([indexHeight(index), finalized()]);
      return indexLag(height, head, options.maxIndexLagBlocks);
    };
  }
  // One run of the checks at a time, shared by every /readyz asked meanwhile (readiness.ts).
  const readiness = sharedChecks(checks);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    switch (req.path) {
      case HEALTH_PATHS.alive:
        res.locals.route = 'health';
        return sendAlive(res, 'gateway');
      case HEALTH_PATHS.ready:
        res.locals.route = 'health';
        if (options.stopping()) return sendReadiness(res, { ready: false, reason: 'the gateway is shutting down', checks: {} });
        readiness().then((found) => sendReadiness(res, found), next);
        return;
      case HEALTH_PATHS.metrics:
        if (!options.metrics) return next();
        res.locals.route = 'metrics';
        // Which addresses may scrape is not said: that is the operator's to know.
        if (options.metricsAllowed) {
          const forwarded = req.headers['x-forwarded-for'];
          const proxied = forwardedByUntrustedProxy(req.app.get('trust proxy fn') as TrustProxyFn, req.socket.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded);
          const unreadable = forwardedUnreadably(req.headers);
          // A client behind an untrusted proxy, or one whose proxy names it where the gateway does not read, has no known address: only `any` lets it read.
          if (!options.metricsAllowed(proxied || unreadable ? undefined : req.ip)) {
            return next(
              new OciError(
                'DENIED',
                proxied
                  ? `/metrics is not served through ${req.ip}: it forwarded the request for another client (X-Forwarded-For) but is not a proxy the gateway's --trust-proxy (GATEWAY_TRUST_PROXY, gateway.trustProxy) lists, so who asks is not known: list that proxy there, or scrape the gateway directly`
                  : unreadable
                    ? `/metrics is not served through ${req.ip}: the request was forwarded for another client (Forwarded or X-Real-IP) but carries no X-Forwarded-For, the header the gateway reads its client from, so who asks is not known: have the proxy set X-Forwarded-For and list it in --trust-proxy (GATEWAY_TRUST_PROXY, gateway.trustProxy), or scrape the gateway directly`
                    : `/metrics is not served to ${req.ip}: scrape it from an address the gateway's --metrics-allow (GATEWAY_METRICS_ALLOW, gateway.metricsAllow) lists`,
              ),
            );
          }
        }
        options.metrics.expose().then(({ contentType, body }) => {
          res.setHeader('Content-Type', contentType);
          res.setHeader('Cache-Control', 'no-store');
          res.end(body);
        }, next);
        return;
      default:
        next();
    }
  };
}
