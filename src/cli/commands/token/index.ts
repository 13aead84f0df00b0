// `hcr token create|ls|revoke`: long-lived API tokens for CI and devices, minted by the account
// whose key signs a login (--suri, --keyring) or by an admin token (--token). The secret is
// printed once; the gateway keeps only its hash.
import type { Command } from 'commander';
import { CliError, EXIT } from '../../errors';
import { jsonAnswer } from '../../bounded-answer';
import { jsonText } from '../../json-output';
import { terminalName, terminalText } from '../../terminal-text';
import { runCommand } from '../space/session';
import { addRegistryOptions, authorization, registryUrl, type RegistryFlags, request } from '../artifact/registry-client';
import { describeCommand } from '../../command-summaries';

interface CreateFlags extends RegistryFlags {
  name: string;
  scope: string[];
  expiresDays?: string;
}

interface TokenInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  token?: string;
}

const HELP = `
Scopes: read (download and list), publish (also publish to the spaces the account may push to),
admin (also mint and revoke the account's tokens). A token never grants more than its account:
the gateway still checks, for every publish, that the account owns the space or is a member.
Send a token as "Authorization: Bearer <token>" (gRPC: the authorization metadata).

Exit codes: 0 done; 1 the gateway refused; 2 bad usage; 3 the gateway is unreachable.`;

const repeat = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
const print = (text: string): void => void process.stdout.write(`${text}\n`);
const scopesText = (scopes: unknown, separator: string): string => terminalText(Array.isArray(scopes) ? scopes.map(String).join(separator) : String(scopes));

async function authHeaders(flags: RegistryFlags): Promise<Record<string, string>> {
  const auth = await authorization(flags, { required: 'managing tokens' });
  return { authorization: auth! };
}

export function registerToken(program: Command): void {
  const token = program.command('token').description(describeCommand('token')).addHelpText('after', HELP);
  addRegistryOptions(token.command('create'))
    .description('mint a token (its secret is printed once)')
    .requiredOption('--name <name>', 'what the token is for, for example ci or device-42')
    .option('--scope <scope>', 'read, publish or admin (repeatable, or comma-separated)', repeat, [])
    .option('--expires-days <days>', 'lifetime in days (default: no expiry)')
    .addHelpText('after', HELP)
    .action((flags: CreateFlags) =>
      runCommand(flags, async () => {
        const days = flags.expiresDays === undefined ? undefined : Number(flags.expiresDays);
        if (days !== undefined && (!Number.isInteger(days) || days < 1)) throw new CliError('--expires-days takes a whole number of days, 1 or more', EXIT.usage);
        const response = await request(`${registryUrl(flags)}/api/tokens`, {
          method: 'POST',
          headers: { ...(await authHeaders(flags)), 'content-type': 'application/json' },
          body: JSON.stringify({ name: flags.name, scopes: flags.scope.length > 0 ? flags.scope : ['read'], expiresInDays: days }),
        });
        const created = await jsonAnswer<TokenInfo>(response);
        if (flags.json) return print(jsonText(created, 2));
        // Every field is the gateway's answer: escaped so it cannot rewrite the terminal.
        process.stderr.write(`token ${terminalText(String(created.id))} "${terminalText(String(created.name))}" (${scopesText(created.scopes, ', ')}${created.expiresAt ? `, until ${terminalText(String(created.expiresAt))}` : ''}); it is shown once, keep it like a password:\n`);
        print(terminalName(String(created.token)));
      }),
    );
  addRegistryOptions(token.command('ls'))
    .description('list the account\'s tokens')
    .action((flags: RegistryFlags) =>
      runCommand(flags, async () => {
        const body = await jsonAnswer<{ account: string; tokens: TokenInfo[] }>(await request(`${registryUrl(flags)}/api/tokens`, { headers: await authHeaders(flags) }));
        if (flags.json) return print(jsonText(body, 2));
        if (body.tokens.length === 0) return void process.stderr.write(`${terminalText(String(body.account))} has no tokens\n`);
        // Names are free text kept by the gateway: escaped so they cannot rewrite the terminal.
        for (const t of body.tokens) print(`${terminalText(String(t.id))}  ${terminalText(String(t.name))}  ${scopesText(t.scopes, ',')}  ${t.revokedAt ? `revoked ${terminalText(String(t.revokedAt))}` : t.expiresAt ? `until ${terminalText(String(t.expiresAt))}` : 'no expiry'}`);
      }),
    );
  addRegistryOptions(token.command('revoke').argument('<id>', 'the token\'s id (hcr token ls)'))
    .description('revoke a token, and the tokens it minted: they are refused from then on')
    .action((id: string, flags: RegistryFlags) =>
      runCommand(flags, async () => {
        const revoked = await jsonAnswer<TokenInfo>(await request(`${registryUrl(flags)}/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE', headers: await authHeaders(flags) }));
        if (flags.json) return print(jsonText(revoked, 2));
        print(`revoked ${terminalText(String(revoked.id))} "${terminalText(String(revoked.name))}" at ${terminalText(String(revoked.revokedAt))}`);
      }),
    );
}
