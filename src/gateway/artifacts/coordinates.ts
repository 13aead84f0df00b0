// Which artifact a request means: `<space>/<name>` always works; a bare `<name>` is looked up in
// the gateway's default space (so that the firmware server's and the plugin registry's flat names
// work as their clients send them). Versions are OCI tags, and semantic versions where a door
// requires them.
import semver from 'semver';
import { OciError } from '../errors/oci-error';
import { parseName, type RepositoryName } from '../oci/reference';
import { ArtifactError } from './errors';

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** `acme/sensor`, `@acme/sensor` or, with a default space, `sensor`. */
export function artifactName(raw: unknown, defaultSpace: string | undefined, field = 'name'): RepositoryName {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ArtifactError('INVALID_NAME', `${field} is missing: give the artifact's name, for example ${defaultSpace ? 'sensor or ' : ''}acme/sensor (<space>/<name>)`, { field });
  const text = raw.trim().replace(/^@/, '');
  const full = text.includes('/') ? text : defaultSpace ? `${defaultSpace}/${text}` : undefined;
  if (full === undefined) {
    throw new ArtifactError('INVALID_NAME', `${JSON.stringify(shown(text))} names no space: write <space>/<name> (for example acme/${shown(text)}), or start the gateway with --default-space so that bare names mean that space`, { field });
  }
  try {
    return parseName(full);
  } catch (error) {
    if (!(error instanceof OciError)) throw error;
    throw new ArtifactError('INVALID_NAME', `${JSON.stringify(shown(text))} is not a valid artifact name: use lowercase letters, digits and . _ - (components separated by /), for example acme/sensor-firmware`, { field });
  }
}

/** A version that is a valid OCI tag and, when `requireSemver`, a semantic version (`1.2.3`, `2.0.0-rc.1`). */
export function artifactVersion(raw: unknown, requireSemver: boolean, field = 'version'): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ArtifactError('INVALID_VERSION', `${field} is missing: give the version, for example 1.0.0`, { field });
  const version = raw.trim();
  if (version.includes('+')) {
    throw new ArtifactError('INVALID_VERSION', `version ${JSON.stringify(shown(version))} has build metadata (+…), which an OCI tag cannot hold: publish it without the +… part, for example ${shown(version.split('+')[0])}`, { field });
  }
  if (requireSemver && semver.valid(version) === null) {
    throw new ArtifactError('INVALID_VERSION', `version ${JSON.stringify(shown(version))} is not a semantic version: write MAJOR.MINOR.PATCH, for example 1.0.0 or 2.1.0-rc.1`, { field });
  }
  if (!TAG.test(version)) {
    throw new ArtifactError('INVALID_VERSION', `version ${JSON.stringify(shown(version))} is not valid: use up to 128 letters, digits, ".", "_" or "-", not starting with "." or "-"`, { field });
  }
  return version;
}

/**
 * One component of a door's path, percent-decoded. A broken escape (`%E0` alone, `%ZZ`) is the
 * client's mistake, answered as such: decodeURIComponent's URIError would be a 500.
 */
export function pathComponent(raw: string, field: 'name' | 'version'): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ArtifactError(field === 'name' ? 'INVALID_NAME' : 'INVALID_VERSION', `the ${field} in the path, ${JSON.stringify(shown(raw))}, has a broken percent-escape: escape each byte of UTF-8 as %XX (encodeURIComponent does it), or write the ${field} as it is`, { field });
  }
}

function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
