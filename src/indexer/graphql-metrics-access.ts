// Who may read the GraphQL server's /metrics: its numbers (traffic, latencies, the process's
// memory) are for the operator's Prometheus, not for every client of a public index. As on the
// gateway (--metrics-allow), only loopback and private networks are served by default;
// GQL_METRICS_ALLOW lists who may read it instead: `any`, `loopback`, `linklocal`, `uniquelocal`,
// addresses and CIDRs, separated by commas. The client address is the one GQL_TRUST_PROXY gives
// (graphql-client-address.ts), so a public client behind a local proxy is not taken for a local one.
import { DEFAULT_METRICS_ALLOW, type MetricsAllow } from '../gateway/http/metrics-access';
import { checkMetricsAllowEntry, splitList } from '../config/values';

/** GQL_METRICS_ALLOW: who may read /metrics (default loopback and private networks). */
export function metricsAllowFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsAllow {
  const raw = env.GQL_METRICS_ALLOW?.trim();
  if (!raw) return DEFAULT_METRICS_ALLOW;
  try {
    return splitList(raw).map(checkMetricsAllowEntry);
  } catch (error) {
    throw new Error(`GQL_METRICS_ALLOW="${raw}": ${(error as Error).message}; or unset it to serve loopback and private networks.`);
  }
}

/** The answer to a client /metrics is not served to, naming the setting. */
export function metricsRefusal(address: string | undefined): string {
  return `/metrics is not served to ${address ?? 'this client'}: scrape it from an address GQL_METRICS_ALLOW lists (default: loopback and private networks), or behind a reverse proxy, list the proxy in GQL_TRUST_PROXY.`;
}

/** The answer to a request an unlisted proxy forwarded for another client, naming the setting. */
export function untrustedProxyRefusal(proxy: string | undefined): string {
  return `/metrics is not served through ${proxy ?? 'this proxy'}: it forwarded the request for another client (X-Forwarded-For) but is not a proxy GQL_TRUST_PROXY lists, so who asks is not known: list that proxy in GQL_TRUST_PROXY, or scrape the server directly.`;
}
