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
  // Local-use NAT64 (RFC 8215), Teredo tunnels and the documentation range: no peer's content is there.
  ['64:ff9b:1::', 48],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether `address` (an IP address) is not a public one. An IPv6 address that carries an IPv4
 * address is judged by that one too: IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated
 * (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`, which a NAT64
 * gateway on the operator's network would forward to a.b.c.d) and 6to4 (`2002:aabb:ccdd::`).
 */
export function isNonPublicAddress(address: string): boolean {
  const plain = address.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(plain);
  if (family === 4) return NOT_PUBLIC.check(plain, 'ipv4');
  if (family !== 6) return false;
  if (NOT_PUBLIC.check(plain, 'ipv6')) return true;
  const carried = carriedIpv4(ipv6Bytes(plain));
  return carried !== undefined && NOT_PUBLIC.check(carried, 'ipv4');
}

/** The 16 bytes of a valid IPv6 address (isIP said so), a trailing dotted IPv4 part included. */
function ipv6Bytes(address: string): Uint8Array {
  // A trailing dotted IPv4 part is the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  const hex = (high: string, low: string) => ((Number(high) << 8) | Number(low)).toString(16);
  const text = dotted ? `${address.slice(0, dotted.index)}${hex(dotted[1], dotted[2])}:${hex(dotted[3], dotted[4])}` : address;
  const [head, tail] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const front = groups(head);
  const back = groups(tail);
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

/** The IPv4 address an IPv6 one carries by one of the standard embeddings, if any. */
function carriedIpv4(bytes: Uint8Array): string | undefined {
  const zero = (from: number, to: number) => bytes.subarray(from, to).every((byte) => byte === 0);
  const ipv4 = (at: number) => [...bytes.subarray(at, at + 4)].join('.');
  if (zero(0, 10) && ((bytes[10] === 0xff && bytes[11] === 0xff) || (bytes[10] === 0 && bytes[11] === 0))) return ipv4(12);
  if (zero(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zero(10, 12)) return ipv4(12);
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && zero(4, 12)) return ipv4(12);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return ipv4(2);
  return undefined;
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
