// Byte strings from the chain as the index keeps them: the exact bytes (hex) and, when they are
// valid UTF-8 that Postgres can store as text (no NUL) and no longer than MAX_TEXT_BYTES, their
// text: exactly those bytes decoded (a leading byte-order mark is kept), so the text's UTF-8 is
// the hex again. Anyone may write anything.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The longest byte string kept as text. Text columns carry B-tree indexes (names, digests, CIDs),
 * and Postgres refuses an index entry above about 2.7 kB ("index row size exceeds btree maximum"):
 * one longer name written on chain by anyone would fail every batch from then on, and the
 * processor would crash-loop with nothing indexed for anyone. Real names, tags, digests and CIDs
 * are far shorter (OCI names stay under 256 bytes); a longer one keeps only its hex, as non-text
 * bytes do.
 */
export const MAX_TEXT_BYTES = 1024;

export interface ChainBytes {
  hex: string;
  text: string | null;
}

export function chainBytes(hex: string): ChainBytes {
  const bytes = Buffer.from(hex.slice(2), 'hex');
  if (bytes.length > MAX_TEXT_BYTES) return { hex, text: null };
  let text: string | null;
  try {
    text = strictUtf8.decode(bytes);
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
