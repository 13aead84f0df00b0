// Options whose default is an environment variable's value. Commander prints an option's default
// in --help, and such a default is the operator's own setting: HCR_TOKEN is a token, and
// CHAIN_RPC, IPFS_API and GRAPHQL_URL may carry a password or an API key
// (`https://user:PASSWORD@ipfs…`, `wss://API_KEY@rpc…`). --help output is pasted into tickets and
// printed in CI logs, so it names where the default comes from and stars out a URL's password,
// as the logs and the process list do; a secret's value is never shown.
import { Option } from 'commander';
import { scrub } from '../observability/redact';

export interface EnvDefault {
  /** The variable the default is read from. */
  readonly variable: string;
  /** The default when the variable is not set. */
  readonly fallback?: string;
  /** The whole value is a secret (a token): --help names the variable only. */
  readonly secret?: boolean;
}

export function optionFromEnv(flags: string, description: string, { variable, fallback, secret }: EnvDefault): Option {
  const option = new Option(flags, description);
  const value = process.env[variable];
  if (value === undefined) return fallback === undefined ? option : option.default(fallback);
  return option.default(value, secret ? `the value of ${variable}` : `${JSON.stringify(scrub(value))}, from ${variable}`);
}
