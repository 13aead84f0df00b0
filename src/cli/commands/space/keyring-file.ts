// A polkadot.js JSON keystore (one account, as "Export account" in the extension or apps writes
// it), unlocked with HCR_KEYRING_PASSWORD or a password typed into the terminal.
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair, KeyringPair$Json } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { SS58_PREFIX } from '../../../chain';
import { CliError, EXIT } from '../../errors';
import { canAskForPassword, readPasswordFromTerminal } from './password';

const KEY_TYPES = ['sr25519', 'ed25519', 'ecdsa'] as const;
type FileKeyType = (typeof KEY_TYPES)[number];

export async function loadKeyringFile(path: string): Promise<KeyringPair> {
  const json = readKeystore(path);
  const type = keyTypeOf(path, json);
  await cryptoWaitReady();
  let pair: KeyringPair;
  try {
    pair = new Keyring({ type, ss58Format: SS58_PREFIX }).addFromJson(json);
  } catch (error) {
    throw new CliError(`--keyring ${path}: the keystore cannot be read (${(error as Error).message}): export the account again from the wallet`, EXIT.usage);
  }
  const encrypted = json.encoding.type.includes('xsalsa20-poly1305');
  const password = encrypted ? await keystorePassword(path, pair.address) : undefined;
  try {
    pair.unlock(password);
  } catch {
    throw new CliError(
      encrypted
        ? `--keyring ${path}: the password does not unlock this keystore: check HCR_KEYRING_PASSWORD (or what you typed); it is the password chosen when the account was exported`
        : `--keyring ${path}: the keystore is damaged: export the account again from the wallet`,
      EXIT.usage,
    );
  }
  return pair;
}

function readKeystore(path: string): KeyringPair$Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError(`--keyring ${path}: cannot read the file (${reason}): give the path of a JSON keystore exported from a polkadot.js wallet`, EXIT.usage);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`--keyring ${path}: the file is not JSON: give a JSON keystore exported from a polkadot.js wallet ("Export account")`, EXIT.usage);
  }
  const candidate = json as Partial<KeyringPair$Json> | null;
  if (!candidate || typeof candidate.encoded !== 'string' || !Array.isArray(candidate.encoding?.content) || !Array.isArray(candidate.encoding?.type)) {
    throw new CliError(`--keyring ${path}: the JSON is not a polkadot.js keystore (no "encoded" and "encoding"): export the account from the wallet with "Export account"`, EXIT.usage);
  }
  return candidate as KeyringPair$Json;
}

function keyTypeOf(path: string, json: KeyringPair$Json): FileKeyType {
  const [content, type] = json.encoding.content as string[];
  if (content === 'batch-pkcs8') {
    throw new CliError(`--keyring ${path}: this is an export of several accounts: export the one account you sign with ("Export account") and pass that file`, EXIT.usage);
  }
  if (!KEY_TYPES.includes(type as FileKeyType)) {
    throw new CliError(`--keyring ${path}: keys of type ${JSON.stringify(type ?? 'unknown')} cannot sign for Hippius accounts: use an sr25519, ed25519 or ecdsa account`, EXIT.usage);
  }
  return type as FileKeyType;
}

async function keystorePassword(path: string, address: string): Promise<string> {
  const fromEnv = process.env.HCR_KEYRING_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!canAskForPassword()) {
    throw new CliError(`--keyring ${path}: the keystore is encrypted and no password was given: set HCR_KEYRING_PASSWORD, or run the command in a terminal to type it`, EXIT.usage);
  }
  return readPasswordFromTerminal(`password for ${address} (${path}): `);
}
