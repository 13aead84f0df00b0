// Turns a DispatchError into `module`, `name` and `docs`: pallet errors through the runtime
// metadata (`registry.findMetaError`), the rest from the variant with a short explanation.
import { stringPascalCase } from '@polkadot/util';
import type { DispatchError } from '@polkadot/types/interfaces';
import type { SpRuntimeDispatchError } from '@polkadot/types/lookup';
import type { Registry } from '@polkadot/types/types';

export interface ChainErrorInfo {
  /** The pallet (`ContainerRegistry`, `Proxy`, `System`) or the error's family (`DispatchError`, `Token`, ...). */
  readonly module: string;
  readonly name: string;
  readonly docs: string;
}

const GENERAL_DOCS: Record<string, string> = {
  Other: 'The runtime rejected the call.',
  CannotLookup: 'An address in the call could not be resolved to an account.',
  BadOrigin: 'The call was made by an origin it does not accept (for example a signed account where root is required).',
  ConsumerRemaining: 'The account cannot be removed while other modules still use it.',
  NoProviders: 'The account does not exist (it holds no funds).',
  TooManyConsumers: 'Too many modules use this account.',
  Exhausted: 'The runtime ran out of a resource, such as block weight.',
  Corruption: 'The chain state is corrupt.',
  Unavailable: 'A resource the call needs is not available now; try again later.',
  RootNotAllowed: 'Root may not make this call.',
};

const NESTED_DOCS: Record<string, string> = {
  FundsUnavailable: 'The account does not have enough free funds.',
  OnlyProvider: 'The account would be removed, and it is needed.',
  BelowMinimum: 'The balance would fall below the existential deposit.',
  CannotCreate: 'The account cannot be created.',
  UnknownAsset: 'The asset is not known.',
  Frozen: 'The funds are frozen.',
  Unsupported: 'The operation is not supported for this asset.',
  CannotCreateHold: 'No more holds can be placed on the account.',
  NotExpendable: 'The operation would remove an account that must be kept.',
  Blocked: 'The account is blocked from this operation.',
  Underflow: 'An arithmetic underflow happened.',
  Overflow: 'An arithmetic overflow happened.',
  DivisionByZero: 'A division by zero happened.',
  LimitReached: 'Too many nested transactional layers.',
  NoLayer: 'No transactional layer was open.',
};

/** Errors the Hippius runtime ships without docs (spec 9105), explained here instead. */
const MISSING_DOCS: Record<string, string> = {
  'ContainerRegistry.SpaceDoesNotExist': 'No space has this repository name; create the space first, or check the name.',
  'ContainerRegistry.NotSpaceOwner': 'Only the space owner may record manifests and digests; sign as the owner, or push through a gateway the owner granted a NonTransfer proxy.',
  'ContainerRegistry.MaxImageCidsLimitReached': 'The image has as many CIDs as the pallet allows.',
};

function docsText(module: string, name: string, docs: readonly string[]): string {
  const text = docs.map((line) => line.trim()).filter(Boolean).join(' ');
  return text || MISSING_DOCS[`${module}.${name}`] || 'No description in the runtime metadata.';
}

/** Takes the error as events decode it (lookup type) or as the DispatchError interface. */
export function decodeDispatchError(registry: Registry, error: DispatchError | SpRuntimeDispatchError): ChainErrorInfo {
  if (error.isModule) {
    try {
      const found = registry.findMetaError(error.asModule);
      const module = stringPascalCase(found.section);
      return { module, name: found.name, docs: docsText(module, found.name, found.docs) };
    } catch {
      // Metadata without this pallet or error (e.g. decoded against another runtime version).
      const { index, error: code } = error.asModule;
      return { module: 'DispatchError', name: error.type, docs: `Pallet ${index.toString()} raised error ${code.toHex()}, unknown to the runtime metadata in use.` };
    }
  }
  const inner = (error.value as { type?: unknown } | undefined)?.type;
  if (typeof inner === 'string' && ['Token', 'Arithmetic', 'Transactional'].includes(error.type)) {
    return { module: error.type, name: inner, docs: NESTED_DOCS[inner] ?? `${error.type} error ${inner}.` };
  }
  return { module: 'DispatchError', name: error.type, docs: GENERAL_DOCS[error.type] ?? `The call failed with ${error.type}.` };
}
