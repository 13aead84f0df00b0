// `hcr space show SPACE`: one space, with whether its owner has granted the gateway its proxy.
import type { Command } from 'commander';
import { hasGatewayGrant } from '../../../chain';
import { devGatewayNote, gatewayAccount } from './gateway-address';
import { addGatewayOption, addReadOptions, type GatewayFlags, type ReadFlags } from './options';
import { printResult, spaceJson, spaceLines } from './output';
import { say } from './progress';
import { runCommand, withChain } from './session';
import { findSpace, parseSpaceRef } from './space-ref';

export function registerShow(space: Command): Command {
  return addGatewayOption(addReadOptions(space.command('show').argument('<space>', 'the space\'s id or name')))
    .description('show a space: owner, members, images, and whether the gateway may record pushes to it')
    .action((spaceArg: string, flags: ReadFlags & GatewayFlags) =>
      runCommand(flags, async () => {
        const ref = parseSpaceRef(spaceArg);
        const gateway = await gatewayAccount(flags);
        await withChain(flags, async (api) => {
          const { space, others } = await findSpace(api, ref);
          const granted = await hasGatewayGrant(api, space.owner, gateway.address);
          if (others.length) say(`note: spaces ${others.join(', ')} have the same name; this is the one pushes to that name are recorded in (show the others by id)`);
          const view = spaceJson(space);
          const json = { ...view, gateway: { address: gateway.address, granted, devDefault: gateway.devDefault }, sameName: others };
          printResult(flags.json, json, () => [
            ...spaceLines(view),
            `  gateway  ${granted ? 'granted' : 'not granted'}: ${gateway.devDefault ? devGatewayNote(gateway) : gateway.address}`,
          ]);
        });
      }),
    );
}
