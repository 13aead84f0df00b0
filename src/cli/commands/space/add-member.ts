// `hcr space add-member SPACE ADDRESS`: the space's owner adds an account to its members.
import type { Command } from 'commander';
import { addSpaceMember, checkAddress, getSpace } from '../../../chain';
import { addTxOptions, type TxFlags } from './options';
import { blockLine, printResult, txJson } from './output';
import { submitWithProgress } from './progress';
import { runCommand, withChain } from './session';
import { pinnedCall } from './pinned-calls';
import { loadSigningKey } from './signing-key';
import { ownSpaceId, parseSpaceRef } from './space-ref';

export function registerAddMember(space: Command): Command {
  return addTxOptions(
    space
      .command('add-member')
      .argument('<space>', 'the space\'s id, or its name (meaning the space of that name the signer owns)')
      .argument('<address>', 'the new member\'s account address (SS58)'),
  )
    .description('add a member to a space the signer owns')
    .action((spaceArg: string, address: string, flags: TxFlags) =>
      runCommand(flags, async () => {
        const ref = parseSpaceRef(spaceArg);
        const member = checkAddress(address, 'ADDRESS');
        const signer = await loadSigningKey(flags);
        await withChain(flags, async (api) => {
          const spaceId = await ownSpaceId(api, ref, signer.address);
          // The pallet lists a member twice if asked twice; the owner asking again is a no-op here
          // instead. Anything else (no such space, not the owner) is for the chain to refuse.
          const space = await getSpace(api, spaceId);
          if (space?.owner === signer.address && space.members.includes(member)) {
            printResult(flags.json, { spaceId, member, added: false, alreadyMember: true }, () => [`${member} is already a member of space ${spaceId}; nothing to do`]);
            return;
          }
          const tx = pinnedCall(addSpaceMember(api, spaceId, member), { action: 'add-member', spaceId, member });
          const result = await submitWithProgress(api, tx, signer, flags.wait);
          printResult(flags.json, { spaceId, member, added: true, alreadyMember: false, ...txJson(result, flags.wait) }, () => [
            `added ${member} to space ${spaceId}`,
            blockLine(result, flags.wait),
          ]);
        });
      }),
    );
}
