// Where a peer may send the gateway with a redirect. A peer is trusted for nothing but
// availability, and what it answers is verified; but the GET a redirect makes is the gateway's
// own request, from inside the operator's network. A peer on a public address may not point it
// at loopback, private, link-local or other non-public addresses (an internal admin API, a cloud
// metadata service), whether named by address or by a host name that resolves to one. A peer the
// operator configured on such an address (a replica on the same network) may redirect anywhere.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP address) is not a public one; an IPv4 address in IPv6 form is read as IPv4. */
export function isNonPublicAddress(address: string): boolean {
  const plain = address.replace(/^\[(.*)\]$/, '$1');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped) return NOT_PUBLIC.check(mapped[1], 'ipv4');
  const family = isIP(plain);
  if (family === 4) return NOT_PUBLIC.check(plain, 'ipv4');
  if (family === 6) return NOT_PUBLIC.check(plain, 'ipv6');
  return false;
}

export class RedirectRefused extends Error {
  override readonly name = 'RedirectRefused';
}

const refusal = (peer: URL, target: string) =>
  new RedirectRefused(`redirected the gateway to ${target}, which is not a public address; a peer on a public address may redirect only to public ones`);

/** Whether a peer at `peer` may redirect to any address: the operator put it on a non-public one. */
export async function mayRedirectAnywhere(peer: URL): Promise<boolean> {
  const host = peer.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) return isNonPublicAddress(host);
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  try {
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
    return addresses.some((found) => isNonPublicAddress(found.address));
  } catch {
    return false;
  }
}

/**
 * Checks a redirect's target from a peer that may redirect to public addresses only: an address
 * in the URL now, and the `lookup` to connect with, which refuses a name that resolves to another.
 */
export function publicOnly(peer: URL, target: URL): LookupFunction {
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) && isNonPublicAddress(host)) throw refusal(peer, target.host);
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, '');
      const refused = found.find((entry) => isNonPublicAddress(entry.address));
      if (refused) return callback(refusal(peer, `${hostname} (${refused.address})`), '');
      if ((options as LookupAllOptions).all) return callback(null, found);
      callback(null, found[0].address, found[0].family);
    });
  }) as LookupFunction;
}
