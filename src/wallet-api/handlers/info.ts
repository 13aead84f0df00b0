// GET /config (what the page and scripts need to know about this chain and gateway) and
// GET /accounts/{address} (an account's space, gateway grant and nonce, from chain state).
import type { Request, Response } from 'express';
import { checkAddress, displayBytes, getSpace, hasGatewayGrant, SS58_PREFIX } from '../../chain';
import { registryDomainOf, type WalletApiContext } from '../context';

export function getConfig(ctx: WalletApiContext, req: Request, res: Response): void {
  const { api, gatewayAddress } = ctx.actions;
  res.json({
    gatewayAddress,
    registry: registryDomainOf(ctx),
    graphql: ctx.graphqlUrl ? `${req.baseUrl}/graphql` : null,
    ss58Prefix: SS58_PREFIX,
    chain: {
      genesisHash: api.genesisHash.toHex(),
      specName: api.runtimeVersion.specName.toString(),
      specVersion: api.runtimeVersion.specVersion.toNumber(),
      tokenSymbol: api.registry.chainTokens[0] ?? 'UNIT',
      tokenDecimals: api.registry.chainDecimals[0] ?? 12,
    },
  });
}

export async function getAccount(ctx: WalletApiContext, req: Request, res: Response): Promise<void> {
  const { api, gatewayAddress } = ctx.actions;
  const address = checkAddress(req.params.address, 'address');
  const [space, gatewayGrant, nonce, account] = await Promise.all([
    // The owner's space id from the listing of spaces (read again only once a new space exists),
    // then the space itself, for its members now.
    ctx.spaces.idOwnedBy(address).then((id) => (id === undefined ? undefined : getSpace(api, id))),
    hasGatewayGrant(api, address, gatewayAddress),
    api.rpc.system.accountNextIndex(address),
    api.query.system.account(address),
  ]);
  res.json({
    address,
    nonce: nonce.toNumber(),
    free: (account as unknown as { data: { free: { toString(): string } } }).data.free.toString(),
    space: space ? { id: space.id, name: displayBytes(space.repoName), members: space.members } : null,
    gatewayGrant,
  });
}
