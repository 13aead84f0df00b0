// `hcr space …`: create and manage registry spaces from a terminal or a script.
import type { Command } from 'commander';
import { registerAddMember } from './add-member';
import { registerCreate } from './create';
import { registerGrantGateway } from './grant-gateway';
import { registerLs } from './ls';
import { registerRevokeGateway } from './revoke-gateway';
import { registerShow } from './show';
import { describeCommand } from '../../command-summaries';

const EXIT_CODES = `
Exit codes (stable, for scripts):
  0  success (including "nothing to do", e.g. the gateway was already granted)
  1  the chain refused the transaction: the reason in words, then its code (e.g. ContainerRegistry.UserAlreadyHasSpace);
     also when its outcome is unknown (no block within the time allowed)
  2  bad usage or input: an invalid address, space name or id, no key, a keystore that cannot be unlocked
  3  the chain cannot be reached (or is not a registry chain) at --chain / CHAIN_RPC, or is not the chain --genesis-hash pins

Progress goes to stderr and the result to stdout; with --json the result (or {"error": …}) is JSON.
The key: --suri URI or env HCR_SURI, or --keyring FILE (password from env HCR_KEYRING_PASSWORD or typed).`;

export function registerSpace(program: Command): void {
  const space = program
    .command('space')
    .description(describeCommand('space'))
    .addHelpText('after', EXIT_CODES);
  for (const register of [registerCreate, registerAddMember, registerGrantGateway, registerRevokeGateway, registerLs, registerShow]) {
    register(space).addHelpText('after', EXIT_CODES);
  }
}
