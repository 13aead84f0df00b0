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
          const { space, claim } = await findSpace(api, ref);
          const granted = await hasGatewayGrant(api, space.owner, gateway.address);
          const shadows = claim?.shadows.map((shadow) => shadow.id) ?? [];
          if (shadows.length) say(`note: spaces ${shadows.join(', ')} have the same name and are its shadows; this space claimed it first and owns it (show the others by id)`);
          if (claim?.contested) say(`warning: the name is contested: shadow ${claim.writer.id} (owner ${claim.writer.owner}) sorts first in chain storage, so the chain records the name's writes there; gateways with the index still pull this space's images, and refuse pushes to the name`);
          const view = spaceJson(space);
          const json = { ...view, gateway: { address: gateway.address, granted, devDefault: gateway.devDefault }, shadows, takesNameWrites: claim ? claim.writer.id === space.id : undefined };
          printResult(flags.json, json, () => [
            ...spaceLines(view),
            `  gateway  ${granted ? 'granted' : 'not granted'}: ${gateway.devDefault ? devGatewayNote(gateway) : gateway.address}`,
          ]);
        });
      }),
    );
}
