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

/** A space name as the chain has it: its bytes, and its text when it is text. */
export interface SpaceName {
  hex: string;
  text: string | null;
}

/** Which spaces to load: by id, by owner (SS58), and every space with one of these names. */
export interface SpaceQuery {
  ids: string[];
  owners: string[];
  names: SpaceName[];
}

/** Spaces are loaded with the spaces they refer to, since a changed space is written whole. */
export const SPACE_RELATIONS = { owner: true, shadowOf: true, nameTakenBy: true } as const;

export interface EntityReader {
  /** For each kind, whether its table holds no row at all. */
  emptyTables(kinds: readonly LoadedKind[]): Promise<boolean[]>;
  /** The entities of one kind with these ids, without their relations. */
  byIds<K extends ByIdKind>(kind: K, ids: string[]): Promise<LoadedEntity<K>[]>;
  /** The spaces the query names, each with its owner and the spaces it refers to (SPACE_RELATIONS). */
  spaces(query: SpaceQuery): Promise<Space[]>;
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
    async spaces({ ids, owners, names }) {
      // Names with text are found through the index on `name`; the few that are not text by their bytes.
      const texts = names.flatMap((name) => (name.text === null ? [] : [name.text]));
      const hexes = names.flatMap((name) => (name.text === null ? [name.hex] : []));
      const where = [
        ...(ids.length ? [{ id: In(ids) }] : []),
        ...(owners.length ? [{ owner: { id: In(owners) } }] : []),
        ...(texts.length ? [{ name: In(texts) }] : []),
        ...(hexes.length ? [{ nameHex: In(hexes) }] : []),
      ];
      return where.length ? store.find(Space, { where, relations: SPACE_RELATIONS }) : [];
    },
  };
}
