import { events } from '../../types';
import type { Event } from '../processor';
import { UnknownVersionError } from './unknown-version';

/** All hex byte strings as on chain; the tag is already resolved ("latest" for None). */
export interface ManifestDigestUpdated {
  repoName: string;
  imageName: string;
  tag: string;
  digest: string;
}

export function decodeManifestDigestUpdated(event: Event): ManifestDigestUpdated {
  const type = events.containerRegistry.manifestDigestUpdated;
  if (type.v9201.is(event)) {
    const [repoName, imageName, tag, digest] = type.v9201.decode(event);
    return { repoName, imageName, tag, digest };
  }
  throw new UnknownVersionError(event.name);
}
