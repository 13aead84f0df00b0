// JSON for scripts on stdout. JSON.stringify escapes C0 controls but leaves DEL, the C1 controls
// (U+009B is CSI in a terminal that honours 8-bit controls), bidi overrides and invisible
// characters as they are, and --json output is read in terminals too: a stranger's space name
// with "\u202e" would still reorder the line, a token name with U+009B still move the cursor.
// Every character outside printable ASCII is written as a \u escape instead: the same JSON
// value for any parser (scripts get the exact strings), plain ASCII on a terminal.

const NOT_ASCII = /[\u007f-\uffff]/g;

/** JSON text with every character outside printable ASCII as a \u escape (the same JSON: such characters only stand inside strings). */
export function asciiJson(json: string): string {
  return json.replace(NOT_ASCII, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `value` as JSON made of printable ASCII only (`indent` as JSON.stringify's third argument). */
export function jsonText(value: unknown, indent?: number): string {
  return asciiJson(JSON.stringify(value, null, indent) ?? 'null');
}
