// A file part is taken only after the metadata part: the metadata names the space, and the push
// policy can only say whether the caller may write there once it is known. A file sent first
// would be stored (up to the largest file a door accepts) before that check, so a caller without
// any right to the space could make the gateway write gigabytes for a publish that is then
// refused. Every documented client (curl -F in the documented order, `hcr artifact push`, the
// firmware server's and the package registry's examples) sends the metadata first.
import { ArtifactError } from '../artifacts/errors';

export function fileBeforeMetadata(part: string, example: string): ArtifactError {
  return new ArtifactError(
    'MISSING_PART',
    `the ${JSON.stringify(part)} part arrived before the metadata part; nothing of it was stored. Send the metadata part first (whether you may publish is decided on it, before any file is taken): ${example}`,
    { field: 'metadata' },
  );
}
