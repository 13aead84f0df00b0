// The four calls the page asks the wallet to sign, encoded here from what the person typed, so
// the call the registry's API returns can be compared byte for byte before the wallet sees it.
// The page carries no chain metadata: the indices are the Hippius runtime's own (pallet and call
// indices, ProxyType, u64 block numbers), fixed as long as the ContainerRegistry pallet exists.
import { bnToU8a, compactToU8a, stringToU8a, u8aConcat } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

const CONTAINER_REGISTRY = 69;
const PROXY = 44;
const CALLS: Readonly<Record<string, string>> = {
  '69.0': 'ContainerRegistry.create_space',
  '69.1': 'ContainerRegistry.add_space_member',
  '69.2': 'ContainerRegistry.add_manifest_head_digest_and_manifest_json_cid',
  '69.3': 'ContainerRegistry.store_digest_info',
  '44.0': 'Proxy.proxy',
  '44.1': 'Proxy.add_proxy',
  '44.2': 'Proxy.remove_proxy',
  '44.3': 'Proxy.remove_proxies',
};
const PALLETS: Readonly<Record<number, string>> = { 1: 'System', 2: 'Timestamp', 3: 'Sudo', 6: 'Balances', 7: 'TransactionPayment', 31: 'Utility', 44: 'Proxy', 69: 'ContainerRegistry' };
const MULTI_ADDRESS_ID = 0;
const NON_TRANSFER = 1;

export type RequestedCall =
  | { readonly action: 'create-space'; readonly name: string }
  | { readonly action: 'add-member'; readonly spaceId: string; readonly member: string }
  | { readonly action: 'grant-gateway' | 'revoke-gateway'; readonly gateway: string };

/** The SCALE-encoded call (pallet index, call index, arguments) the runtime expects for `call`. */
export function callBytes(call: RequestedCall): Uint8Array {
  switch (call.action) {
    case 'create-space': {
      const name = stringToU8a(call.name);
      return u8aConcat([CONTAINER_REGISTRY, 0], compactToU8a(name.length), name);
    }
    case 'add-member':
      return u8aConcat([CONTAINER_REGISTRY, 1], bnToU8a(BigInt(call.spaceId), { bitLength: 128, isLe: true }), decodeAddress(call.member));
    case 'grant-gateway':
    case 'revoke-gateway':
      // delegate: MultiAddress::Id(gateway), proxy_type: NonTransfer, delay: 0u64
      return u8aConcat([PROXY, call.action === 'grant-gateway' ? 1 : 2, MULTI_ADDRESS_ID], decodeAddress(call.gateway), [NON_TRANSFER], new Uint8Array(8));
  }
}

/** A call's name from its first two bytes, for saying what an unexpected call would have done. */
export function callName(bytes: Uint8Array): string {
  if (bytes.length < 2) return 'no call at all';
  const [pallet, call] = bytes;
  return CALLS[`${pallet}.${call}`] ?? `${PALLETS[pallet] ?? 'an unknown pallet'} (pallet ${pallet}, call ${call})`;
}

/** What the person asked for, in words (shown while the wallet asks for approval). */
export function callDescription(call: RequestedCall): string {
  switch (call.action) {
    case 'create-space':
      return `create the space "${call.name}"`;
    case 'add-member':
      return `add ${call.member} as a member of space ${call.spaceId}`;
    case 'grant-gateway':
      return `let the gateway ${call.gateway} record pushes to your space for you (a NonTransfer proxy: it cannot move your funds)`;
    case 'revoke-gateway':
      return `stop the gateway ${call.gateway} from recording pushes for you`;
  }
}

/** The body POST /api/calls/{action} takes for `call`. */
export function callRequestBody(call: RequestedCall, signer: string): Record<string, string> {
  switch (call.action) {
    case 'create-space':
      return { signer, name: call.name };
    case 'add-member':
      return { signer, spaceId: call.spaceId, member: call.member };
    default:
      return { signer };
  }
}
