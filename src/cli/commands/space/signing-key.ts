// The key a command signs with: --suri, else --keyring, else HCR_SURI. Every failure is a
// usage error that says how to give a key, and never repeats the secret.
import type { KeyringPair } from '@polkadot/keyring/types';
import { signerFromUri } from '../../../chain';
import { CliError, EXIT } from '../../errors';
import { loadKeyringFile } from './keyring-file';
import type { KeyFlags } from './options';

const HOW = 'pass --suri (for example --suri //Alice on the dev chain), set HCR_SURI, or pass --keyring FILE with a polkadot.js JSON keystore';

export async function loadSigningKey(flags: KeyFlags): Promise<KeyringPair> {
  if (flags.suri !== undefined && flags.keyring !== undefined) {
    throw new CliError('--suri and --keyring both give a key: pass only one of them', EXIT.usage);
  }
  if (flags.keyring !== undefined) return loadKeyringFile(flags.keyring);
  const uri = flags.suri ?? process.env.HCR_SURI;
  const source = flags.suri !== undefined ? '--suri' : 'HCR_SURI';
  if (uri === undefined || uri.trim() === '') {
    throw new CliError(flags.suri !== undefined ? `--suri is empty: ${HOW}` : `no key to sign with: ${HOW}`, EXIT.usage);
  }
  try {
    return await signerFromUri(uri);
  } catch (error) {
    throw new CliError(`${source}: ${(error as Error).message}`, EXIT.usage);
  }
}
