// The grant that lets the gateway record pushes for a space owner: a NonTransfer proxy from
// the owner to the gateway's account, with no delay (a delayed proxy would need announcements).
import type { ApiPromise } from '@polkadot/api';
import type { Codec } from '@polkadot/types/types';
import { u8aEq } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { addProxy, type ProxyType, removeProxy } from './composite-calls';
import type { TxSigner } from './signers';
import type { QueryApi } from './space-readers';
import { type SubmitOptions, submitTx, type TxResult } from './submit';
import { checkAddress, SS58_PREFIX } from './validate';

export interface ProxyGrant {
  /** SS58, prefix 42. */
  readonly delegate: string;
  readonly proxyType: ProxyType;
  /** In blocks. */
  readonly delay: number;
}

interface ProxyDefinition extends Codec {
  readonly delegate: Codec;
  readonly proxyType: Codec;
  readonly delay: Codec;
}

/** The proxies `account` has granted. */
export async function proxiesOf(api: QueryApi, account: string): Promise<ProxyGrant[]> {
  const [definitions] = (await api.query.proxy.proxies(checkAddress(account, 'account'))) as unknown as [ProxyDefinition[], Codec];
  return definitions.map((d) => ({
    delegate: encodeAddress(d.delegate.toU8a(), SS58_PREFIX),
    proxyType: d.proxyType.toString() as ProxyType,
    delay: Number(d.delay.toString()),
  }));
}

/** Whether `owner` lets `gateway` act for it with `proxy(owner, Some(NonTransfer), …)`. */
export async function hasGatewayGrant(api: QueryApi, owner: string, gateway: string): Promise<boolean> {
  const gatewayId = decodeAddress(checkAddress(gateway, 'gateway'));
  const grants = await proxiesOf(api, owner);
  return grants.some((g) => g.proxyType === 'NonTransfer' && g.delay === 0 && u8aEq(decodeAddress(g.delegate), gatewayId));
}

/** Grants the gateway its NonTransfer proxy; resolves undefined when the grant already exists. */
export async function grantGateway(api: ApiPromise, owner: TxSigner, gateway: string, options?: SubmitOptions): Promise<TxResult | undefined> {
  if (await hasGatewayGrant(api, owner.address, gateway)) return undefined;
  return submitTx(api, addProxy(api, gateway, 'NonTransfer', 0), owner, options);
}

/** Removes the gateway's NonTransfer proxy; resolves undefined when there was none. */
export async function revokeGateway(api: ApiPromise, owner: TxSigner, gateway: string, options?: SubmitOptions): Promise<TxResult | undefined> {
  if (!(await hasGatewayGrant(api, owner.address, gateway))) return undefined;
  return submitTx(api, removeProxy(api, gateway, 'NonTransfer', 0), owner, options);
}
