// How the gateway authenticates: Docker's token flow with login tokens signed by accounts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

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

/** RFC 7518 §3.2: an HS256 key is at least as long as the hash, 32 bytes (what a new file gets). */
const MIN_SECRET_FILE_BYTES = 32;

/**
 * An empty key signs and verifies like any other, so a gateway running on one would take tokens
 * anyone can make (a push as any account): refused, as is a key file too short to resist guessing
 * (an empty file a crash or a `touch` left, or an unset secret mounted as a file).
 */
function givenSecret(secret: string | Buffer): Buffer {
  const bytes = Buffer.from(secret);
  if (bytes.length === 0) throw new Error('auth.secret is empty, and anyone could sign access tokens with an empty key: give at least 32 random bytes, or leave it out for a secret generated into the data dir');
  return bytes;
}

function secretFromFile(file: string): Buffer {
  if (existsSync(file)) return readSecretFile(file);
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32);
  // Written whole under another name, then linked into place only if no file is there yet: a
  // process starting at the same time on this data dir never reads a half-written (empty) file,
  // and both end up with the same secret.
  const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(partial, secret, { mode: 0o600 });
  chmodSync(partial, 0o600);
  try {
    linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecretFile(file);
  } finally {
    rmSync(partial, { force: true });
  }
  return secret;
}

function readSecretFile(file: string): Buffer {
  const secret = readFileSync(file);
  if (secret.length < MIN_SECRET_FILE_BYTES) {
    throw new Error(
      `the token secret ${file} holds ${secret.length} bytes, fewer than the ${MIN_SECRET_FILE_BYTES} an access-token key needs (with a short or empty key anyone could sign tokens and push as any account): delete it to have a new one generated (login tokens stay valid; access and refresh tokens issued before do not, so docker clients log in again), or write the secret the other replicas share into it (head -c 32 /dev/urandom > ${file})`,
    );
  }
  return secret;
}
