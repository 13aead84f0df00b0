// Entity ids derived from chain keys. Byte strings enter ids as hex so that any bytes (and any
// separator inside a name) give one unambiguous id.
//
// A byte string longer than MAX_ID_BYTES enters as `sha256:<hash of its bytes>` instead: ids are
// primary keys, and Postgres refuses a B-tree entry above about 2.7 kB, so a huge image name, tag
// or digest written on chain by anyone would fail every batch and stop the index for everyone.
// The form cannot be mistaken for hex (which is `0x` and hex digits only), and the row keeps the
// exact bytes in its `…Hex` column.
import { createHash } from 'node:crypto';
import type { ChainBytes } from '../bytes';

/** Bytes kept as hex in an id: a tag id (space id, image name and tag) stays within a B-tree entry. */
export const MAX_ID_BYTES = 512;

/** How a byte string appears in an id. */
export function idPart(bytes: ChainBytes): string {
  if (bytes.hex.length <= 2 + 2 * MAX_ID_BYTES) return bytes.hex;
  return `sha256:${createHash('sha256').update(Buffer.from(bytes.hex.slice(2), 'hex')).digest('hex')}`;
}

export const imageId = (spaceId: string, imageName: ChainBytes) => `${spaceId}/${idPart(imageName)}`;
export const tagId = (imageId: string, tag: ChainBytes) => `${imageId}/${idPart(tag)}`;
export const manifestId = (imageId: string, digest: ChainBytes) => `${imageId}/${idPart(digest)}`;
/** A blob is its digest: DigestInfoStorage is keyed by digest alone. */
export const blobId = (digest: ChainBytes) => idPart(digest);
