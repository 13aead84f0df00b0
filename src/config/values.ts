// Values a flag, its environment variable and the configuration file all take, checked the same
// way wherever they come from. Each check throws an Error saying what is wrong with the value and
// what to give instead; the caller names where it came from (`--peer`, `gateway.peers`).
import { isIP } from 'node:net';
import { checkRepoName } from '../chain/validate';
import type { TrustProxy } from '../gateway/app';

/** A peer gateway's base URL, http(s)://host[:port] with nothing after the path. */
export function checkPeerUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.search || parsed.hash) {
    throw new Error(`"${url}" is not a peer's base URL: give http(s)://host[:port] of a gateway that serves /ipfs/, for example http://10.0.0.2:5000`);
  }
  return url;
}

/** A space's name (its repo_name), as a mirror names it. */
export function checkSpaceName(name: string): string {
  return checkRepoName(name, 'space');
}

/** A chain's genesis hash as chain.genesisHash pins it: 0x and 64 hex digits, returned in lower case. */
export function checkGenesisHash(value: string): string {
  const hash = value.trim();
  if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    throw new Error(`"${value}" is not a genesis hash: give 0x and 64 hex digits (32 bytes), the hash of block #0 of the chain to trust (its node answers chain_getBlockHash with [0]), or leave chain.genesisHash unset to take any chain`);
  }
  return hash.toLowerCase();
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40 };

/** A size in bytes: a whole number, or one with a unit (`8GiB`, `500 MB`, `1.5TB`); `0` is none. */
export function parseByteSize(value: string | number): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = match && Object.hasOwn(SIZE_UNITS, match[2].toLowerCase()) ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes)) throw new Error(`"${value}" is not a size: give bytes or a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), for example 8GiB, 500MB, or 0 for none`);
  return bytes;
}

/** Comma-separated items, blanks dropped. */
export function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

const NAMED_PROXIES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `loopback`, `10.0.0.0/8, 127.0.0.1`, `2` (hops) or true/false, as Express's `trust proxy` takes them. */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^\d+$/.test(text)) return Number(text);
  const entries = splitList(text);
  for (const entry of entries) {
    if (!NAMED_PROXIES.has(entry) && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(entry)) {
      throw new Error(`"${entry}" is not an address, a CIDR (10.0.0.0/8) or one of loopback, linklocal, uniquelocal; list the reverse proxies in front of the gateway, separated by commas`);
    }
  }
  if (entries.length === 0) throw new Error('it is empty: give loopback, the proxies\' addresses or CIDRs, or false to trust none');
  return entries;
}

/** The names --metrics-allow takes besides addresses and CIDRs (the gateway's metrics-access.ts says what each covers). */
const METRICS_ALLOW_NAMES = new Set(['any', 'loopback', 'linklocal', 'uniquelocal']);

/** Checks one entry of the list; throws saying what it takes. */
export function checkMetricsAllowEntry(entry: string): string {
  if (METRICS_ALLOW_NAMES.has(entry)) return entry;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  const max = family === 4 ? 32 : 128;
  if (family === 0 || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
    throw new Error(`"${entry}" is not an address, a CIDR (10.0.0.0/8) or one of any, loopback, linklocal, uniquelocal: list who may read /metrics, separated by commas`);
  }
  return entry;
}
