import { events } from '../../types';
import type { Event } from '../processor';
import { UnknownVersionError } from './unknown-version';

/** `who` is a public key; digest and cid are hex byte strings as on chain. */
export interface DigestInfoStored {
  who: string;
  digest: string;
  digestType: 'File' | 'Json';
  cid: string;
}

export function decodeDigestInfoStored(event: Event): DigestInfoStored {
  const type = events.containerRegistry.digestInfoStored;
  if (type.v9201.is(event)) {
    const { who, digest, digestType, cid } = type.v9201.decode(event);
    return { who, digest, digestType: digestType.__kind, cid };
  }
  throw new UnknownVersionError(event.name);
}
