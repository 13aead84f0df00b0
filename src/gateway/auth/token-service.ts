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
  if (service) return service;
  if (response.ok) return new URL(base).host;
  throw new Error(`${base}/v2/ answered HTTP ${response.status} without a token challenge: is it an hcr gateway?`);
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
