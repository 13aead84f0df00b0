// Versions are tags, ordered and matched by node-semver's rules (the `semver` package, as npm
// uses it): a tag is a semantic version when semver.valid accepts it (`1.2.3`, `v1.2.3`,
// `2.0.0-rc.1`); a range matches pre-releases only when one of its comparators has a
// pre-release on the same major.minor.patch (`^1.2.0-beta` matches 1.2.0-beta.1, `^1.0` does
// not). Tags that are not versions (`latest`, `1.0`) are listed after every version and match no range.
import semver from 'semver';

export class VersionRangeError extends Error {
  override readonly name = 'VersionRangeError';
}

export interface Versioned {
  /** The tag's text (null when it is not UTF-8). */
  version: string | null;
  updatedAtBlock: number;
  tagId: string;
}

/** The normalised semantic version of a tag, or null when the tag is not one. */
export function semverOf(tag: string | null): string | null {
  return tag === null ? null : semver.valid(tag);
}

/**
 * The longest range taken, in characters (as node-semver bounds a version). Every version listed
 * is tested against each of a range's `||` alternatives, in the GraphQL server's one thread, where
 * no statement timeout reaches: a range as long as a request body (256 kB, 10,000 alternatives)
 * took about 0.9 ms per version and a second to parse, so one request naming it in 20 aliases
 * over 10,000 versions held the server for everyone for minutes. Ranges people write are far
 * shorter.
 */
export const MAX_RANGE_LENGTH = 256;

export function parseRange(text: string): semver.Range {
  const trimmed = text.trim();
  // Only the start of a long text is quoted back: the answer need not be as large as the question.
  const quoted = JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
  if (trimmed.length > MAX_RANGE_LENGTH) throw new VersionRangeError(`the range ${quoted} is ${trimmed.length} characters long; write one of at most ${MAX_RANGE_LENGTH}, as npm does, e.g. "^1.2" or ">=1.1.0 <2"`);
  const range = trimmed === '' ? null : semver.validRange(trimmed);
  if (range === null) throw new VersionRangeError(`${quoted} is not a semver range; write one as npm does, e.g. "^1.2", "~1.0.3", ">=1.1.0 <2" or "1.x"`);
  return new semver.Range(trimmed);
}

export function satisfies(tag: string | null, range: semver.Range): boolean {
  const version = semverOf(tag);
  return version !== null && semver.satisfies(version, range);
}

/**
 * `items` with the highest version first; tags that are not versions after them, most recently
 * moved first. Each tag is parsed once, not in every comparison (with thousands of versions the
 * parsing was most of a listing's time).
 */
export function sortByVersionDescending<T extends Versioned>(items: readonly T[]): T[] {
  return items
    .map((item) => ({ item, parsed: parsedOf(item.version) }))
    .sort((a, b) => compareParsed(a.item, a.parsed, b.item, b.parsed))
    .map(({ item }) => item);
}

function parsedOf(tag: string | null): semver.SemVer | null {
  const version = semverOf(tag);
  return version === null ? null : new semver.SemVer(version);
}

function compareParsed(a: Versioned, va: semver.SemVer | null, b: Versioned, vb: semver.SemVer | null): number {
  if (va && vb) return vb.compare(va) || compareText(a.version, b.version);
  if (va) return -1;
  if (vb) return 1;
  return b.updatedAtBlock - a.updatedAtBlock || compareText(a.tagId, b.tagId);
}

/** The version to call latest: the highest release, else the highest pre-release, else the tag moved last. */
export function latestOf<T extends Versioned>(sorted: T[]): T | undefined {
  return sorted.find((v) => semverOf(v.version) !== null && semver.prerelease(semverOf(v.version)!) === null) ?? sorted[0];
}

export function isPrerelease(tag: string | null): boolean {
  const version = semverOf(tag);
  return version !== null && semver.prerelease(version) !== null;
}

function compareText(a: string | null, b: string | null): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}
