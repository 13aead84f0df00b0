// The GraphQL server's /healthz, /readyz and /metrics, and its request latency. Put in front of
// everything else the server does (the response cache's fast path included), so every request
// is timed and health checks never wait behind Apollo.
//
// /readyz: Postgres answers and holds the processor's state; with CHAIN_RPC set, the index is of
// that chain (it has the block the index last indexed) and at most GQL_MAX_INDEX_LAG_BLOCKS
// (default 20) blocks behind the chain's finalized head.
// /metrics: only to the addresses GQL_METRICS_ALLOW lists (graphql-metrics-access.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Application } from 'express';
import { Pool } from 'pg';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { DEFAULT_METRICS_ALLOW, metricsAccess, type MetricsAllow } from '../gateway/http/metrics-access';
import { clientAddressReader, clientKeyReader, plainAddress, trustProxyFromEnv, untrustedForwarderReader } from './graphql-client-address';
import { metricsAllowFromEnv, metricsRefusal, untrustedProxyRefusal } from './graphql-metrics-access';
import { assertIndexedBlockOnChain, chainFinalizedHeight, type Check, DEFAULT_MAX_INDEX_LAG_BLOCKS, indexLag, sendAlive, sendReadiness, sharedChecks } from '../observability/readiness';

type Handle = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

export interface GraphqlObservabilityOptions {
  readonly dbUrl: string;
  /** The chain's RPC, to measure the index's lag; without it only Postgres is checked. */
  readonly chainRpc?: string;
  readonly maxIndexLagBlocks?: number;
  /** Who may read /metrics (GQL_METRICS_ALLOW); default loopback and private networks. */
  readonly metricsAllow?: MetricsAllow;
  /**
   * Who a request counts as for the per-client bound (GQL_TRUST_PROXY): its client's address,
   * an IPv6 client's /64 (clientKeyReader). Not for /metrics: a /64 is not an address to allow.
   */
  readonly clientKey?: (req: IncomingMessage) => string | undefined;
  /** The client's own address (GQL_TRUST_PROXY), for who may read /metrics; default the connecting address. */
  readonly clientAddress?: (req: IncomingMessage) => string | undefined;
  /** Whether an unlisted proxy forwarded the request for another client (GQL_TRUST_PROXY); default never. */
  readonly forwardedByUntrustedProxy?: (req: IncomingMessage) => boolean;
}

export function graphqlObservabilityFromEnv(dbUrl: string, env: NodeJS.ProcessEnv = process.env): GraphqlObservabilityOptions {
  const raw = env.GQL_MAX_INDEX_LAG_BLOCKS;
  const maxIndexLagBlocks = raw === undefined || raw === '' ? undefined : Number(raw);
  if (maxIndexLagBlocks !== undefined && (!Number.isInteger(maxIndexLagBlocks) || maxIndexLagBlocks < 0)) {
    throw new Error(`GQL_MAX_INDEX_LAG_BLOCKS must be a whole number of blocks ≥ 0, got "${raw}": unset it for the default (${DEFAULT_MAX_INDEX_LAG_BLOCKS})`);
  }
  const trust = trustProxyFromEnv(env);
  return { dbUrl, chainRpc: env.CHAIN_RPC || undefined, maxIndexLagBlocks, metricsAllow: metricsAllowFromEnv(env), clientKey: clientKeyReader(trust), clientAddress: clientAddressReader(trust), forwardedByUntrustedProxy: untrustedForwarderReader(trust) };
}

/** The GraphQL server's metrics, in a registry of their own. */
export function createGraphqlMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hcr_graphql_' });
  const duration = new Histogram({
    name: 'hcr_graphql_request_duration_seconds',
    help: 'GraphQL requests from arrival to the end of the answer, by status and whether the response cache answered (an Age header)',
    labelNames: ['status', 'cached'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const requests = new Counter({ name: 'hcr_graphql_requests_total', help: 'GraphQL HTTP requests answered, by status', labelNames: ['status'] as const, registers: [registry] });
  return { registry, duration, requests };
}

export function observeGraphql(app: Application, options: GraphqlObservabilityOptions): void {
  const { registry, duration, requests } = createGraphqlMetrics();
  const metricsAllowed = metricsAccess(options.metricsAllow ?? DEFAULT_METRICS_ALLOW);
  const clientAddress = options.clientAddress ?? ((req: IncomingMessage) => (req.socket?.remoteAddress ? plainAddress(req.socket.remoteAddress) : undefined));
  // One connection is enough for health checks, and never competes with OpenReader's pool.
  const pool = new Pool({ connectionString: options.dbUrl, max: 1, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => undefined);
  const indexed = async (): Promise<{ height: number; hash: string }> => {
    try {
      const { rows } = await pool.query<{ height: number | null; hash: string | null }>('SELECT height, hash FROM squid_processor.status WHERE id = 0');
      return { height: rows[0]?.height ?? -1, hash: rows[0]?.hash ?? '0x' };
    } catch (error) {
      throw new Error(`Postgres does not answer (${(error as Error).message}): check DB_URL (or DB_HOST…) and that the database is up`);
    }
  };
  const checks: Record<string, Check> = { postgres: async () => `the index is at block #${(await indexed()).height}` };
  if (options.chainRpc) {
    const chainRpc = options.chainRpc;
    checks.index = async () => {
      const [block, head] = await Promise.all([indexed(), chainFinalizedHeight(chainRpc)]);
      // Heights alone pass an index of another chain that keeps pace with this one.
      if (block.height >= 0 && block.hash !== '0x') await assertIndexedBlockOnChain(chainRpc, block);
      return indexLag(block.height, head, options.maxIndexLagBlocks ?? DEFAULT_MAX_INDEX_LAG_BLOCKS);
    };
  }

  // One run at a time, shared by the probes that arrive meanwhile: each run takes the health
  // pool's one connection and opens connections to the chain's node, so a flood of probes run one
  // by one queued past their deadlines (not ready) and opened as many connections to the node.
  const readiness = sharedChecks(checks);

  const appWithHandle = app as unknown as { handle: Handle };
  const handle = appWithHandle.handle.bind(app);
  appWithHandle.handle = (req, res, next) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/healthz') return sendAlive(res, 'graphql');
      if (path === '/readyz') return void readiness().then((found) => sendReadiness(res, found));
      if (path === '/metrics') {
        const client = clientAddress(req);
        // A client behind an unlisted proxy has no known address: only `any` lets it read.
        const proxied = options.forwardedByUntrustedProxy?.(req) ?? false;
        if (!metricsAllowed(proxied ? undefined : client)) {
          res.statusCode = 403;
          res.setHeader('Content-Type', 'text/plain; charset=utf-8');
          res.setHeader('Cache-Control', 'no-store');
          return void res.end(`${proxied ? untrustedProxyRefusal(client) : metricsRefusal(client)}\n`);
        }
        return void registry.metrics().then((body) => {
          res.setHeader('Content-Type', registry.contentType);
          res.end(body);
        });
      }
    }
    // The client's or a proxy's request id when it is a plain token, else a new one: sent back so
    // a slow or failed query can be matched with the gateway's and the proxy's log lines.
    const offered = req.headers['x-request-id'];
    res.setHeader('X-Request-Id', typeof offered === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(offered) ? offered : randomUUID());
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const status = String(res.statusCode);
      requests.inc({ status });
      duration.observe({ status, cached: res.getHeader('age') === undefined ? 'no' : 'yes' }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    handle(req, res, next);
  };
}
