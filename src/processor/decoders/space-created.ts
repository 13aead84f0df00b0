import { events } from '../../types';
import type { Event } from '../processor';
import { UnknownVersionError } from './unknown-version';

export interface SpaceCreated {
  spaceId: bigint;
  /** Public key (hex) of the owner. */
  owner: string;
}

export function decodeSpaceCreated(event: Event): SpaceCreated {
  const type = events.containerRegistry.spaceCreated;
  if (type.v9201.is(event)) {
    const [spaceId, owner] = type.v9201.decode(event);
    return { spaceId, owner };
  }
  throw new UnknownVersionError(event.name);
}
