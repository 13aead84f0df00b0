// The types every pallet shares, with Hippius's type paths and shapes (AccountId32,
// MultiAddress<AccountId32, u32>, MultiSignature, u64 block numbers, u128 balances).
import type { LookupBuilder, TypeId } from './lookup';

export interface CommonTypes {
  bool: TypeId;
  u8: TypeId;
  u16: TypeId;
  u32: TypeId;
  u64: TypeId;
  u128: TypeId;
  str: TypeId;
  unit: TypeId;
  bytes: TypeId;
  compactU32: TypeId;
  compactU64: TypeId;
  compactU128: TypeId;
  h256: TypeId;
  accountId: TypeId;
  multiAddress: TypeId;
  multiSignature: TypeId;
  weight: TypeId;
  dispatchInfo: TypeId;
  dispatchError: TypeId;
  dispatchResult: TypeId;
  optionAccountId: TypeId;
  optionBytes: TypeId;
  /** Reserved here, defined once every pallet's Call enum is known. */
  runtimeCall: TypeId;
  runtimeEvent: TypeId;
  runtimeError: TypeId;
  proxyType: TypeId;
}

export function defineCommonTypes(b: LookupBuilder): CommonTypes {
  const u8 = b.primitive('u8');
  const u32 = b.primitive('u32');
  const u64 = b.primitive('u64');
  const u128 = b.primitive('u128');
  const bytes32 = b.array(32, u8);
  const bytes = b.sequence(u8);
  const accountId = b.composite('sp_core::crypto::AccountId32', [{ type: bytes32, typeName: '[u8; 32]' }]);
  const compactU32 = b.compact(u32);
  const compactU64 = b.compact(u64);
  const unit = b.tuple();

  const multiAddress = b.variant(
    'sp_runtime::multiaddress::MultiAddress',
    [
      { name: 'Id', index: 0, fields: [{ type: accountId, typeName: 'AccountId' }] },
      { name: 'Index', index: 1, fields: [{ type: compactU32, typeName: 'AccountIndex' }] },
      { name: 'Raw', index: 2, fields: [{ type: bytes, typeName: 'Vec<u8>' }] },
      { name: 'Address32', index: 3, fields: [{ type: bytes32, typeName: '[u8; 32]' }] },
      { name: 'Address20', index: 4, fields: [{ type: b.array(20, u8), typeName: '[u8; 20]' }] },
    ],
    [{ name: 'AccountId', type: accountId }, { name: 'AccountIndex', type: u32 }],
  );

  const signature64 = b.array(64, u8);
  const multiSignature = b.variant('sp_runtime::MultiSignature', [
    { name: 'Ed25519', index: 0, fields: [{ type: signature64, typeName: 'ed25519::Signature' }] },
    { name: 'Sr25519', index: 1, fields: [{ type: signature64, typeName: 'sr25519::Signature' }] },
    { name: 'Ecdsa', index: 2, fields: [{ type: b.array(65, u8), typeName: 'ecdsa::Signature' }] },
  ]);

  const weight = b.composite('sp_weights::weight_v2::Weight', [
    { name: 'ref_time', type: compactU64, typeName: 'u64' },
    { name: 'proof_size', type: compactU64, typeName: 'u64' },
  ]);
  const dispatchInfo = b.composite('frame_support::dispatch::DispatchInfo', [
    { name: 'weight', type: weight, typeName: 'Weight' },
    { name: 'class', type: b.simpleEnum('frame_support::dispatch::DispatchClass', ['Normal', 'Operational', 'Mandatory']), typeName: 'DispatchClass' },
    { name: 'pays_fee', type: b.simpleEnum('frame_support::dispatch::Pays', ['Yes', 'No']), typeName: 'Pays' },
  ]);

  const dispatchError = defineDispatchError(b, u8);
  const runtimeCall = b.reserve();
  const runtimeEvent = b.reserve();
  const runtimeError = b.reserve();

  return {
    bool: b.primitive('bool'),
    u8,
    u16: b.primitive('u16'),
    u32,
    u64,
    u128,
    str: b.primitive('str'),
    unit,
    bytes,
    compactU32,
    compactU64,
    compactU128: b.compact(u128),
    h256: b.composite('primitive_types::H256', [{ type: bytes32, typeName: '[u8; 32]' }]),
    accountId,
    multiAddress,
    multiSignature,
    weight,
    dispatchInfo,
    dispatchError,
    dispatchResult: b.result(unit, dispatchError),
    optionAccountId: b.option(accountId),
    optionBytes: b.option(bytes),
    runtimeCall,
    runtimeEvent,
    runtimeError,
    proxyType: b.simpleEnum('hippius_mainnet_runtime::ProxyType', ['Any', 'NonTransfer', 'Governance', 'Staking']),
  };
}

function defineDispatchError(b: LookupBuilder, u8: TypeId): TypeId {
  const moduleError = b.composite('sp_runtime::ModuleError', [
    { name: 'index', type: u8, typeName: 'u8' },
    { name: 'error', type: b.array(4, u8), typeName: '[u8; MAX_MODULE_ERROR_ENCODED_SIZE]' },
  ]);
  const tokenError = b.simpleEnum('sp_runtime::TokenError', [
    'FundsUnavailable', 'OnlyProvider', 'BelowMinimum', 'CannotCreate', 'UnknownAsset', 'Frozen', 'Unsupported',
    'CannotCreateHold', 'NotExpendable', 'Blocked',
  ]);
  const arithmeticError = b.simpleEnum('sp_arithmetic::ArithmeticError', ['Underflow', 'Overflow', 'DivisionByZero']);
  const transactionalError = b.simpleEnum('sp_runtime::TransactionalError', ['LimitReached', 'NoLayer']);
  const unitVariants = (names: string[], from: number) => names.map((name, i) => ({ name, index: from + i }));
  return b.variant('sp_runtime::DispatchError', [
    ...unitVariants(['Other', 'CannotLookup', 'BadOrigin'], 0),
    { name: 'Module', index: 3, fields: [{ type: moduleError, typeName: 'ModuleError' }] },
    ...unitVariants(['ConsumerRemaining', 'NoProviders', 'TooManyConsumers'], 4),
    { name: 'Token', index: 7, fields: [{ type: tokenError, typeName: 'TokenError' }] },
    { name: 'Arithmetic', index: 8, fields: [{ type: arithmeticError, typeName: 'ArithmeticError' }] },
    { name: 'Transactional', index: 9, fields: [{ type: transactionalError, typeName: 'TransactionalError' }] },
    ...unitVariants(['Exhausted', 'Corruption', 'Unavailable', 'RootNotAllowed'], 10),
  ]);
}
