// `hcr space create NAME`: creates the signer's space (an account may own one). A name another
// space already claimed is refused unless --allow-shadow says to make a shadow of it anyway.
import type { Command } from 'commander';
import { checkRepoName, createSpace, findEvent, nameClaim, nameTakenText } from '../../../chain';
import { CliError, EXIT } from '../../errors';
import { addTxOptions, type TxFlags } from './options';
import { blockLine, printResult, txJson } from './output';
import { submitWithProgress } from './progress';
import { runCommand, withChain } from './session';
import { pinnedCall } from './pinned-calls';
import { loadSigningKey } from './signing-key';

interface CreateFlags extends TxFlags {
  allowShadow?: boolean;
}

export function registerCreate(space: Command): Command {
  return addTxOptions(space.command('create').argument('<name>', 'the space\'s name: the first path component of its images (lowercase letters, digits, ".", "_", "-")'))
    .option('--allow-shadow', 'create the space even if another space already has the name: it becomes a shadow, whose images pulls of NAME/… never resolve to')
    .description('create a space owned by the signer')
    .action((name: string, flags: CreateFlags) =>
      runCommand(flags, async () => {
        const spaceName = checkRepoName(name, 'NAME');
        const signer = await loadSigningKey(flags);
        await withChain(flags, async (api) => {
          const taken = await nameClaim(api, spaceName);
          if (taken && !flags.allowShadow) {
            throw new CliError(`${nameTakenText(spaceName, taken)}. Pick another name, or pass --allow-shadow to create the shadow anyway.`, EXIT.usage);
          }
          if (taken) console.error(`warning: ${nameTakenText(spaceName, taken)}.`);
          const tx = pinnedCall(createSpace(api, spaceName), { action: 'create-space', name: spaceName });
          const result = await submitWithProgress(api, tx, signer, flags.wait);
          const created = findEvent(result.events, 'containerRegistry', 'SpaceCreated');
          if (!created) throw new CliError(`the transaction was included in block #${result.blockNumber} but no SpaceCreated event was found: check the chain with hcr space ls --owner ${signer.address}`);
          const id = created.data[0].toString();
          const claim = await nameClaim(api, spaceName);
          const shadowOf = claim && claim.owner.id !== id ? claim.owner.id : undefined;
          printResult(flags.json, { spaceId: id, name: spaceName, owner: signer.address, ...(shadowOf ? { shadowOf, takesNameWrites: claim!.writer.id === id } : {}), ...txJson(result, flags.wait) }, () => [
            `created space ${id} "${spaceName}", owned by ${signer.address}`,
            ...(shadowOf ? [`it is a shadow of space ${shadowOf}${claim!.writer.id === id ? `, and sorts first in chain storage: the name is now contested, and gateways refuse pushes to it` : ''}`] : []),
            blockLine(result, flags.wait),
          ]);
        });
      }),
    );
}
