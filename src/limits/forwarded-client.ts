// The client's address for a connection that may come through proxies, worked out as Express
// works out req.ip under the gateway's `trust proxy` setting: from the connection's peer outward
// along X-Forwarded-For, the first hop that is not a trusted proxy is the client. The gRPC door
// uses it so that behind a gRPC proxy each caller has its own upload allowance, not the proxy's,
// and a caller that is not a trusted proxy cannot pick its address by sending the header.

/** Express's compiled `trust proxy` (app.get('trust proxy fn')): whether the hop at this address and distance is a trusted proxy. */
export type TrustProxyFn = (address: string, hop: number) => boolean;

const plain = (address: string) => address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');

export function forwardedClient(trust: TrustProxyFn, peerAddress: string, forwardedFor: string | undefined): string {
  const hops = [peerAddress, ...(forwardedFor ?? '').split(',').map((hop) => hop.trim()).filter(Boolean).reverse()];
  for (let i = 0; i < hops.length - 1; i++) if (!trust(hops[i], i)) return plain(hops[i]);
  return plain(hops[hops.length - 1]);
}
