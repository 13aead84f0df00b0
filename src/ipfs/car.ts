// CAR version 1 framing (https://ipld.io/specs/transport/car/carv1/): a header (a varint length,
// then dag-cbor `{roots, version: 1}`), then each block as a varint length, its CID's bytes and
// its bytes. Written here by hand so that the writer controls every await: a slow or gone client
// stops the walk that produces the blocks, and nothing is queued behind it.
import type { CID } from 'multiformats/cid';

/** Unsigned LEB128, the varint CAR files use. */
export function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

export async function carHeader(roots: readonly CID[]): Promise<Uint8Array> {
  const dagCbor = await import('@ipld/dag-cbor');
  const header = dagCbor.encode({ roots: [...roots], version: 1 });
  return concat([varint(header.byteLength), header]);
}

/** One block's frame, as the pieces to write (no copy of the block's bytes). */
export function carBlock(cid: CID, bytes: Uint8Array): Uint8Array[] {
  return [varint(cid.bytes.byteLength + bytes.byteLength), cid.bytes, bytes];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
