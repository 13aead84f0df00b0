// `hcr login [GATEWAY]`: signs a login token for a gateway with the account's key and prints the
// `docker login` command that uses it, or writes it into Docker's config with --write. Nothing
// goes to the chain: the gateway checks the signature and the account's spaces itself.
import type { Command } from 'commander';
// The token module alone: the gateway's server code is not needed to sign a login.
import { createLoginToken, DEFAULT_LOGIN_TTL_SECONDS } from '../../../gateway/auth/login-token';
import { isRegistryAddress } from '../../../chain/validate';
import { DEFAULTS } from '../../../config/defaults';
import { CliError, EXIT } from '../../errors';
import { jsonText } from '../../json-output';
import { checkedUrl, type UrlFlag, withLoginStarred } from '../../url-flags';
import { addKeyOptions, type KeyFlags } from '../space/options';
import { runCommand } from '../space/session';
import { loadSigningKey } from '../space/signing-key';
import { dockerConfigPath, writeDockerLogin } from './docker-config';
import { describeCommand } from '../../command-summaries';

interface LoginFlags extends KeyFlags {
  ttl: string;
  printToken?: boolean;
  write?: boolean;
  json?: boolean;
}

const DEFAULT_GATEWAY = `127.0.0.1:${DEFAULTS.gatewayPort}`;

const HELP = `
The token is the docker password and the account's address the username. Anyone holding the
token can act as the account at that gateway until it expires: keep it like a password.

Exit codes: 0 success; 1 the Docker config could not be written; 2 bad usage or input (no key, a
gateway that is not host[:port], a Docker config that uses a credential store with --write).`;

export function registerLogin(program: Command): void {
  addKeyOptions(program.command('login').argument('[gateway]', `the gateway as docker addresses it, host[:port] (env HCR_GATEWAY, default ${DEFAULT_GATEWAY})`))
    .description(describeCommand('login'))
    .option('--ttl <duration>', 'how long the token is valid: seconds, or a number with s, m, h or d (gateways refuse more than they allow, 30 days by default)', `${DEFAULT_LOGIN_TTL_SECONDS / 3600}h`)
    .option('--print-token', 'print only the token (for docker login --password-stdin)')
    .option('--write', 'write the login into the Docker config ($DOCKER_CONFIG/config.json or ~/.docker/config.json)')
    .option('--json', 'print gateway, username, token, expiry and the docker login command as JSON')
    .addHelpText('after', HELP)
    .action((gatewayArg: string | undefined, flags: LoginFlags) =>
      runCommand(flags, async () => {
        const domain = gatewayArg !== undefined ? gatewayDomain(gatewayArg) : process.env.HCR_GATEWAY?.trim() ? gatewayDomain(process.env.HCR_GATEWAY, ' (from HCR_GATEWAY)') : DEFAULT_GATEWAY;
        const ttlSeconds = parseTtl(flags.ttl);
        const pair = await loadSigningKey(flags);
        const now = new Date();
        const token = await createLoginToken(pair, domain, { ttlSeconds, now });
        const expiresAt = new Date((Math.floor(now.getTime() / 1000) + ttlSeconds) * 1000).toISOString();
        const command = `printf '%s' '${token}' | docker login ${domain} --username ${pair.address} --password-stdin`;
        const configFile = flags.write ? dockerConfigPath() : undefined;
        if (configFile) await writeDockerLogin(configFile, domain, pair.address, token);

        if (flags.json) return print(jsonText({ gateway: domain, username: pair.address, token, expiresAt, dockerLogin: command, configFile }, 2));
        if (flags.printToken) return print(token);
        if (configFile) return print(`logged in to ${domain} as ${pair.address} in ${configFile}, until ${expiresAt}`);
        process.stderr.write(`login token for ${pair.address} at ${domain}, valid until ${expiresAt}; log docker in with (or pass --write):\n`);
        print(command);
      }),
    );
}

const print = (text: string) => {
  process.stdout.write(`${text}\n`);
};

const REGISTRY_ADDRESS_FIX = `give host[:port] as you would to docker, for example ${DEFAULT_GATEWAY} or registry.example.org`;

/**
 * The gateway, checked by the rule every URL flag follows (url-flags.ts): the value quoted with its
 * login starred out and where it came from. Docker names a registry by host[:port] alone, so a
 * path is refused, and so is a login: docker's username and password are the account and the token.
 */
const LOGIN_GATEWAY: UrlFlag = {
  schemes: ['http', 'https'],
  bareHost: true,
  notUrl: 'is not a registry address',
  noLogin: 'give the gateway as host[:port] alone (hcr login signs the password docker sends, for the account of --suri or --keyring)',
  problem: (url) => (url.pathname !== '/' || url.search || url.hash ? 'is not a registry address (it has a path, query or fragment)' : undefined),
  fix: REGISTRY_ADDRESS_FIX,
};

/** host[:port] as docker names registries; a URL is accepted and reduced to that. `where`: the variable it came from. */
export function gatewayDomain(value: string, where = ''): string {
  const domain = checkedUrl('gateway', where, value, LOGIN_GATEWAY).replace(/^https?:\/\//i, '');
  if (isRegistryAddress(domain)) return domain;
  throw new CliError(`gateway ${JSON.stringify(withLoginStarred(value.trim()))}${where} is not a registry address: ${REGISTRY_ADDRESS_FIX}`, EXIT.usage);
}

const UNIT_SECONDS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

export function parseTtl(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value.trim());
  const seconds = match ? Number(match[1]) * UNIT_SECONDS[match[2]] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new CliError(`--ttl ${JSON.stringify(value)} is not a duration: give seconds or a number with s, m, h or d, for example 12h`, EXIT.usage);
  return seconds;
}
