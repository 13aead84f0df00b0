import { events } from '../../types';
import type { Event } from '../processor';
import { UnknownVersionError } from './unknown-version';

export interface MemberAdded {
  spaceId: bigint;
  /** Public key (hex) of the new member. */
  member: string;
}

export function decodeMemberAdded(event: Event): MemberAdded {
  const type = events.containerRegistry.memberAdded;
  if (type.v9201.is(event)) {
    const [spaceId, member] = type.v9201.decode(event);
    return { spaceId, member };
  }
  throw new UnknownVersionError(event.name);
}
