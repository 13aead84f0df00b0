// Where a batch's state reads what the entity cache lacks. The reads go through the batch's own
// transaction: typeorm-store may roll hot blocks back in that transaction before the handler
// runs, and another connection would still see the rows it removed.
import { In } from 'typeorm';
import type { Store } from '@subsquid/typeorm-store';
import { Account, Blob, Image, Manifest, Space, Tag } from '../../model';
import { storeInternals } from './store-internals';

/** The entity types loaded by id, and spaces (loaded with their owners). */
export const LOADED_TYPES = { accounts: Account, spaces: Space, images: Image, tags: Tag, manifests: Manifest, blobs: Blob };
export type LoadedKind = keyof typeof LOADED_TYPES;
export type ByIdKind = Exclude<LoadedKind, 'spaces'>;
export type LoadedEntity<K extends LoadedKind> = InstanceType<(typeof LOADED_TYPES)[K]>;

export interface EntityReader {
  /** For each kind, whether its table holds no row at all. */
  emptyTables(kinds: readonly LoadedKind[]): Promise<boolean[]>;
  /** The entities of one kind with these ids, without their relations. */
  byIds<K extends ByIdKind>(kind: K, ids: string[]): Promise<LoadedEntity<K>[]>;
  /** The spaces with these ids or owned by these accounts, each with its owner. */
  spaces(ids: string[], owners: string[]): Promise<Space[]>;
}

/** Reads through a batch's store (its transaction). */
export function storeReader(store: Store): EntityReader {
  return {
    async emptyTables(kinds) {
      const manager = storeInternals(store).em();
      const driver = manager.connection.driver;
      const probes = kinds.map((kind, i) => `NOT EXISTS (SELECT 1 FROM ${driver.escape(manager.connection.getMetadata(LOADED_TYPES[kind]).tablePath)}) AS "t${i}"`);
      const [row] = (await manager.query(`SELECT ${probes.join(', ')}`)) as Record<string, boolean>[];
      return kinds.map((_, i) => row[`t${i}`] === true);
    },
    byIds(kind, ids) {
      const type = LOADED_TYPES[kind] as unknown as new () => LoadedEntity<typeof kind>;
      return store.findBy(type, { id: In(ids) } as never);
    },
    spaces(ids, owners) {
      return store.find(Space, { where: [{ id: In(ids) }, { owner: { id: In(owners) } }], relations: { owner: true } });
    },
  };
}
