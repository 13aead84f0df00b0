// Who may read /metrics: its numbers (traffic, peers' addresses, the process's memory) are for the
// operator's Prometheus, not for every client of a public registry. The client address is the
// one the trust-proxy setting gives (req.ip), so behind a trusted proxy the real client counts.
import { BlockList, isIP } from 'node:net';
import { checkMetricsAllowEntry } from '../../config/values';
import type { TrustProxyFn } from '../../limits/forwarded-client';

/** `any`, `loopback`, `linklocal`, `uniquelocal` (private networks), an address or a CIDR. */
export type MetricsAllow = readonly string[];

/** Prometheus on this machine or on a private network (a compose network, a cluster). */
export const DEFAULT_METRICS_ALLOW: MetricsAllow = ['loopback', 'linklocal', 'uniquelocal'];

const NAMED: Record<string, readonly [string, number][]> = {
  loopback: [['127.0.0.0', 8], ['::1', 128]],
  linklocal: [['169.254.0.0', 16], ['fe80::', 10]],
  uniquelocal: [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['fc00::', 7]],
};

/** Whether a client address may read /metrics. */
export function metricsAccess(allow: MetricsAllow = DEFAULT_METRICS_ALLOW): (address: string | undefined) => boolean {
  if (allow.includes('any')) return () => true;
  const list = new BlockList();
  for (const [network, bits] of allow.flatMap(subnetsOf)) list.addSubnet(network, bits, isIP(network) === 4 ? 'ipv4' : 'ipv6');
  return (address) => {
    const family = address ? isIP(address) : 0;
    return family !== 0 && list.check(address!, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** An entry as networks and prefix lengths (an address alone is its own /32 or /128). */
function subnetsOf(entry: string): (readonly [string, number])[] {
  checkMetricsAllowEntry(entry);
  if (NAMED[entry]) return [...NAMED[entry]];
  const [address, bits] = entry.split('/');
  return [[address, bits === undefined ? (isIP(address) === 4 ? 32 : 128) : Number(bits)]];
}

/**
 * Whether the client address the trust-proxy setting gives forwarded the request for someone
 * else: X-Forwarded-For names a hop beyond it, so it is a proxy the setting does not list (an
 * ingress or load balancer on a private network, say). Its own address then stands for every
 * client behind it, the internet's too, and passes a list of private networks: who asks is not
 * known, so /metrics is refused to it unless everyone may read it.
 */
export function forwardedByUntrustedProxy(trust: TrustProxyFn, peerAddress: string | undefined, forwardedFor: string | undefined): boolean {
  if (!peerAddress) return false;
  // From the connection's peer outward, as Express works out req.ip (limits/forwarded-client.ts).
  const hops = [peerAddress, ...(forwardedFor ?? '').split(',').map((hop) => hop.trim()).filter(Boolean).reverse()];
  for (let i = 0; i < hops.length - 1; i++) if (!trust(hops[i], i)) return true;
  return false;
}

/**
 * Whether the request says it was forwarded for someone (RFC 7239 `Forwarded`, or nginx's
 * `X-Real-IP`) without an X-Forwarded-For, the one header the trust-proxy setting follows: a
 * proxy that sets only those leaves its own address as the client's, private for every client
 * behind it. Who asks is then not known.
 */
export function forwardedUnreadably(headers: { forwarded?: string | string[]; 'x-real-ip'?: string | string[]; 'x-forwarded-for'?: string | string[] }): boolean {
  return headers['x-forwarded-for'] === undefined && (headers.forwarded !== undefined || headers['x-real-ip'] !== undefined);
}
