// Artifact references on the command line: `<space>/<name>:<version>` (an exact version),
// `<space>/<name>@<range>` (the highest version in a semver range, npm's rules) or `<space>/<name>`
// (the highest release).
import semver from 'semver';
import { CliError, EXIT } from '../../errors';

export interface ArtifactRef {
  readonly name: string;
  readonly version?: string;
  readonly range?: string;
}

export function parseArtifactRef(raw: string, options: { versionRequired?: boolean } = {}): ArtifactRef {
  const text = raw.trim().replace(/^@/, '');
  const at = text.indexOf('@');
  const colon = text.lastIndexOf(':');
  let ref: ArtifactRef;
  if (at > 0) ref = { name: text.slice(0, at), range: text.slice(at + 1) };
  else if (colon > text.lastIndexOf('/')) ref = { name: text.slice(0, colon), version: text.slice(colon + 1) };
  else ref = { name: text };
  if (!/^[a-z0-9][a-z0-9._/-]*$/.test(ref.name) || !ref.name.includes('/')) {
    throw new CliError(`${JSON.stringify(raw)} names no artifact: write <space>/<name>:<version> or <space>/<name>@<range>, for example acme/sensor:1.0.0 or 'acme/sensor@^1.0'`, EXIT.usage);
  }
  if (ref.range !== undefined && semver.validRange(ref.range) === null) throw new CliError(`${JSON.stringify(ref.range)} is not a semver range: write one as npm does, for example ^1.2, ~1.0 or >=1.1.0 <2`, EXIT.usage);
  if (ref.version === '' || ref.range === '') throw new CliError(`${JSON.stringify(raw)} ends in an empty version: write acme/sensor:1.0.0`, EXIT.usage);
  if (options.versionRequired && ref.version === undefined) throw new CliError(`${JSON.stringify(raw)} has no version: push as <space>/<name>:<version>, for example acme/sensor:1.0.0`, EXIT.usage);
  return ref;
}
