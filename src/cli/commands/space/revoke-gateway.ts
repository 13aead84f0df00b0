// `hcr space revoke-gateway`: removes the gateway's NonTransfer proxy; pushes through the gateway
// can no longer be recorded for the signer.
import type { Command } from 'commander';
import { hasGatewayGrant, removeProxy, revokeGateway } from '../../../chain';
import { devGatewayNote, gatewayAccount } from './gateway-address';
import { addGatewayOption, addTxOptions, type GatewayFlags, type TxFlags } from './options';
import { blockLine, printResult, txJson } from './output';
import { say, withProgress } from './progress';
import { runCommand, withChain } from './session';
import { pinnedCall } from './pinned-calls';
import { loadSigningKey } from './signing-key';

export function registerRevokeGateway(space: Command): Command {
  return addGatewayOption(addTxOptions(space.command('revoke-gateway')))
    .description('stop the gateway recording pushes for you: remove its NonTransfer proxy')
    .action((flags: TxFlags & GatewayFlags) =>
      runCommand(flags, async () => {
        const gateway = await gatewayAccount(flags);
        const signer = await loadSigningKey(flags);
        if (gateway.devDefault) say(`note: revoking from ${devGatewayNote(gateway)}`);
        await withChain(flags, async (api) => {
          // revokeGateway builds this same call; checked here, before anything is signed.
          pinnedCall(removeProxy(api, gateway.address, 'NonTransfer', 0), { action: 'revoke-gateway', gateway: gateway.address });
          const granted = await hasGatewayGrant(api, signer.address, gateway.address);
          const result = granted ? await withProgress(api, signer, flags.wait, (options) => revokeGateway(api, signer, gateway.address, options)) : undefined;
          if (!result) {
            printResult(flags.json, { owner: signer.address, gateway: gateway.address, granted: false, changed: false }, () => [`the gateway ${gateway.address} holds no NonTransfer proxy from ${signer.address}; nothing to do`]);
            return;
          }
          printResult(flags.json, { owner: signer.address, gateway: gateway.address, granted: false, changed: true, ...txJson(result, flags.wait) }, () => [
            `revoked the gateway ${gateway.address}'s NonTransfer proxy for ${signer.address}`,
            blockLine(result, flags.wait),
          ]);
        });
      }),
    );
}
