// Which account is "the gateway": --gateway, else GATEWAY_ADDRESS, else the dev chain's //Gateway
// account (only right on the dev chain, which is why using it is pointed out). //Gateway's key
// comes from the public dev phrase, so on any other chain anyone can sign as it: a proxy granted
// to it there lets everyone act for the granter, and the default is refused (devGatewayOnDevChain).
import type { ApiPromise } from '@polkadot/api';
import { checkAddress, DEV_GATEWAY_URI, signerFromUri } from '../../../chain';
import { CliError, EXIT } from '../../errors';
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

/** Substrate's system_chainType of chains whose accounts may be the public dev keys. */
const DEV_CHAIN_TYPES: readonly string[] = ['Development', 'Local'];

/**
 * Refuses the dev //Gateway default unless the chain says it is a development (or local) chain,
 * as the dev chain does: granting a proxy to an account whose key anyone can derive would let
 * anyone act for the signer on a live chain. A chain that does not answer counts as live.
 */
export async function devGatewayOnDevChain(api: ApiPromise, gateway: GatewayAccount): Promise<void> {
  if (!gateway.devDefault) return;
  let type: string | undefined;
  try {
    type = (await api.rpc.system.chainType()).type;
  } catch {
    type = undefined;
  }
  if (type !== undefined && DEV_CHAIN_TYPES.includes(type)) return;
  throw new CliError(
    `no gateway was named, and the default, the dev chain's gateway account ${DEV_GATEWAY_URI} (${gateway.address}), is only for a development chain: ` +
      `this chain ${type === undefined ? 'does not say it is one' : `is a ${type} chain`}, where anyone can sign as ${DEV_GATEWAY_URI} (its key comes from the public dev phrase), so a proxy granted to it would let anyone act for you. ` +
      'Pass --gateway ADDRESS or set GATEWAY_ADDRESS to your gateway\'s account address (its page\'s /api/config gives it as gatewayAddress)',
    EXIT.usage,
  );
}
