// The token service name a gateway expects in login tokens, read from its own challenge, so
// `hcr login` can make a token for a gateway given only its URL.
import { checkAddress } from '../../chain';

/** The `service` of the gateway's Bearer challenge (its host:port when auth is off). */
export async function discoverTokenService(gatewayUrl: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const base = gatewayUrl.replace(/\/+$/, '');
  let response: Response;
  try {
    response = await fetch(`${base}/v2/`, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (error) {
    throw new Error(`cannot reach the gateway at ${base} (${(error as { cause?: Error }).cause?.message ?? (error as Error).message}): check the URL and that \`hcr gateway\` runs`);
  }
  const challenge = response.headers.get('www-authenticate') ?? '';
  const service = /service="([^"]+)"/.exec(challenge)?.[1];
  if (service) return checkedService(base, service);
  if (response.ok) return new URL(base).host;
  throw new Error(`${base}/v2/ answered HTTP ${response.status} without a token challenge: is it an hcr gateway?`);
}

/**
 * The service a gateway names, only when it is the host the caller reached it at. A login token is
 * good at every gateway whose service is the domain it names, and the caller signs one for the
 * service and sends it to this gateway: were the gateway free to name any service, a hostile or
 * impersonated one (plain HTTP) would name another gateway's and log in there as the caller.
 */
function checkedService(base: string, service: string): string {
  const reached = new URL(base);
  let named: string | undefined;
  try {
    // host[:port] only; the URL parser lowercases the host and drops the scheme's default port.
    if (!/[/?#@\s\\]/.test(service)) named = new URL(`${reached.protocol}//${service}`).host;
  } catch {
    named = undefined;
  }
  const alias = named === undefined ? undefined : loopbackAlias(named);
  if (named !== undefined && (named === reached.host || (alias !== undefined && alias === loopbackAlias(reached.host)))) return service;
  throw new Error(
    `the gateway at ${reached.origin} asks for login tokens for ${JSON.stringify(service.slice(0, 100))}, not for ${reached.host} where it was reached: a login token signed for it would let whoever runs that address log in as you at ${JSON.stringify(service.slice(0, 100))}, so none is signed. Reach the gateway at the address it names (or, if it is yours, start it with --public-url (and --public-host, if set) naming the address clients use)`,
  );
}

/**
 * The port of a loopback name (`localhost`, `127.0.0.1`, `[::1]`), which all reach this machine:
 * a local gateway published as http://localhost:5000 is also reached at 127.0.0.1:5000.
 */
function loopbackAlias(host: string): string | undefined {
  const match = /^(localhost|127\.0\.0\.1|\[::1\])(?::(\d+))?$/.exec(host);
  return match ? `loopback:${match[2] ?? ''}` : undefined;
}

/** `Basic <base64 of user:password>` → its two parts; undefined when it holds no colon. The scheme is the caller's to check. */
export function decodeBasic(header: string): { username: string; password: string } | undefined {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** HTTP basic credentials for /token or `docker login`: the account's address and its login token. */
export function basicCredentials(address: string, loginToken: string): string {
  return `Basic ${Buffer.from(`${checkAddress(address)}:${loginToken}`).toString('base64')}`;
}
