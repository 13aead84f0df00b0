// The options `hcr space` commands share, and the values they resolve to (flag, then env, then
// the dev chain's default). Resolved when a command runs, so the environment is read then.
import { type Command, Option } from 'commander';
import { DEFAULTS } from '../../../config/defaults';
import { genesisHashOption } from '../../genesis-hash-option';

export const DEFAULT_CHAIN_URL = `ws://${DEFAULTS.devnetHost}:${DEFAULTS.devnetPort}`;

export type WaitFor = 'inBlock' | 'finalized';

export interface ReadFlags {
  chain?: string;
  /** The chain's genesis hash to insist on (--genesis-hash, CHAIN_GENESIS_HASH, chain.genesisHash). */
  genesisHash?: string;
  json?: boolean;
}

export interface KeyFlags {
  suri?: string;
  keyring?: string;
}

export interface TxFlags extends ReadFlags, KeyFlags {
  wait: WaitFor;
}

export interface GatewayFlags {
  gateway?: string;
}

export function addReadOptions(command: Command): Command {
  return command
    .option('--chain <url>', `chain RPC URL (env CHAIN_RPC, default ${DEFAULT_CHAIN_URL})`)
    .addOption(genesisHashOption())
    .option('--json', 'print the result as JSON on stdout (for scripts)');
}

export function addKeyOptions(command: Command): Command {
  return command
    .option('--suri <uri>', 'secret URI of the signing key: a dev path such as //Alice, a mnemonic or a 0x seed (env HCR_SURI; prefer the env for real keys, argv is visible to other users)')
    .option('--keyring <file>', 'a polkadot.js JSON keystore file, as exported by the extension or apps (password from env HCR_KEYRING_PASSWORD, else asked for in the terminal)');
}

export function addTxOptions(command: Command): Command {
  return addKeyOptions(addReadOptions(command)).addOption(
    new Option('--wait <status>', 'return once the transaction is in a block, or once that block is finalized').choices(['inBlock', 'finalized']).default('inBlock'),
  );
}

export function addGatewayOption(command: Command): Command {
  return command.option('--gateway <address>', 'the gateway\'s account address (env GATEWAY_ADDRESS, default the dev chain\'s //Gateway account, on a development chain only: elsewhere its key is public)');
}

export function chainUrl(flags: ReadFlags): string {
  return flags.chain || process.env.CHAIN_RPC || DEFAULT_CHAIN_URL;
}
