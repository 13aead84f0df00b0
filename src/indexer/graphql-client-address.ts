// Who a GraphQL request comes from, for the per-client bound (graphql-client-concurrency.ts, by
// clientKeyReader: an IPv6 client by its whole /64) and for who may read /metrics (by its own
// address). It is the connecting address, or, when that is a proxy trusted by GQL_TRUST_PROXY
// (Express's `trust proxy`, as the gateway's --trust-proxy takes it; default `loopback`), the
// client the proxy names in X-Forwarded-For. A client's own X-Forwarded-For is never believed, so
// no one can pick the address they are counted under.
import type { IncomingMessage } from 'node:http';
import { parseTrustProxy } from '../config/values';
import { clientKey } from '../limits/client-key';
import { forwardedByUntrustedProxy } from '../gateway/http/metrics-access';

type TrustProxy = ReturnType<typeof parseTrustProxy>;
type TrustFn = (address: string, hop: number) => boolean;

// proxy-addr is what Express itself resolves `req.ip` with; it ships no types.
const proxyaddr = require('proxy-addr') as ((req: IncomingMessage, trust: TrustFn) => string) & { compile(value: string[]): TrustFn };

export const DEFAULT_GQL_TRUST_PROXY = 'loopback';

/** GQL_TRUST_PROXY: the reverse proxies whose X-Forwarded-For names the client (default loopback). */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv = process.env): TrustProxy {
  const raw = env.GQL_TRUST_PROXY?.trim() || DEFAULT_GQL_TRUST_PROXY;
  try {
    return parseTrustProxy(raw);
  } catch (error) {
    throw new Error(`GQL_TRUST_PROXY="${raw}": ${(error as Error).message.replace('the gateway', 'the GraphQL server')}.`);
  }
}

function compileTrust(trust: TrustProxy): TrustFn {
  if (trust === true) return () => true;
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(typeof trust === 'string' ? trust.split(',').map((entry) => entry.trim()) : [...trust]);
}

/** IPv4 clients of a dual-stack socket appear as ::ffff:a.b.c.d; they are one client either way. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The client address of a request, as GQL_TRUST_PROXY says to read it. */
export function clientAddressReader(trust: TrustProxy): (req: IncomingMessage) => string | undefined {
  const trusted = compileTrust(trust);
  return (req) => {
    if (!req.socket?.remoteAddress) return undefined;
    try {
      return plainAddress(proxyaddr(req, trusted));
    } catch {
      return plainAddress(req.socket.remoteAddress);
    }
  };
}

/**
 * Who a request counts as for the per-client bound: its client address (as clientAddressReader
 * reads it), an IPv6 client by its /64, which a host may send from in full (client-key.ts).
 */
export function clientKeyReader(trust: TrustProxy): (req: IncomingMessage) => string | undefined {
  const address = clientAddressReader(trust);
  return (req) => {
    const client = address(req);
    return client === undefined ? undefined : clientKey(client);
  };
}

/**
 * Whether a proxy GQL_TRUST_PROXY does not list forwarded the request for someone else (its
 * X-Forwarded-For names a hop beyond it): its address then stands for every client behind it,
 * the internet's too, so it tells /metrics nothing about who asks.
 */
export function untrustedForwarderReader(trust: TrustProxy): (req: IncomingMessage) => boolean {
  const trusted = compileTrust(trust);
  return (req) => {
    const forwarded = req.headers['x-forwarded-for'];
    return forwardedByUntrustedProxy(trusted, req.socket?.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded);
  };
}
