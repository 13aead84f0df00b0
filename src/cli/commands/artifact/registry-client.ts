// Talking to a gateway's artifact doors from the CLI: where it is (--registry, HCR_REGISTRY), who
// we are (an API token from --token or HCR_TOKEN, or a login token signed with --suri/--keyring),
// and its JSON errors turned into CliErrors with the exit codes scripts rely on.
import { type Command, Option } from 'commander';
import { createLoginToken } from '../../../gateway/auth/login-token';
import { basicCredentials, discoverTokenService } from '../../../gateway/auth/token-service';
import { DEFAULTS } from '../../../config/defaults';
import { errorAnswerText, STALL_MS } from '../../bounded-answer';
import { CliError, EXIT } from '../../errors';
import { checkedUrl, URL_FLAGS } from '../../url-flags';
import { addKeyOptions, type KeyFlags } from '../space/options';
import { loadSigningKey } from '../space/signing-key';

export interface RegistryFlags extends KeyFlags {
  registry?: string;
  token?: string;
  json?: boolean;
}

export const DEFAULT_REGISTRY = `http://127.0.0.1:${DEFAULTS.gatewayPort}`;

export function addRegistryOptions(command: Command, options: { keys?: boolean } = {}): Command {
  command
    .option('--registry <url>', `the gateway, http(s)://host[:port] or host[:port] (env HCR_REGISTRY, default ${DEFAULT_REGISTRY})`)
    .addOption(new Option('--token <token>', 'an API token (hcrt_…, from `hcr token create`); prefer the env for real tokens (env HCR_TOKEN)').env('HCR_TOKEN'))
    .option('--json', 'print the result as JSON on stdout (for scripts)');
  return options.keys === false ? command : addKeyOptions(command);
}

/** The gateway's base URL: --registry, else HCR_REGISTRY, else the default, checked as every URL flag is (url-flags.ts). */
export function registryUrl(flags: RegistryFlags): string {
  if (flags.registry?.trim()) return checkedUrl('--registry', '', flags.registry, URL_FLAGS.registry);
  if (process.env.HCR_REGISTRY?.trim()) return checkedUrl('--registry', ' (from HCR_REGISTRY)', process.env.HCR_REGISTRY, URL_FLAGS.registry);
  return DEFAULT_REGISTRY;
}

/** The Authorization header: the API token, else a login token signed now, else none (anonymous). */
export async function authorization(flags: RegistryFlags, options: { required?: string } = {}): Promise<string | undefined> {
  if (flags.token) return `Bearer ${flags.token.trim()}`;
  if (flags.suri !== undefined || flags.keyring !== undefined || (options.required && process.env.HCR_SURI)) {
    const pair = await loadSigningKey(flags);
    const service = await discoverTokenService(registryUrl(flags)).catch((error: Error) => {
      throw new CliError(error.message, EXIT.unreachable);
    });
    return basicCredentials(pair.address, await createLoginToken(pair, service, { ttlSeconds: 600 }));
  }
  if (options.required) throw new CliError(`${options.required} needs a token: pass --token (or set HCR_TOKEN) with one from \`hcr token create --scope publish\`, or sign with --suri/--keyring`, EXIT.usage);
  return undefined;
}

/** fetch with the gateway's errors as CliErrors: its JSON message, exit 2 for a bad request, 1 for a refusal, 3 unreachable or unavailable. */
export async function request(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  // A gateway that accepts the connection and never answers must not hold the command forever;
  // the body is read under its own stall limit (bounded-answer.ts), so a long download goes on.
  const headers = new AbortController();
  const timer = setTimeout(() => headers.abort(), STALL_MS);
  try {
    response = await fetch(url, { ...init, signal: headers.signal });
  } catch (error) {
    if (headers.signal.aborted) throw new CliError(`the gateway at ${new URL(url).origin} did not answer within ${STALL_MS / 1000} s: check --registry and that the gateway runs`, EXIT.unreachable);
    throw new CliError(`cannot reach the gateway at ${new URL(url).origin} (${(error as { cause?: Error }).cause?.message ?? (error as Error).message}): check --registry and that the gateway runs`, EXIT.unreachable);
  } finally {
    clearTimeout(timer);
  }
  if (response.ok) return response;
  throw await failure(response);
}

export async function failure(response: Response): Promise<CliError> {
  // Bounded: a hostile gateway's error page may be gigabytes long, or never end.
  const text = await errorAnswerText(response);
  let message = text.trim();
  try {
    const body = JSON.parse(text) as { error?: { message?: string; code?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // A plain-text answer (the firmware routes) is its own message.
  }
  // The request's own mistakes are usage errors; refusals (no permission, an existing version, no match) are failures.
  const code = response.status === 503 ? EXIT.unreachable : response.status === 400 || response.status === 413 ? EXIT.usage : EXIT.failed;
  return new CliError(message || `the gateway answered HTTP ${response.status}`, code);
}
