// The entity types the handler writes, by a name that crosses threads (class objects do not).
import { Account, Blob, DigestInfoRecord, Image, Manifest, Space, SpaceMember, Tag, TagUpdate } from '../../model';

export const WRITTEN_ENTITIES = { Account, Space, Image, Manifest, Tag, Blob, SpaceMember, TagUpdate, DigestInfoRecord };

export type WrittenEntity = keyof typeof WRITTEN_ENTITIES;
