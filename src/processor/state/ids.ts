// Entity ids derived from chain keys. Byte strings enter ids as hex so that any bytes (and any
// separator inside a name) give one unambiguous id.
import type { ChainBytes } from '../bytes';

export const imageId = (spaceId: string, imageName: ChainBytes) => `${spaceId}/${imageName.hex}`;
export const tagId = (imageId: string, tag: ChainBytes) => `${imageId}/${tag.hex}`;
export const manifestId = (imageId: string, digest: ChainBytes) => `${imageId}/${digest.hex}`;
