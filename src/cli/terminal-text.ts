// Printing untrusted text on a terminal. Names, tags, digests, descriptions and error messages
// that came from the chain, the index, a gateway or a bundle were written by strangers: the
// pallet stores any bytes. Printed as they are, an escape sequence (ESC [ … , OSC ESC ] … BEL)
// can clear the screen, retitle the window, hide or recolour text or write a link, and a
// carriage return or backspace can overwrite what was printed before it, so a stranger's space
// could print a fake "owner" line or "finalized" result. Bidi controls (U+202E …) reorder what
// follows, so "\u202Eemca" shows as "acme". These helpers show each such character as a visible
// escape (\x1b, \r, \u202e) instead. JSON output is never passed through them (scripts need the
// exact values): it is written by json-output.ts, as printable ASCII with \u escapes.
import { INVISIBLE_OR_REORDERING, INVISIBLE_OR_REORDERING_BUT_LINE_FEEDS, NOT_PRINTABLE_ASCII } from '../chain/untrusted-characters';
// The services' text log lines escape the same characters the same way.
import { visibleEscape as escapeChar } from '../observability/log-escapes';

/** Free text (a description, a label): letters of any script stay, controls and invisible or reordering characters are escaped. One line. */
export function terminalText(value: string): string {
  return value.replace(INVISIBLE_OR_REORDERING, escapeChar);
}

/** A message of several lines (errors, warnings): as terminalText, but line feeds stay. */
export function terminalLines(value: string): string {
  return value.replace(INVISIBLE_OR_REORDERING_BUT_LINE_FEEDS, escapeChar);
}

/**
 * A registry identifier (space, image or artifact name, tag, version, digest, CID): valid ones are
 * printable ASCII without spaces, so every other character is escaped. A lookalike ("аcme" with a Cyrillic а)
 * then prints as "\u0430cme" and cannot pass for the name it imitates.
 */
export function terminalName(value: string): string {
  return value.replace(NOT_PRINTABLE_ASCII, escapeChar);
}
