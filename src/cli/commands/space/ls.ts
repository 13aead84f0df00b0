// `hcr space ls`: every space, or those an account owns or is a member of.
import type { Command } from 'commander';
import { checkAddress, isSpaceMember, listSpaces } from '../../../chain';
import { addReadOptions, type ReadFlags } from './options';
import { printResult, spaceJson, spaceTable } from './output';
import { runCommand, withChain } from './session';

interface LsFlags extends ReadFlags {
  owner?: string;
  member?: string;
}

export function registerLs(space: Command): Command {
  return addReadOptions(space.command('ls'))
    .description('list spaces (all of them, or filtered by owner and member)')
    .option('--owner <address>', 'only the space this account owns')
    .option('--member <address>', 'only spaces this account is a member of (owners are members of their own)')
    .action((flags: LsFlags) =>
      runCommand(flags, async () => {
        const owner = flags.owner === undefined ? undefined : checkAddress(flags.owner, '--owner');
        const member = flags.member === undefined ? undefined : checkAddress(flags.member, '--member');
        await withChain(flags, async (api) => {
          const spaces = (await listSpaces(api)).filter((s) => (owner === undefined || s.owner === owner) && (member === undefined || isSpaceMember(s, member)));
          const rows = spaces.map(spaceJson);
          printResult(flags.json, rows, () => spaceTable(rows));
        });
      }),
    );
}
