// `hcr space grant-gateway`: the signer lets the gateway record pushes for it, by granting the
// gateway's account a NonTransfer proxy (it cannot move the signer's funds).
import type { Command } from 'commander';
import { addProxy, grantGateway, hasGatewayGrant, spaceByOwner } from '../../../chain';
import { devGatewayNote, devGatewayOnDevChain, gatewayAccount } from './gateway-address';
import { addGatewayOption, addTxOptions, type GatewayFlags, type TxFlags } from './options';
import { blockLine, printResult, txJson } from './output';
import { say, withProgress } from './progress';
import { runCommand, withChain } from './session';
import { pinnedCall } from './pinned-calls';
import { loadSigningKey } from './signing-key';

export function registerGrantGateway(space: Command): Command {
  return addGatewayOption(addTxOptions(space.command('grant-gateway')))
    .description('let the gateway record pushes to your space: grant its account a NonTransfer proxy (no access to funds)')
    .action((flags: TxFlags & GatewayFlags) =>
      runCommand(flags, async () => {
        const gateway = await gatewayAccount(flags);
        const signer = await loadSigningKey(flags);
        await withChain(flags, async (api) => {
          await devGatewayOnDevChain(api, gateway);
          if (gateway.devDefault) say(`note: granting to ${devGatewayNote(gateway)}`);
          if (!(await spaceByOwner(api, signer.address))) say(`note: ${signer.address} owns no space yet; the gateway records pushes only to spaces their owner granted it, so create one with hcr space create NAME`);
          // grantGateway builds this same call; checked here, before anything is signed.
          pinnedCall(addProxy(api, gateway.address, 'NonTransfer', 0), { action: 'grant-gateway', gateway: gateway.address });
          const already = await hasGatewayGrant(api, signer.address, gateway.address);
          const result = already ? undefined : await withProgress(api, signer, flags.wait, (options) => grantGateway(api, signer, gateway.address, options));
          if (!result) {
            printResult(flags.json, { owner: signer.address, gateway: gateway.address, granted: true, changed: false }, () => [`the gateway ${gateway.address} already holds a NonTransfer proxy from ${signer.address}; nothing to do`]);
            return;
          }
          printResult(flags.json, { owner: signer.address, gateway: gateway.address, granted: true, changed: true, ...txJson(result, flags.wait) }, () => [
            `granted the gateway ${gateway.address} a NonTransfer proxy for ${signer.address}`,
            blockLine(result, flags.wait),
          ]);
        });
      }),
    );
}
