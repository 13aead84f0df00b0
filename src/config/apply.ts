// Applies a configuration file to the command about to run. Precedence: a flag given on the
// command line, then its environment variable, then the file, then the built-in default. A
// setting read from the environment by a child process (the processor, GraphQL) is passed on
// as that variable when the environment does not set it already.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { RateLimit } from '../limits/rate-limiter';
import type { ConfigValue, LoadedConfig } from './file';
import { SETTINGS } from './schema';

export function applyConfig(command: Command, config: LoadedConfig, env: NodeJS.ProcessEnv = process.env): void {
  const name = command.name();
  // What the environment set before the file was read: a variable the file sets below for one
  // key must not pass for the operator's own when another key shares it (IPFS_API).
  const given = new Set(Object.keys(env).filter((variable) => env[variable] !== undefined && env[variable] !== ''));
  for (const [key, value] of config.values) {
    const setting = SETTINGS[key];
    if (setting.env && given.has(setting.env)) continue;
    if (setting.flag?.commands.includes(name)) {
      const source = command.getOptionValueSource(setting.flag.option);
      // An empty variable (as compose passes an unset one) leaves the file's value in force.
      if (source === 'cli' || (source === 'env' && !setting.env)) continue;
      command.setOptionValueWithSource(setting.flag.option, typeof value === 'boolean' ? value : Array.isArray(value) ? [...value] : String(value), 'config');
    } else if (setting.env && !flagOwnsVariable(setting.env, name)) {
      env[setting.env] = typeof value === 'boolean' && setting.env === 'GQL_RESPONSE_CACHE' ? (value ? 'on' : 'off') : Array.isArray(value) ? value.join(',') : String(value);
    }
  }
  if (name === 'gateway' || name === 'mirror' || name === 'dev') {
    const suriFile = config.values.get('gateway.suriFile') as string | undefined;
    if (suriFile && !env.GATEWAY_SURI) env.GATEWAY_SURI = readSecretFile(suriFile, 'gateway.suriFile');
    const limits = gatewayLimits(config.values);
    if (limits) command.setOptionValueWithSource('limits', limits, 'config');
  }
}

/** Whether another key sets `variable`'s value for this command through its flag (gateway.ipfsApi and contentIndex.ipfsApi share IPFS_API). */
function flagOwnsVariable(variable: string, command: string): boolean {
  return Object.values(SETTINGS).some((setting) => setting.env === variable && setting.flag?.commands.includes(command));
}

/**
 * GATEWAY_SURI_FILE: the gateway's key read from a file (compose's and Kubernetes' secrets are
 * files under /run/secrets), so that it is not in the container's environment for `docker inspect`
 * to show. GATEWAY_SURI, when set, wins; the variable wins over a configuration file's suriFile.
 */
export function applySuriFileVariable(command: string, env: NodeJS.ProcessEnv = process.env): void {
  if (command !== 'gateway' && command !== 'mirror' && command !== 'dev') return;
  const file = env.GATEWAY_SURI_FILE;
  if (file && !env.GATEWAY_SURI) env.GATEWAY_SURI = readSecretFile(file, 'GATEWAY_SURI_FILE');
}

function readSecretFile(file: string, setting: string): string {
  let uri: string;
  try {
    uri = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new Error(`${setting} ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give a file the gateway may read holding the key's secret URI`);
  }
  // An empty file would make a read-only replica without a word: the operator meant a key.
  if (!uri) throw new Error(`${setting} ${file} is empty: write the secret URI of the gateway's key in it`);
  return uri;
}

/** gateway.limits.* as the gateway's `limits` option, or undefined when the file sets none. */
function gatewayLimits(values: ReadonlyMap<string, ConfigValue>): Record<string, Record<string, RateLimit | number>> | undefined {
  const limits: Record<string, Record<string, RateLimit | number>> = {};
  for (const [key, value] of values) {
    const match = /^gateway\.limits\.(\w+)\.(\w+)$/.exec(key);
    if (!match) continue;
    (limits[match[1]] ??= {})[match[2]] = value as RateLimit | number;
  }
  return Object.keys(limits).length > 0 ? limits : undefined;
}
