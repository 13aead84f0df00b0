// Reads and checks the configuration file (YAML; JSON is YAML too). Every problem names the key
// and the fix: an unknown key (with the nearest known one), a value of the wrong kind (with an
// example), a secret that belongs elsewhere, a TLS certificate without its key.
import { readFileSync } from 'node:fs';
import { type Document, isScalar, parseDocument } from 'yaml';
import { checkRateLimit, type RateLimit } from '../limits/rate-limiter';
import { SECRET_KEYS, SETTINGS, type Setting } from './schema';
import { articleFor } from './url-schemes';
import { checkGenesisHash, checkMetricsAllowEntry, checkPeerUrl, checkSpaceName, parseByteSize, parseTrustProxy, splitList } from './values';

export type ConfigValue = string | number | boolean | readonly string[] | RateLimit;

export interface LoadedConfig {
  readonly file: string;
  /** Dotted key → value, for the keys the file sets. */
  readonly values: ReadonlyMap<string, ConfigValue>;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file} is not a valid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfigFile(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): check the path given to --config or HCR_CONFIG`]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file = 'the configuration'): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(file, document.errors.map((error) => `it is not valid YAML: ${error.message.split('\n')[0].replace(/:$/, '')}`));
  }
  hashesAsWritten(document);
  const root: unknown = document.toJS() ?? {};
  const problems: string[] = [];
  const values = new Map<string, ConfigValue>();
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new ConfigError(file, ['it must be a mapping of settings (key: value), for example "gateway:\\n  port: 5000"']);
  walk(root as Record<string, unknown>, '', values, problems);
  if (values.has('gateway.tls.cert') !== values.has('gateway.tls.key')) {
    problems.push(values.has('gateway.tls.cert') ? 'gateway.tls.cert is set without gateway.tls.key: add the private key\'s file as gateway.tls.key' : 'gateway.tls.key is set without gateway.tls.cert: add the certificate\'s file as gateway.tls.cert');
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, values };
}

/** YAML reads an unquoted 0x… as a number, which loses a hash's digits: a hash setting is taken as written. */
function hashesAsWritten(document: Document): void {
  for (const [key, setting] of Object.entries(SETTINGS)) {
    if (setting.type.kind !== 'hash') continue;
    const node = document.getIn(key.split('.'), true);
    if (isScalar(node) && node.type === 'PLAIN' && typeof node.value === 'number' && node.source) node.value = node.source;
  }
}

const PREFIXES = new Set(Object.keys(SETTINGS).flatMap((key) => key.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));

function walk(node: Record<string, unknown>, prefix: string, values: Map<string, ConfigValue>, problems: string[]): void {
  for (const [name, value] of Object.entries(node)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if (SECRET_KEYS[key]) {
      problems.push(`${key} is not a setting: ${SECRET_KEYS[key]}`);
      continue;
    }
    const setting = SETTINGS[key];
    if (setting) {
      if (value === null || value === undefined) continue;
      try {
        values.set(key, checkValue(key, setting, value));
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        problems.push(error.message);
      }
      continue;
    }
    if (PREFIXES.has(key)) {
      if (value === null) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        problems.push(`${key} is a section, not a value: put its settings under it (${childKeys(key).slice(0, 4).join(', ')})`);
        continue;
      }
      walk(value as Record<string, unknown>, key, values, problems);
      continue;
    }
    const near = nearest(key);
    problems.push(`${key} is not a setting${near ? `: did you mean ${near}?` : ''} (the README's "Configuration file" section lists every setting)`);
  }
}

function childKeys(prefix: string): string[] {
  return Object.keys(SETTINGS).filter((key) => key.startsWith(`${prefix}.`)).map((key) => key.slice(prefix.length + 1).split('.')[0]).filter((v, i, a) => a.indexOf(v) === i);
}

/** A value the setting does not take; its message names the key and shows an example. */
class Problem extends Error {}

/** The value as the setting takes it, or throws a Problem. */
function checkValue(key: string, setting: Setting, value: unknown): ConfigValue {
  const bad = (what: string): never => {
    throw new Problem(`${key} ${what}, got ${JSON.stringify(value)}: for example ${setting.example}`);
  };
  const type = setting.type;
  switch (type.kind) {
    case 'port':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65535 ? (value as number) : bad('must be a port number from 0 to 65535');
    case 'count': {
      const min = type.min ?? 0;
      return Number.isInteger(value) && (value as number) >= min ? (value as number) : bad(`must be a whole number ≥ ${min}`);
    }
    case 'bool':
      return typeof value === 'boolean' ? value : bad('must be true or false');
    case 'string':
      return typeof value === 'string' && value.trim() !== '' ? value : bad('must be a non-empty text');
    case 'enum':
      return typeof value === 'string' && type.values.includes(value) ? value : bad(`must be one of ${type.values.join(', ')}`);
    case 'url': {
      if (typeof value !== 'string') return bad('must be a URL');
      let scheme: string;
      try {
        scheme = new URL(value).protocol.replace(/:$/, '');
      } catch {
        return bad('must be a URL');
      }
      return type.schemes.includes(scheme) ? value : bad(`must be ${articleFor(type.schemes[0])} ${type.schemes.join(', ')} URL`);
    }
    case 'trustProxy': {
      if (typeof value === 'boolean' || (Number.isInteger(value) && (value as number) >= 0)) return String(value);
      const text = typeof value === 'string' ? value : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(',') : undefined;
      if (text === undefined || text.trim() === '') return bad('must be loopback, a list of addresses or CIDRs, a hop count, or true/false');
      try {
        parseTrustProxy(text);
      } catch (error) {
        throw new Problem(`${key}: ${(error as Error).message}, for example ${setting.example}`);
      }
      return text;
    }
    case 'list': {
      const items = typeof value === 'string' ? splitList(value) : Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.map((v: string) => v.trim()) : undefined;
      if (items === undefined || items.length === 0) return bad('must be a list');
      const check = { peerUrl: checkPeerUrl, spaceName: checkSpaceName, metricsAllow: checkMetricsAllowEntry }[type.item];
      for (const item of items) {
        try {
          check(item);
        } catch (error) {
          throw new Problem(`${key}: ${(error as Error).message}`);
        }
      }
      return items;
    }
    case 'hash': {
      if (typeof value !== 'string') return bad('must be a genesis hash, 0x and 64 hex digits');
      try {
        return checkGenesisHash(value);
      } catch (error) {
        throw new Problem(`${key}: ${(error as Error).message}`);
      }
    }
    case 'size': {
      if (typeof value !== 'string' && typeof value !== 'number') return bad('must be a size such as 8GiB, 500MB, or 0 for none');
      try {
        parseByteSize(value);
      } catch {
        return bad('must be a size such as 8GiB, 500MB, or 0 for none');
      }
      return value;
    }
    case 'rateLimit': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('must be { perMinute: N, burst: N }');
      const extra = Object.keys(value).filter((k) => k !== 'perMinute' && k !== 'burst');
      if (extra.length > 0) throw new Problem(`${key}.${extra[0]} is not a setting: a rate limit has perMinute and burst, for example ${setting.example}`);
      try {
        return checkRateLimit(value as RateLimit, key);
      } catch (error) {
        throw new Problem(`${(error as Error).message}: for example ${setting.example}`);
      }
    }
  }
}

/** The known key closest to a mistyped one (edit distance at most 3, or the same last part). */
function nearest(key: string): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const known of [...Object.keys(SETTINGS), ...PREFIXES]) {
    const distance = editDistance(key.toLowerCase(), known.toLowerCase());
    if (!best || distance < best.distance) best = { key: known, distance };
  }
  if (best && best.distance <= 3) return best.key;
  const last = key.split('.').pop()!.toLowerCase();
  return Object.keys(SETTINGS).find((known) => known.split('.').pop()!.toLowerCase() === last);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
