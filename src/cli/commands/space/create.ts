// `hcr space create NAME`: creates the signer's space (an account may own one).
import type { Command } from 'commander';
import { checkRepoName, createSpace, findEvent } from '../../../chain';
import { CliError } from '../../errors';
import { addTxOptions, type TxFlags } from './options';
import { blockLine, printResult, txJson } from './output';
import { submitWithProgress } from './progress';
import { runCommand, withChain } from './session';
import { loadSigningKey } from './signing-key';

export function registerCreate(space: Command): Command {
  return addTxOptions(space.command('create').argument('<name>', 'the space\'s name: the first path component of its images (lowercase letters, digits, ".", "_", "-")'))
    .description('create a space owned by the signer')
    .action((name: string, flags: TxFlags) =>
      runCommand(flags, async () => {
        const spaceName = checkRepoName(name, 'NAME');
        const signer = await loadSigningKey(flags);
        await withChain(flags, async (api) => {
          const result = await submitWithProgress(api, createSpace(api, spaceName), signer, flags.wait);
          const created = findEvent(result.events, 'containerRegistry', 'SpaceCreated');
          if (!created) throw new CliError(`the transaction was included in block #${result.blockNumber} but no SpaceCreated event was found: check the chain with hcr space ls --owner ${signer.address}`);
          const id = created.data[0].toString();
          printResult(flags.json, { spaceId: id, name: spaceName, owner: signer.address, ...txJson(result, flags.wait) }, () => [
            `created space ${id} "${spaceName}", owned by ${signer.address}`,
            blockLine(result, flags.wait),
          ]);
        });
      }),
    );
}
