// The state thread's EntityReader: each read is a request to the main thread, which runs it in
// the batch's transaction. Entities arrive as plain objects (classes do not cross threads) and
// are made instances of their model classes again.
import { Account, Space } from '../../model';
import { type ByIdKind, type EntityReader, LOADED_TYPES, type LoadedEntity, type SpaceQuery } from '../state/entity-reader';
import type { ReadCall } from './messages';

export type ReadRequest = (call: ReadCall, args: unknown[]) => Promise<unknown>;

export function remoteReader(request: ReadRequest): EntityReader {
  return {
    async emptyTables(kinds) {
      return (await request('emptyTables', [kinds])) as boolean[];
    },
    async byIds<K extends ByIdKind>(kind: K, ids: string[]) {
      const rows = (await request('byIds', [kind, ids])) as object[];
      const type = LOADED_TYPES[kind] as unknown as new (props: object) => LoadedEntity<K>;
      return rows.map((row) => new type(row));
    },
    async spaces(query) {
      const rows = (await request('spaces', [query])) as (Space & { owner: object; shadowOf: object | null; nameTakenBy: object | null })[];
      const space = (row: object | null) => (row ? new Space(row) : row);
      return rows.map((row) => new Space({ ...row, owner: new Account(row.owner), shadowOf: space(row.shadowOf), nameTakenBy: space(row.nameTakenBy) }));
    },
  };
}

/** Runs a read the state thread asked for. */
export function runRead(reader: EntityReader, call: ReadCall, args: unknown[]): Promise<unknown> {
  switch (call) {
    case 'emptyTables': return reader.emptyTables(args[0] as Parameters<EntityReader['emptyTables']>[0]);
    case 'byIds': return reader.byIds(args[0] as ByIdKind, args[1] as string[]);
    case 'spaces': return reader.spaces(args[0] as SpaceQuery);
    default: return Promise.reject(new Error(`the state thread asked for an unknown read "${String(call)}"`));
  }
}
