// Byte strings from the chain as the index keeps them: the exact bytes (hex) and, when they are
// valid UTF-8 that Postgres can store as text (no NUL), their text: exactly those bytes decoded (a
// leading byte-order mark is kept), so the text's UTF-8 is the hex again. Anyone may write anything.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface ChainBytes {
  hex: string;
  text: string | null;
}

export function chainBytes(hex: string): ChainBytes {
  let text: string | null;
  try {
    text = strictUtf8.decode(Buffer.from(hex.slice(2), 'hex'));
  } catch {
    text = null;
  }
  if (text?.includes('\0')) text = null;
  return { hex, text };
}

/** The words full-text search should find: the name and its parts split at / . _ - : */
export function searchText(text: string | null): string | null {
  if (text === null) return null;
  const parts = text.split(/[/._\-:]+/).filter(Boolean);
  return parts.length > 1 ? `${text} ${parts.join(' ')}` : text;
}
