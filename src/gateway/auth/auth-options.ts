// How the gateway authenticates: Docker's token flow with login tokens signed by accounts.
import { secretFromFile } from './token-secret-file';

export interface AuthOptions {
  /** Off: anyone may pull, and push as the space owner's proxy (for local development only). Default on. */
  readonly enabled?: boolean;
  /** Pull without logging in; default true. */
  readonly anonymousPull?: boolean;
  /** The gateway's domain (host[:port]) that login tokens must name; default the listen address. */
  readonly service?: string;
  /** The JWT signing secret; replicas behind one load balancer share it. Default: generated once into the data dir. */
  readonly secret?: string | Buffer;
  /** Access token lifetime; default 300 s. */
  readonly tokenTtlSeconds?: number;
  /** `once`: every login token works at /token once (then `docker login`'s refresh token); default `until-expiry`. */
  readonly loginTokenReuse?: 'until-expiry' | 'once';
  /** The longest login token lifetime accepted; default 30 days. */
  readonly maxLoginLifetimeSeconds?: number;
}

export interface ResolvedAuth {
  readonly enabled: boolean;
  readonly anonymousPull: boolean;
  readonly service: string;
  readonly secret: Buffer;
  readonly tokenTtlSeconds: number;
  readonly loginTokenReuse: 'until-expiry' | 'once';
  readonly maxLoginLifetimeSeconds?: number;
  /** Where clients reach the gateway (scheme://host[:port]); the challenge's realm is its /token. */
  readonly publicUrl: string;
}

export function resolveAuth(options: AuthOptions | undefined, defaults: { service: string; secretFile: string; publicUrl?: string }): ResolvedAuth {
  const service = options?.service ?? defaults.service;
  return {
    enabled: options?.enabled ?? true,
    anonymousPull: options?.anonymousPull ?? true,
    service,
    secret: options?.secret === undefined ? secretFromFile(defaults.secretFile) : givenSecret(options.secret),
    tokenTtlSeconds: options?.tokenTtlSeconds ?? 300,
    loginTokenReuse: options?.loginTokenReuse ?? 'until-expiry',
    maxLoginLifetimeSeconds: options?.maxLoginLifetimeSeconds,
    publicUrl: defaults.publicUrl === undefined ? `http://${service}` : checkedPublicUrl(defaults.publicUrl),
  };
}

function checkedPublicUrl(value: string): string {
  try {
    return publicUrlOrigin(value);
  } catch (error) {
    throw new Error(`publicUrl ${JSON.stringify(value)} is ${(error as Error).message}: ${PUBLIC_URL_FIX}`);
  }
}

export const PUBLIC_URL_FIX = 'give the scheme and host (and port) clients reach the gateway at, for example https://registry.example.com';

/**
 * A public URL as `scheme://host[:port]`, or throws saying what it is instead ("not an http or
 * https URL"). Clients are sent to `<publicUrl>/token`, so it names no path, query or credentials.
 */
export function publicUrlOrigin(value: string): string {
  if (/[\x00-\x20\x7f]/.test(value)) throw new Error('not a URL (it holds spaces or control characters)');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not an http or https URL');
  if (url.username || url.password) throw new Error('a URL with credentials');
  if (url.pathname !== '/' || /[?#]/.test(value)) throw new Error('a URL with a path, query or fragment (the token endpoint is always at /token)');
  if (!/^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?)$/.test(url.hostname)) throw new Error('not a URL with a valid host name');
  return url.origin;
}

/**
 * An empty key signs and verifies like any other, so a gateway running on one would take tokens
 * anyone can make (a push as any account): refused, as a key file too short to resist guessing
 * is (token-secret-file.ts).
 */
function givenSecret(secret: string | Buffer): Buffer {
  const bytes = Buffer.from(secret);
  if (bytes.length === 0) throw new Error('auth.secret is empty, and anyone could sign access tokens with an empty key: give at least 32 random bytes, or leave it out for a secret generated into the data dir');
  return bytes;
}
