// One record, one line, shown as it was written. Log lines quote what strangers wrote: a
// repository name, a header value, a record on chain. A line feed or carriage return in one
// would end the line there and start a forged one (`… INFO  gateway: login ok account=…`), a
// NEL (U+0085) or line separator (U+2028) would do the same in viewers that break lines on them,
// an escape sequence (ESC, or the C1 CSI U+009B) would rewrite the terminal the log is tailed in,
// and a bidi override or isolate (U+202E, U+2066) would reorder what follows on screen. Each such
// character is written as a visible escape instead, in the notation the CLI uses for the same
// characters (src/cli/terminal-text.ts).
import { INVISIBLE_OR_REORDERING } from '../chain/untrusted-characters';

/** A character as a visible escape: `\x1b`, `\u202e`, `\u{e0001}`. */
export function visibleEscape(char: string): string {
  const code = char.codePointAt(0)!;
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code <= 0xffff) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/** A text log line with every control and invisible or reordering character escaped: it stays one line, in its order. */
export function escapeTextLine(line: string): string {
  return line.replace(INVISIBLE_OR_REORDERING, visibleEscape);
}

/**
 * A JSON log line with the same characters written as \u escapes. JSON.stringify escapes the C0
 * controls but leaves DEL, C1 controls, bidi controls and U+2028/U+2029 raw. Such characters
 * can only stand inside JSON strings, so the escaped line is the same JSON for a log collector.
 */
export function escapeJsonLine(json: string): string {
  // Each UTF-16 unit: a character beyond U+FFFF (a tag character) is two, a surrogate pair.
  return json.replace(INVISIBLE_OR_REORDERING, (char) => Array.from({ length: char.length }, (_, i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}

/**
 * JSON text of a log value. A bigint (a block number, a balance) is written as its digits in a
 * string, where JSON.stringify throws and the line, or the request that logged it, would be lost.
 */
export function logJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? 'null';
}
