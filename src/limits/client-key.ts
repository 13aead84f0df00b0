// Who a client is, for every per-client limit (rates, places at once). An IPv6 host is normally
// given a whole /64 and may send from any address in it, so keyed by its exact address it would
// get a fresh allowance from each of 2^64 addresses: an IPv6 client is keyed by its /64. An
// IPv4 client is its address, also when an IPv6 socket or a NAT64 gateway writes it as IPv6
// (::ffff:a.b.c.d, 64:ff9b::a.b.c.d). Every spelling of one address (compressed or not, upper or
// lower case, with a zone id or brackets) gives one key. Used by every per-client limit of the
// gateway (HTTP and gRPC), the wallet API and `hcr graphql`, so a client is one client to all.
import { isIP, isIPv4, isIPv6 } from 'node:net';

/** An IPv6 address's eight 16-bit groups; undefined when `text` is not one. */
function ipv6Groups(text: string): number[] | undefined {
  if (!isIPv6(text)) return undefined;
  let body = text;
  const tail: number[] = [];
  // A dotted IPv4 address in the last 32 bits (::ffff:1.2.3.4, 64:ff9b::1.2.3.4).
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(body);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    body = body.slice(0, dotted.index);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const gap = body.indexOf('::');
  if (gap === -1) return [...groups(body), ...tail];
  const head = groups(body.slice(0, gap));
  const rest = groups(body.slice(gap + 2));
  return [...head, ...new Array<number>(8 - tail.length - head.length - rest.length).fill(0), ...rest, ...tail];
}

const startsWith = (groups: readonly number[], prefix: readonly number[]) => prefix.every((group, i) => groups[i] === group);

/**
 * The IPv4 client inside an IPv6 address: one of a dual-stack socket (::ffff:0:0/96), or one
 * translated by a NAT64/SIIT gateway in front of an IPv6-only server (the well-known prefix
 * 64:ff9b::/96, RFC 6052), where every IPv4 client on the internet shares one /64.
 */
const IPV4_INSIDE = [[0, 0, 0, 0, 0, 0xffff], [0x64, 0xff9b, 0, 0, 0, 0]] as const;

/** `2001:db8:1:2::/64`: the first 64 bits, in RFC 5952's compressed lower-case form. */
function prefix64(groups: readonly number[]): string {
  const kept = groups.slice(0, 4);
  while (kept.length > 0 && kept[kept.length - 1] === 0) kept.pop();
  // With the host half zero the longest run of zero groups is at the end, so that is what `::` stands for.
  return `${kept.map((group) => group.toString(16)).join(':')}::/64`;
}

/**
 * The key a client address is counted under: an IPv4 address as it is, an IPv4-mapped (or
 * NAT64-translated) IPv6 address as its IPv4 address, any other IPv6 address as its /64
 * (`2001:db8:1:2::/64`). Anything that is not an IP address (a Unix socket's path, `unknown`) is
 * its own key.
 */
export function clientKey(address: string): string {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  // A zone id (fe80::1%eth0) names the local interface, not the client.
  text = text.replace(/%.*$/, '').toLowerCase();
  if (isIPv4(text)) return text;
  const groups = ipv6Groups(text);
  if (!groups) return address;
  if (IPV4_INSIDE.some((prefix) => startsWith(groups, prefix))) return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  return prefix64(groups);
}

/** The key of an Express request's client: `req.ip` (through the trusted proxies), else the socket's peer. */
export function requestClientKey(req: { readonly ip?: string; readonly socket: { readonly remoteAddress?: string } }): string {
  return clientKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

/**
 * The address in a gRPC peer string. grpc-js's server gives `<address>:<port>` unbracketed
 * (`::1:5678`, `::ffff:1.2.3.4:5678`): the port is always there for a TCP peer, so the last
 * `:<digits>` is taken off. Other implementations give `ipv4:1.2.3.4:5678` and
 * `ipv6:[::1]:5678`. Anything else (`unix:…`, `unknown`) is returned as it is.
 */
export function grpcPeerAddress(peer: string): string {
  const rest = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(rest);
  if (bracketed) return bracketed[1];
  const withPort = /^(.+):\d+$/.exec(rest);
  if (withPort && isIP(withPort[1].replace(/%.*$/, ''))) return withPort[1];
  return isIP(rest.replace(/%.*$/, '')) ? rest : peer;
}
