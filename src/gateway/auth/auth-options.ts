// How the gateway authenticates: Docker's token flow with login tokens signed by accounts.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
}

export function resolveAuth(options: AuthOptions | undefined, defaults: { service: string; secretFile: string }): ResolvedAuth {
  return {
    enabled: options?.enabled ?? true,
    anonymousPull: options?.anonymousPull ?? true,
    service: options?.service ?? defaults.service,
    secret: options?.secret === undefined ? secretFromFile(defaults.secretFile) : Buffer.from(options.secret),
    tokenTtlSeconds: options?.tokenTtlSeconds ?? 300,
    loginTokenReuse: options?.loginTokenReuse ?? 'until-expiry',
    maxLoginLifetimeSeconds: options?.maxLoginLifetimeSeconds,
  };
}

function secretFromFile(file: string): Buffer {
  if (existsSync(file)) return readFileSync(file);
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, secret, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
