// The runtime's identity: spec name and version, the runtime APIs it advertises, chain
// properties. Bump SPEC_VERSION whenever the metadata changes (a test holds the two together).
import { bnToU8a, compactToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';

export const SPEC_NAME = 'hippius';
export const IMPL_NAME = 'hcr-devnet';
export const SPEC_VERSION = 9201;
export const TRANSACTION_VERSION = 1;
export const SS58_PREFIX = 42;
export const TOKEN_SYMBOL = 'hALPHA';
export const TOKEN_DECIMALS = 18;
export const CHAIN_NAME = 'Hippius Development';

/** Runtime API traits and versions, identified by blake2_64 of the trait name as Substrate does. */
const RUNTIME_APIS: [string, number][] = [
  ['Core', 5],
  ['Metadata', 2],
  ['BlockBuilder', 6],
  ['TaggedTransactionQueue', 3],
  ['OffchainWorkerApi', 2],
  ['SessionKeys', 1],
  ['AccountNonceApi', 1],
  ['TransactionPaymentApi', 4],
  ['TransactionPaymentCallApi', 3],
  ['GenesisBuilder', 1],
];

export const runtimeApis = (): [string, number][] => RUNTIME_APIS.map(([name, version]) => [u8aToHex(blake2AsU8a(name, 64)), version]);

export interface RuntimeVersionJson {
  specName: string;
  implName: string;
  authoringVersion: number;
  specVersion: number;
  implVersion: number;
  apis: [string, number][];
  transactionVersion: number;
  stateVersion: number;
}

export function runtimeVersion(): RuntimeVersionJson {
  return {
    specName: SPEC_NAME,
    implName: IMPL_NAME,
    authoringVersion: 1,
    specVersion: SPEC_VERSION,
    implVersion: 1,
    apis: runtimeApis(),
    transactionVersion: TRANSACTION_VERSION,
    stateVersion: 1,
  };
}

export const encodeU32 = (n: number | bigint) => bnToU8a(n, { bitLength: 32 });
export const encodeU64 = (n: number | bigint) => bnToU8a(n, { bitLength: 64 });
export const encodeU128 = (n: number | bigint) => bnToU8a(n, { bitLength: 128 });

const encodeStr = (s: string) => {
  const bytes = stringToU8a(s);
  return u8aConcat(compactToU8a(bytes.length), bytes);
};

/** SCALE of sp_version::RuntimeVersion, as `Core_version` and the System.Version constant give it. */
export function encodeRuntimeVersionConstant(): Uint8Array {
  const v = runtimeVersion();
  return u8aConcat(
    encodeStr(v.specName),
    encodeStr(v.implName),
    encodeU32(v.authoringVersion),
    encodeU32(v.specVersion),
    encodeU32(v.implVersion),
    compactToU8a(v.apis.length),
    ...v.apis.map(([id, version]) => u8aConcat(id, encodeU32(version))),
    encodeU32(v.transactionVersion),
    new Uint8Array([v.stateVersion]),
  );
}
