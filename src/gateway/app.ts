// The gateway as an Express app: the OCI distribution API over chain records and IPFS bytes,
// Docker's token flow, and one error middleware that writes `{"errors":[…]}`.
import { join } from 'node:path';
import type { ApiPromise } from '@polkadot/api';
import { createWalletApiRouter, type WalletApiConcurrency, webPageRouter } from '../wallet-api';
import type { WalletApiRateLimits } from '../wallet-api/rate-limits';
import express, { type Express } from 'express';
import type { TxSigner } from '../chain';
import { AccessGuard } from './auth/access-guard';
import { type AuthOptions, resolveAuth } from './auth/auth-options';
import { openLoginsAndTokens } from './auth/login-revocation';
import { apiTokenRoutes } from './auth/api-token-routes';
import { ArtifactDoors, type ArtifactDoorOptions } from './artifacts/artifact-doors';
import { firmwareRoutes } from './doors/firmware/routes';
import { packageRoutes } from './doors/packages/routes';
import { doorsOpenApiRoutes } from './doors/openapi';
import { sweepUnreferenced, type SweepResult } from './cleanup';
import type { GatewayContext } from './context';
import { ociErrorMiddleware } from './errors/middleware';
import { getBase } from './handlers/base';
import { deleteBlob, getBlob, headBlob } from './handlers/blobs';
import { getCatalog, getTags } from './handlers/listing';
import { deleteManifest, getManifest, headManifest, putManifest } from './handlers/manifests';
import { getReferrers } from './handlers/referrers';
import { getToken, revokeToken } from './handlers/token';
import { deleteUpload, getUpload, patchUpload, postUpload, putUpload } from './handlers/uploads';
import { HandlerTracker, routeDispatcher, type RouteTable } from './http/router';
import { ChainRecorder } from './push/chain-recorder';
import { PushPolicy } from './push/push-policy';
import { ChainReader } from './resolve/chain-reader';
import { GraphqlIndex } from './resolve/graphql-index';
import { IndexChainCheck } from './resolve/index-chain-check';
import { IndexHttp } from './resolve/index-http';
import type { RegistryIndex } from './resolve/registry-index';
import { RepositoryContents } from './resolve/repository-contents';
import { ImportedRecords } from './bundles/imported-records';
import { DEFAULT_MANIFEST_LIMIT_BYTES } from './oci/manifest';
import { bundleRoutes } from './bundles/routes';
import { Mirror } from './mirror/mirror';
import { mirrorRoutes } from './mirror/routes';
import type { PeerClient, PeerFailure } from './peers/peer-client';
import { withPeers } from './peers/peer-store';
import { sharedFetchMemory } from './peers/shared-fetch';
import type { SlowPeerRule } from './peers/slow-peers';
import { BlobNotFoundError } from '../ipfs';
import { RecordedCids } from './trustless/recorded-cids';
import { trustlessRoutes } from './trustless/routes';
import type { CarConcurrency } from './trustless/car-admission';
import type { CarLimits } from './trustless/car-bounds';
import { Resolver } from './resolve/resolver';
import { VerifiedContent } from './resolve/verified-content';
import type { GatewayBlobStore } from './storage/blob-store';
import { BlobCache } from './storage/blob-cache';
import { LocalBlobs } from './storage/local-blobs';
import { OwnerRecords } from './storage/owner-records';
import { uploadImporter } from './storage/upload-import';
import { UploadSessions } from './storage/upload-sessions';
import { DEFAULT_UPLOAD_QUOTA_BYTES, UploadQuota } from './storage/upload-quota';
import { heldOnDisk } from './storage/upload-quota-recount';
import { VerifiedPairs } from './storage/verified-pairs';
import { GatewayMetrics } from '../observability/gateway-metrics';
import { instrumentGatewayContext } from '../observability/gateway-hooks';
import { timedBlobStore } from '../observability/instrument';
import { createLogger, type Logger, loggerFromLines } from '../observability/logger';
import { DEFAULT_MAX_INDEX_LAG_BLOCKS } from '../observability/readiness';
import { healthRoutes } from './http/health';
import { type GatewayLimits, limitRequests } from './http/limits';
import { observeRequests } from './http/observe';
import { metricsAccess, type MetricsAllow } from './http/metrics-access';
import { checkRateLimit, type RateLimit } from '../limits/rate-limiter';
import { DEFAULT_BAD_LOGINS_PER_CLIENT, LoginFailures } from './auth/login-failures';
import { UploadAdmission } from '../limits/upload-admission';
import { ListingAdmission, type ListingLimits } from '../limits/listing-admission';
import { forwardedClient, type TrustProxyFn } from '../limits/forwarded-client';
import { boundedBody } from './http/bounded-body';

/** Express's `trust proxy`: `loopback`, addresses or CIDRs (`10.0.0.0/8, 192.168.1.7`), a hop count, or true/false. */
export type TrustProxy = boolean | number | string | readonly string[];

export interface GatewayOptions {
  /** A connected polkadot.js API (`connectChain` from src/chain). */
  readonly api: ApiPromise;
  readonly blobStore: GatewayBlobStore;
  /** Upload sessions and the gateway's small state files go to `<dataDir>/gateway`. */
  readonly dataDir: string;
  /** The key space owners grant their proxy to; without one the gateway is a read-only replica. */
  readonly gatewaySigner?: TxSigner;
  /** The index: a RegistryIndex, or the GraphQL URL (`http://127.0.0.1:4350/graphql`). Optional. */
  readonly index?: RegistryIndex | string;
  /**
   * Other gateways (or any IPFS trustless gateway), by base URL: content chain records point at
   * that the local store lacks is fetched from them, each block checked, and kept here.
   */
  readonly peers?: readonly string[];
  /** A peer that sends nothing for this long is given up on; default 10 s. */
  readonly peerStallMs?: number;
  /** When a peer is too slow to keep while another may be asked; default 5 MiB in each 5 s. */
  readonly slowPeer?: SlowPeerRule;
  /** Spaces to keep a live, pinned copy of (src/gateway/mirror); status at GET /mirror. */
  readonly mirror?: readonly string[];
  readonly auth?: AuthOptions;
  /** The gateway's domain (host[:port]) when auth.service is not given; default 127.0.0.1:5000. */
  readonly service?: string;
  /**
   * Where clients reach the gateway, `https://registry.example.com` (scheme, host and port only):
   * auth challenges send clients to its /token. Default `http://<auth.service>`.
   */
  readonly publicUrl?: string;
  /** Answer a manifest PUT once its records are in a block (default) or finalized. */
  readonly recordUntil?: 'inBlock' | 'finalized';
  /** Default 4 MiB. */
  readonly manifestLimitBytes?: number;
  /** Verified blob bytes kept as files for fast repeated pulls; default 8 GiB, 0 turns it off. */
  readonly blobCacheBytes?: number;
  /**
   * The most bytes one uploader (an account; an anonymous client) may hold in open uploads and in
   * blobs no recorded manifest references yet; default 64 GiB, 0 for no bound.
   */
  readonly uploadQuotaBytes?: number;
  /** Unreferenced uploads and blobs are removed after this long; default 24 h. */
  readonly unreferencedTtlMs?: number;
  /** How often to look for them; default an hour (0 turns the sweeper off). */
  readonly cleanupIntervalMs?: number;
  readonly log?: (line: string) => void;
  /**
   * Structured logs: every request's line (with its id, status, bytes, duration) and the plain
   * lines of `log`. Default: JSON to stderr (text on a terminal) unless `log` is given, in which
   * case `log` gets what it always got and requests are not logged.
   */
  readonly logger?: Logger;
  /** Prometheus metrics at /metrics; default a registry of its own, false for none. */
  readonly metrics?: GatewayMetrics | false;
  /** Which peers' X-Forwarded-For / -Proto / -Host to believe (Express's `trust proxy`); default `loopback`. */
  readonly trustProxy?: TrustProxy;
  /** Who may read /metrics (client addresses through trustProxy); default DEFAULT_METRICS_ALLOW, `['any']` for everyone. */
  readonly metricsAllow?: MetricsAllow;
  /**
   * Rate limits on /token and uploads, and concurrent uploads per account (defaults: DEFAULT_GATEWAY_LIMITS);
   * the doors' listings and searches per client IP (`listings`, default DEFAULT_LISTING_LIMITS).
   */
  readonly limits?: GatewayLimits & { readonly walletApi?: WalletApiRateLimits & WalletApiConcurrency; readonly listings?: ListingLimits };
  /**
   * What the trustless gateway's CAR answers may cost: CARs open at once per client and in all
   * (default DEFAULT_CAR_CONCURRENCY), blocks one CAR meets (default DEFAULT_CAR_LIMITS).
   */
  readonly trustless?: { readonly carConcurrency?: CarConcurrency; readonly carLimits?: CarLimits };
  /** /readyz fails when the index is more blocks than this behind the chain's finalized head; default 20. */
  readonly maxIndexLagBlocks?: number;
  /**
   * The wallet web page (built into this folder, see ensureWebBuild) at `/` and the API behind
   * it at `/api`. Served only by a gateway with a key: the page grants that key its proxy.
   */
  readonly webRoot?: string;
  /** The artifact front doors (firmware, packages, plugins): default space, how long a publish waits for the index. */
  readonly artifacts?: Omit<ArtifactDoorOptions, 'graphqlUrl' | 'index'>;
}

export interface GatewayApp {
  readonly app: Express;
  readonly context: GatewayContext;
  /** Removes unreferenced uploads and blobs older than the configured time now. */
  sweep(now?: number): Promise<SweepResult>;
  readonly metrics?: GatewayMetrics;
  readonly logger: Logger;
  /** From now on /readyz answers 503 "shutting down" (load balancers stop sending requests). */
  beginShutdown(): void;
  readonly stopping: boolean;
  /** Waits (at most `timeoutMs`) for the request handlers still running to settle; true when they all did. */
  drain(timeoutMs: number): Promise<boolean>;
  /** The live mirror, when `mirror` names spaces. */
  readonly mirror?: Mirror;
  /** Stops the sweeper (the caller owns the API and the blob store). */
  close(): Promise<void>;
}

export { DEFAULT_MANIFEST_LIMIT_BYTES } from './oci/manifest';
export const DEFAULT_BLOB_CACHE_BYTES = 8 * 1024 * 1024 * 1024;

const ROUTE_TABLE: RouteTable = {
  base: { GET: getBase, HEAD: getBase },
  catalog: { GET: getCatalog },
  token: { GET: getToken, POST: getToken },
  tokenRevoke: { POST: revokeToken },
  tags: { GET: getTags },
  manifest: { GET: getManifest, HEAD: headManifest, PUT: putManifest, DELETE: deleteManifest },
  upload: { POST: postUpload, PATCH: patchUpload, PUT: putUpload, GET: getUpload, DELETE: deleteUpload },
  referrers: { GET: getReferrers },
  blob: { GET: getBlob, HEAD: headBlob, DELETE: deleteBlob },
};

export function createGatewayApp(options: GatewayOptions): GatewayApp {
  const logger = options.logger ?? (options.log ? loggerFromLines(options.log) : createLogger({ service: 'gateway' }));
  const log = options.log ?? logger.line;
  const metrics = options.metrics === false ? undefined : (options.metrics ?? new GatewayMetrics());
  const timed = metrics ? timedBlobStore(options.blobStore, metrics) : options.blobStore;
  const peerObserver = metrics && {
    received: (peer: PeerClient, bytes: number) => metrics.peerBytes.inc({ peer: peer.label }, bytes),
    failed: (peer: PeerClient, reason: PeerFailure) => metrics.peerFailures.inc({ peer: peer.label, reason }),
  };
  if (metrics && options.peers?.length) metrics.watchSharedFetches(() => sharedFetchMemory.held);
  const store = withPeers(timed, { peers: options.peers ?? [], stallMs: options.peerStallMs, slowPeer: options.slowPeer, log: (line) => log(`peers: ${line}`), observer: peerObserver });
  let stopping = false;
  const dir = join(options.dataDir, 'gateway');
  const chain = new ChainReader(options.api);
  // One client of the index for the whole gateway: pulls, the doors, the page's relay and /readyz
  // share its places, so together they stay within the index's bound per client. None of them
  // is sent to an index of another chain.
  const indexHttp = typeof options.index === 'string' ? new IndexHttp(options.index, { admission: (http) => new IndexChainCheck(http, chain, log) }) : undefined;
  const index = indexHttp ? new GraphqlIndex(indexHttp) : (options.index as RegistryIndex | undefined);
  const quota: UploadQuota = new UploadQuota(options.uploadQuotaBytes ?? DEFAULT_UPLOAD_QUOTA_BYTES, () => heldOnDisk(join(dir, 'uploads'), local));
  const local: LocalBlobs = new LocalBlobs(join(dir, 'blobs'), { quota });
  // Counted now, so the first upload does not wait for it (a failure is counted again by the next one).
  quota.ready().catch((error: Error) => log(`uploads: could not count what uploaders hold on disk (${error.message}); trying again with the next upload`));
  const cache = new BlobCache(join(dir, 'cache'), options.blobCacheBytes ?? DEFAULT_BLOB_CACHE_BYTES);
  const verified = new VerifiedPairs(join(dir, 'verified-pairs.log'));
  const resolver = new Resolver({ chain, index, local, imported: new ImportedRecords(options.dataDir), log });
  const content = new VerifiedContent({ store, verified, resolver, cache, manifestLimit: options.manifestLimitBytes ?? DEFAULT_MANIFEST_LIMIT_BYTES });
  const policy = new PushPolicy(chain, options.gatewaySigner?.address, index);
  const auth = resolveAuth(options.auth, { service: options.service ?? '127.0.0.1:5000', secretFile: join(dir, 'token-secret'), publicUrl: options.publicUrl });
  // Opened together so that revoking a login revokes the tokens it minted, whatever mints them.
  const { logins, apiTokens } = openLoginsAndTokens(dir, log);
  const context: GatewayContext = {
    chain,
    store,
    resolver,
    content,
    contents: new RepositoryContents({ resolver, content, local, log }),
    uploads: new UploadSessions(join(dir, 'uploads'), uploadImporter(store), { quota }),
    local,
    cache,
    verified,
    ownerRecords: new OwnerRecords(join(dir, 'owner-records.log')),
    policy,
    recorder: options.gatewaySigner ? new ChainRecorder(options.api, options.gatewaySigner, { until: options.recordUntil }) : undefined,
    access: new AccessGuard(auth, policy, apiTokens),
    apiTokens,
    artifacts: new ArtifactDoors({ ...options.artifacts, index: indexHttp }),
    logins,
    recent: { tags: new Map() },
    limits: { manifestBytes: options.manifestLimitBytes ?? DEFAULT_MANIFEST_LIMIT_BYTES },
    // One bound on listings and searches for every door, the gRPC one included.
    listingAdmission: new ListingAdmission(options.limits?.listings, { refused: (limit) => metrics?.rateLimited.inc({ limit }) }),
    loginFailures: new LoginFailures(checkRateLimit(options.limits?.badLogins?.perIp ?? DEFAULT_BAD_LOGINS_PER_CLIENT, 'gateway.limits.badLogins.perIp')),
    uploadAdmission: new UploadAdmission(options.limits?.uploads, {
      refused: (limit) => metrics?.rateLimited.inc({ limit }),
      started: () => metrics?.uploadRequestsInFlight.inc(),
      ended: () => metrics?.uploadRequestsInFlight.dec(),
    }),
    // Express compiles the trust-proxy setting below; asked at each call, after it is set.
    clientAddress: (peerAddress, forwardedFor) => forwardedClient(app.get('trust proxy fn') as TrustProxyFn, peerAddress, forwardedFor),
    log,
  };
  if (metrics) instrumentGatewayContext(context, metrics);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? 'loopback');
  app.use(observeRequests({ metrics, logger: options.logger ?? (options.log ? undefined : logger) }));
  app.use((_req, res, next) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    next();
  });
  const graphqlUrl = typeof options.index === 'string' ? options.index : undefined;
  app.use(healthRoutes({ api: options.api, store, index: indexHttp, maxIndexLagBlocks: options.maxIndexLagBlocks ?? DEFAULT_MAX_INDEX_LAG_BLOCKS, metrics, metricsAllowed: metricsAccess(options.metricsAllow), stopping: () => stopping }));
  app.use(limitRequests({ auth, limits: options.limits, uploads: context.uploadAdmission, apiTokens: context.apiTokens, metrics, loginFailures: context.loginFailures }));
  app.use('/token', boundedBody(64 * 1024, 'application/x-www-form-urlencoded', express.urlencoded({ extended: false, limit: '64kb' })));
  // The IPFS trustless gateway for recorded content, beside the OCI API (src/gateway/trustless).
  // It answers from the local store only: peers asking each other for what neither holds must
  // get a 404, not a request passed on in a circle. A Kubo node's store reads here offline: online,
  // any CID someone records would be fetched from the IPFS network and served (an open gateway
  // for anything recorded), and each one nobody has would hold up RecordedCids' passes for the
  // lookup timeout. (The OCI pull path keeps its online reads.)
  const held = options.blobStore.localOnly?.() ?? options.blobStore;
  const localBlock = (cid: string) => held.getBlock(cid).catch((error: unknown) => (error instanceof BlobNotFoundError ? undefined : Promise.reject(error)));
  const recorded = new RecordedCids({ chain, index, log, localBlock });
  context.recorder?.onRecorded((records) => void recorded.recordedHere([...records.digests.map((d) => d.cid), ...(records.head ? [records.head.cid] : [])]));
  app.use(trustlessRoutes({ store: metrics ? timedBlobStore(held, metrics) : held, recorded, log, metrics, carConcurrency: options.trustless?.carConcurrency, carLimits: options.trustless?.carLimits }, log));
  app.use(bundleRoutes(context));
  // The artifact front doors and API tokens, before the wallet API's /api (src/gateway/doors).
  app.use(apiTokenRoutes(context), firmwareRoutes(context), packageRoutes(context), doorsOpenApiRoutes());
  const mirror = options.mirror?.length ? new Mirror(context, options.api, options.mirror) : undefined;
  if (mirror) metrics?.watchMirror(() => mirror.counts());
  mirror?.start().catch((error: Error) => log(`mirror: could not follow the chain's finalized blocks (${error.message})`));
  app.use(mirrorRoutes(mirror, context.access));
  // gateway.limits.walletApi holds both the request rates and what one client holds open at once.
  const walletLimits = options.limits?.walletApi ?? {};
  const walletApi =
    options.webRoot && options.gatewaySigner
      ? createWalletApiRouter({ api: options.api, gatewayAddress: options.gatewaySigner.address, graphqlUrl, index: indexHttp, spaces: chain.spaces, registryDomain: auth.service, log, rateLimits: { perIp: walletLimits.perIp, perAccount: walletLimits.perAccount }, concurrency: walletLimits })
      : undefined;
  if (walletApi) {
    app.use('/api', walletApi);
    app.use(webPageRouter(options.webRoot!));
  }
  const handlers = new HandlerTracker();
  app.use(routeDispatcher(context, ROUTE_TABLE, handlers));
  app.use(ociErrorMiddleware(log));

  const ttl = options.unreferencedTtlMs ?? 24 * 60 * 60 * 1000;
  const sweep = (now?: number) => sweepUnreferenced({ gatewayDir: dir, uploads: context.uploads, local, cache, store, chain }, ttl, now);
  const interval = options.cleanupIntervalMs ?? 60 * 60 * 1000;
  const sweepAndReport = () =>
    sweep()
      .then(({ uploads, blobs, ipfs, imports, importsCutShort, pins, killedImportPins }) => {
        if (killedImportPins > 0) log(`cleanup: released the pins that ${killedImportPins} imports killed before they ended had taken, but for content the records hold`);
        if (pins.repinned > 0) log(`cleanup: pinned again the content of ${pins.repinned} blobs and manifests this gateway records, whose pins had been released (by a failed import beside it, a refused push of the same manifest in another process, or an \`ipfs pin rm\` on its IPFS node)`);
        if (pins.gone > 0) log(`cleanup: the content of ${pins.gone} blobs and manifests this gateway records is no longer whole in its IPFS store (${pins.goneDigests.join(', ')}${pins.gone > pins.goneDigests.length ? ', …' : ''}): pulls of them fail until they are pushed or imported again`);
        for (const folder of importsCutShort) log(`cleanup: ${folder} is left by an import cut short while it moved its records in, so some of its records are in place and some are not: import the same bundle again, which writes them whole, then remove the folder (the earlier versions of the records it replaced are in its previous/ folder, by folder and name)`);
        const files = ipfs?.removedLeafFiles ?? 0;
        if (uploads + blobs + imports + (ipfs?.removedBlocks ?? 0) + files === 0) return;
        const blocks = ipfs ? `, ${ipfs.removedBlocks} unpinned IPFS blocks${files ? ` and ${files} leaf files` : ''} (${(ipfs.freedBytes / 2 ** 20).toFixed(1)} MiB)` : '';
        const staging = imports ? `, ${imports} staging folders of imports that never ended` : '';
        log(`cleanup: removed ${uploads} unfinished uploads, ${blobs} unreferenced blobs${staging}${blocks}`);
      })
      .catch((error) => log(`cleanup: ${(error as Error).message}`));
  const timer = interval > 0 ? setInterval(sweepAndReport, interval) : undefined;
  timer?.unref();
  return {
    app,
    context,
    metrics,
    logger,
    sweep,
    beginShutdown() {
      stopping = true;
    },
    get stopping() {
      return stopping;
    },
    drain: (timeoutMs) => handlers.settled(timeoutMs),
    mirror,
    async close() {
      if (timer) clearInterval(timer);
      mirror?.stop();
      walletApi?.close();
      // The listing of spaces follows the node's heads on the API connection, which may outlive the app.
      chain.spaces.close();
    },
  };
}
