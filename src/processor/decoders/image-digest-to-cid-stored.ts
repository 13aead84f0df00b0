import { events } from '../../types';
import type { Event } from '../processor';
import { UnknownVersionError } from './unknown-version';

/** `who` is a public key; the rest are hex byte strings as on chain. */
export interface ImageDigestToCidStored {
  who: string;
  imageName: string;
  digest: string;
  cid: string;
}

export function decodeImageDigestToCidStored(event: Event): ImageDigestToCidStored {
  const type = events.containerRegistry.imageDigestToCidStored;
  if (type.v9201.is(event)) {
    const { who, imageName, digest, cid } = type.v9201.decode(event);
    return { who, imageName, digest, cid };
  }
  throw new UnknownVersionError(event.name);
}
