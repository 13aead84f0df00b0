// The four things a space owner signs, each as an unsigned call built from a request body, and
// the reverse: which action a decoded call is, so only these calls are ever submitted.
import type { ApiPromise } from '@polkadot/api';
import { Enum } from '@polkadot/types';
import type { AnyTuple, CallBase } from '@polkadot/types/types';
import { u8aEq } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { addProxy, addSpaceMember, checkSpaceId, createSpace, removeProxy, type Tx } from '../chain';
import { type Body, requireString } from './body';
import { ApiError, invalidField } from './errors';

export const ACTION_NAMES = ['create-space', 'add-member', 'grant-gateway', 'revoke-gateway'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export interface ActionContext {
  readonly api: ApiPromise;
  /** SS58 of the account space owners grant a NonTransfer proxy to. */
  readonly gatewayAddress: string;
}

interface ActionDefinition {
  /** Body fields besides `signer`. */
  readonly fields: readonly string[];
  build(ctx: ActionContext, body: Body): { tx: Tx; description: string };
}

const ACTIONS: Readonly<Record<ActionName, ActionDefinition>> = {
  'create-space': {
    fields: ['name'],
    build: ({ api }, body) => {
      const name = requireString(body, 'name', 'the space name, for example "acme"');
      return { tx: createSpace(api, name), description: `Create the space "${name}" (the first path component of its images: <registry>/${name}/<image>)` };
    },
  },
  'add-member': {
    fields: ['spaceId', 'member'],
    build: ({ api }, body) => {
      const spaceId = spaceIdField(body);
      const member = requireString(body, 'member', 'the new member\'s SS58 address, for example "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"');
      return { tx: addSpaceMember(api, spaceId, member), description: `Add ${member} as a member of space ${spaceId}` };
    },
  },
  'grant-gateway': {
    fields: [],
    build: ({ api, gatewayAddress }) => ({
      tx: addProxy(api, gatewayAddress, 'NonTransfer', 0),
      description: `Let the gateway ${gatewayAddress} record pushes to your space for you (a NonTransfer proxy: it cannot move your funds)`,
    }),
  },
  'revoke-gateway': {
    fields: [],
    build: ({ api, gatewayAddress }) => ({ tx: removeProxy(api, gatewayAddress, 'NonTransfer', 0), description: `Stop the gateway ${gatewayAddress} from recording pushes for you (remove its NonTransfer proxy)` }),
  },
};

export function isActionName(value: string): value is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(value);
}

export function actionDefinition(name: ActionName): ActionDefinition {
  return ACTIONS[name];
}

/** Space ids are u128: a decimal string, or a number when it is small enough to be exact. */
function spaceIdField(body: Body): string {
  const value = body.spaceId;
  const fix = 'give the space id as a decimal string, for example "1"';
  if (value === undefined || value === null) throw invalidField('spaceId', `spaceId is missing: ${fix}`);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw invalidField('spaceId', `spaceId ${value} is not exact as a JSON number: ${fix}`);
  if (typeof value !== 'string' && typeof value !== 'number') throw invalidField('spaceId', `spaceId must be a string: ${fix}`);
  return checkSpaceId(value, 'spaceId');
}

const ALLOWED_TEXT = 'ContainerRegistry.create_space, ContainerRegistry.add_space_member, and Proxy.add_proxy / remove_proxy of the gateway\'s NonTransfer proxy with no delay';

/** Which action a submitted call is; anything else is refused with 422. */
export function actionOfCall(ctx: ActionContext, call: Pick<CallBase<AnyTuple>, 'section' | 'method' | 'args'>): ActionName {
  const name = `${call.section}.${call.method}`;
  if (name === 'containerRegistry.createSpace') return 'create-space';
  if (name === 'containerRegistry.addSpaceMember') return 'add-member';
  if (name === 'proxy.addProxy' || name === 'proxy.removeProxy') {
    const [delegate, proxyType, delay] = call.args;
    const account = delegateAccount(delegate);
    const problem = !account
      ? `its delegate ${delegate.toString()} is not given as an account id (MultiAddress::Id)`
      : !u8aEq(account, decodeAddress(ctx.gatewayAddress))
      ? `its delegate ${delegate.toString()} is not this gateway (${ctx.gatewayAddress})`
      : proxyType.toString() !== 'NonTransfer'
        ? `its proxy type is ${proxyType.toString()}, not NonTransfer`
        : delay.toString() !== '0'
          ? `its delay is ${delay.toString()} blocks, not 0`
          : undefined;
    if (problem) throw new ApiError(422, 'CALL_NOT_ALLOWED', `the extrinsic's ${name} call is not the gateway grant this API submits: ${problem}; build it with POST /api/calls/${name === 'proxy.addProxy' ? 'grant-gateway' : 'revoke-gateway'}`, 'extrinsic');
    return name === 'proxy.addProxy' ? 'grant-gateway' : 'revoke-gateway';
  }
  throw new ApiError(422, 'CALL_NOT_ALLOWED', `the extrinsic calls ${name}, which this API does not submit: it takes only ${ALLOWED_TEXT}; submit other calls to a node directly`, 'extrinsic');
}

/**
 * The delegate's account id when the call names one as `MultiAddress::Id` (or a plain AccountId),
 * the form POST /calls builds. Other forms (Raw, Address32, Index) are refused: the node would
 * resolve them differently or not at all, so the grant would not be the one the API describes.
 */
function delegateAccount(delegate: AnyTuple[number]): Uint8Array | undefined {
  if (delegate instanceof Enum) return delegate.type === 'Id' ? delegate.value.toU8a() : undefined;
  const bytes = delegate.toU8a(true);
  return bytes.length === 32 ? bytes : undefined;
}
