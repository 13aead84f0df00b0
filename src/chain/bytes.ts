// Registry fields are Vec<u8> on chain. This client writes UTF-8 text, but anyone can write any
// bytes, so readers hand back the raw bytes (hex) always and the text only when it decodes.
import { stringToU8a, u8aToHex } from '@polkadot/util';

/** User content read from chain: `hex` always; `text` when the bytes are valid UTF-8 (exactly those bytes, so two texts are equal only when their bytes are). */
export interface ChainBytes {
  readonly hex: `0x${string}`;
  readonly text?: string;
}

// ignoreBOM keeps a leading byte-order mark in the text: by default it is dropped, and a space
// named BOM + "acme" would read as "acme", its records taken for acme's.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function chainBytes(bytes: Uint8Array): ChainBytes {
  const hex = u8aToHex(bytes);
  try {
    return { hex, text: strictUtf8.decode(bytes) };
  } catch {
    return { hex };
  }
}

/** Text for messages and logs: the UTF-8 text, or the hex when the bytes are not text. */
export function displayBytes(value: ChainBytes): string {
  return value.text ?? value.hex;
}

/**
 * A Vec<u8> argument for polkadot.js, always as hex: it reads a plain string starting with 0x as
 * hex ("0xab" is a valid image name) and a Uint8Array as already length-prefixed.
 */
export function bytesArg(value: string | Uint8Array): `0x${string}` {
  return u8aToHex(typeof value === 'string' ? stringToU8a(value) : value);
}
