import { calls } from '../../types';
import type { Call } from '../processor';
import { UnknownVersionError } from './unknown-version';

/** create_space's argument: SpaceCreated does not carry the name. */
export interface CreateSpaceCall {
  /** Hex bytes as on chain. */
  name: string;
}

export function decodeCreateSpaceCall(call: Call): CreateSpaceCall {
  const type = calls.containerRegistry.createSpace;
  if (type.v9201.is(call)) return { name: type.v9201.decode(call).name };
  throw new UnknownVersionError(call.name);
}
