// Which account is "the gateway": --gateway, else GATEWAY_ADDRESS, else the dev chain's //Gateway
// account (only right on the dev chain, which is why using it is pointed out).
import { checkAddress, DEV_GATEWAY_URI, signerFromUri } from '../../../chain';
import type { GatewayFlags } from './options';

export interface GatewayAccount {
  readonly address: string;
  /** True when neither --gateway nor GATEWAY_ADDRESS was given. */
  readonly devDefault: boolean;
}

export async function gatewayAccount(flags: GatewayFlags): Promise<GatewayAccount> {
  const [source, value] = flags.gateway !== undefined ? ['--gateway', flags.gateway] : ['GATEWAY_ADDRESS', process.env.GATEWAY_ADDRESS];
  if (value === undefined || (source === 'GATEWAY_ADDRESS' && value === '')) {
    return { address: (await signerFromUri(DEV_GATEWAY_URI)).address, devDefault: true };
  }
  return { address: checkAddress(value, source), devDefault: false };
}

export function devGatewayNote(gateway: GatewayAccount): string {
  return `the dev chain's gateway account ${DEV_GATEWAY_URI} (${gateway.address}); on another chain pass --gateway or set GATEWAY_ADDRESS to your gateway's address`;
}
