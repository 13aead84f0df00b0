// The characters by which text written by strangers deceives a reader (the pallet stores any
// bytes as names, tags and digests): controls, and invisible or reordering characters. The web
// page (src/web/untrusted-text.ts) and the CLI (src/cli/terminal-text.ts) show each of them as a
// visible escape, each in its own notation.

/** Controls and invisible or reordering characters other than the C0 controls: C1 controls and DEL, the soft hyphen, bidi embeddings/overrides/isolates/marks, zero-width characters, line and paragraph separators, fillers, variation selectors (both ranges), BOM, interlinear annotations, and tag characters (invisible letters that can spell hidden text). */
const ABOVE_C0 = '\\u007f-\\u009f\\u00ad\\u061c\\u115f\\u1160\\u180e\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u206f\\u3164\\ufe00-\\ufe0f\\ufeff\\uffa0\\ufff9-\\ufffb\\u{e0000}-\\u{e007f}\\u{e0100}-\\u{e01ef}';

/** Every control and invisible or reordering character. */
export const INVISIBLE_OR_REORDERING = new RegExp(`[\\u0000-\\u001f${ABOVE_C0}]`, 'gu');

/** The same, with line feeds allowed (messages of several lines that the program itself wrote). */
export const INVISIBLE_OR_REORDERING_BUT_LINE_FEEDS = new RegExp(`[\\u0000-\\u0009\\u000b-\\u001f${ABOVE_C0}]`, 'gu');

/** Anything outside printable ASCII, and the space: no valid name holds one, and it could fake the text beside a name. */
export const NOT_PRINTABLE_ASCII = /[^\x21-\x7e]/gu;
