// Every option that takes a URL (`<url>` in its flags: --chain, --ipfs-api, --graphql, --peer,
// --public-url, --registry, export's --gateway) is checked here, once, before any command runs,
// wherever its value came from (the command line, its environment variable, the configuration
// file). Left to the code that uses it, a malformed one failed late and in other words: "Invalid
// URL" with exit 1 from `hcr export`, or commander's own message quoting the value whole, a
// password in it included. Here it is refused with exit 2 (usage), naming the flag, the value with
// its login starred out, where it came from, and the form expected.
import type { Command, Option } from 'commander';
import { hideUrlLogins, withoutLogin } from '../observability/url-logins';
import { schemesUrl } from '../config/url-schemes';
import { CliError, EXIT } from './errors';

export interface UrlFlag {
  /** URL schemes the flag takes. */
  readonly schemes: readonly string[];
  /** The form expected, and an example of it (a function: read only when needed). */
  readonly fix: string | (() => string);
  /** The environment variable a command falls back on when the flag is not given. */
  readonly variable?: string;
  /** host[:port] alone is taken as http://host[:port]. */
  readonly bareHost?: boolean;
  /** A URL with a login is refused, with this fix: the login would never be sent (fetch refuses such a URL). */
  readonly noLogin?: string;
  /** Why the value is refused beyond its scheme (`is a URL with a path`), if it is. */
  readonly problem?: (url: URL, value: string) => string | undefined;
  /** How a value that is no URL at all is refused, where "is not a URL" would mislead (hcr login documents host[:port]). */
  readonly notUrl?: string;
}

const HTTP = ['http', 'https'];

/** A URL option without a rule of its own (none today; test/cli/url-flags-checked.test.ts says so). */
const ANY_URL: UrlFlag = { schemes: ['http', 'https', 'ws', 'wss'], fix: 'give a URL such as http://host:port' };

/**
 * By the option's long name without its dashes. --peer and --public-url are checked by their own
 * parsers as they are read (the same rules, in commander's words); these rules serve the values
 * that reach a command without a parser (the configuration file).
 */
export const URL_FLAGS: Readonly<Record<string, UrlFlag>> = {
  chain: { schemes: ['ws', 'wss', 'http', 'https'], variable: 'CHAIN_RPC', fix: 'give a chain node\'s RPC URL, ws://host:port or wss://host, for example ws://127.0.0.1:9944' },
  'ipfs-api': { schemes: HTTP, variable: 'IPFS_API', fix: 'give a Kubo RPC API, http(s)://host:port, for example http://127.0.0.1:5001' },
  graphql: { schemes: HTTP, variable: 'GRAPHQL_URL', fix: 'give the index\'s GraphQL endpoint, http(s)://host:port/graphql, for example http://127.0.0.1:4350/graphql' },
  gateway: {
    schemes: HTTP,
    variable: 'HCR_GATEWAY',
    bareHost: true,
    noLogin: 'give the gateway as http(s)://host[:port], and sign in with --token (or HCR_TOKEN)',
    fix: 'give the gateway as http(s)://host[:port] or host[:port], for example http://127.0.0.1:5000',
  },
  registry: {
    schemes: HTTP,
    variable: 'HCR_REGISTRY',
    bareHost: true,
    noLogin: 'give the gateway as http(s)://host[:port], and sign in with --token (or HCR_TOKEN) or --suri/--keyring',
    fix: 'give the gateway as http(s)://host[:port] or host[:port], for example http://127.0.0.1:5000',
  },
  peer: {
    schemes: HTTP,
    variable: 'GATEWAY_PEERS',
    problem: (url) => (url.search || url.hash ? 'is a URL with a query or fragment' : undefined),
    fix: 'give a peer gateway\'s base URL, http(s)://host[:port] of a gateway that serves /ipfs/, for example http://10.0.0.2:5000',
  },
  'public-url': { schemes: HTTP, variable: 'GATEWAY_PUBLIC_URL', problem: (_url, value) => publicUrlProblem(value), fix: () => publicUrlRules().PUBLIC_URL_FIX },
};

/** Checks (and for host[:port] flags, completes) the URL options of the command about to run. */
export function checkUrlOptions(command: Command): void {
  for (const option of command.options as readonly Option[]) {
    const long = option.long;
    if (!/<url>/.test(option.flags) || !long) continue;
    const flag = URL_FLAGS[long.replace(/^--/, '')] ?? ANY_URL;
    const key = option.attributeName();
    const given = command.getOptionValue(key) as string | string[] | undefined;
    const source = command.getOptionValueSource(key);
    const fromEnv = flag.variable ? process.env[flag.variable]?.trim() || undefined : undefined;
    const values = given === undefined ? (fromEnv === undefined ? [] : [fromEnv]) : Array.isArray(given) ? given : [given];
    const where = whereFrom(source, option.envVar ?? flag.variable, given === undefined || (source === 'default' && fromEnv !== undefined && values.includes(fromEnv)));
    const checked = values.map((value) => checkedUrl(long, where, value, flag));
    if (flag.bareHost && typeof given === 'string' && given.trim() !== '') command.setOptionValueWithSource(key, checked[0], source);
  }
}

/** Where a value came from, when not from the command line: the error names what to fix. */
function whereFrom(source: string | undefined, variable: string | undefined, fromVariable: boolean): string {
  if ((fromVariable || source === 'env') && variable) return ` (from ${variable})`;
  return source === 'config' ? ' (from the configuration file)' : '';
}

/**
 * `value` as a URL the flag takes, or a usage error saying what is wrong and what to give. An
 * empty value is left alone: it means "not set" (compose passes an unset variable as empty).
 */
export function checkedUrl(flagName: string, where: string, value: string, flag: UrlFlag): string {
  const raw = value.trim();
  if (raw === '') return value;
  const refuse = (reason: string, fix = typeof flag.fix === 'string' ? flag.fix : flag.fix()) => new CliError(`${flagName} ${JSON.stringify(withLoginStarred(raw))}${where} ${reason}: ${fix}`, EXIT.usage);
  if (/[\x00-\x20\x7f]/.test(raw)) throw refuse(flag.notUrl ?? 'is not a URL (it holds spaces or control characters)');
  const text = flag.bareHost && !/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? `http://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse(flag.notUrl ?? 'is not a URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!flag.schemes.includes(scheme)) throw refuse(`is not ${schemesUrl(flag.schemes)}`);
  if (flag.noLogin && (url.username || url.password)) throw refuse('holds a login, which is never sent', flag.noLogin);
  const problem = flag.problem?.(url, text);
  if (problem) throw refuse(problem);
  return flag.bareHost ? text.replace(/\/+$/, '') : value;
}

/**
 * The value with any login starred out, as it is quoted in the error. A malformed URL is exactly
 * what a parser cannot split, so url-logins.ts's rule serves: everything between the scheme and
 * the last `@` goes (the user name before a `:` kept), unless a plain host[:port] comes first.
 */
export function withLoginStarred(value: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  return `${scheme}${withoutLogin(value.slice(scheme.length))}`;
}

/** The gateway's own rule for its public URL; loaded only when one is checked (hcr space loads no gateway code). */
const publicUrlRules = () => require('../gateway/auth/auth-options') as typeof import('../gateway/auth/auth-options');

function publicUrlProblem(value: string): string | undefined {
  try {
    publicUrlRules().publicUrlOrigin(value);
    return undefined;
  } catch (error) {
    return `is ${(error as Error).message}`;
  }
}

/**
 * Commander's own errors (a parser's refusal) quote the value given, in quotes: a login in a
 * quoted value is starred out as in this module's errors, and then any other URL login.
 */
export function withQuotedLoginsStarred(text: string): string {
  return hideUrlLogins(text.replace(/(['"])([^'"\n]*@[^'"\n]*)\1/g, (_match, quote: string, value: string) => `${quote}${withLoginStarred(value)}${quote}`));
}
