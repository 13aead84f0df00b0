// Registry fields are Vec<u8> on chain. This client writes UTF-8 text, but anyone can write any
// bytes, so readers hand back the raw bytes (hex) always and the text only when it decodes.
import { u8aToHex } from '@polkadot/util';

/** User content read from chain: `hex` always; `text` when the bytes are valid UTF-8. */
export interface ChainBytes {
  readonly hex: `0x${string}`;
  readonly text?: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

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
