// The state thread's EntityReader: each read is a request to the main thread, which runs it in
// the batch's transaction. Entities arrive as plain objects (classes do not cross threads) and
// are made instances of their model classes again.
import { Account, Space } from '../../model';
import { type ByIdKind, type EntityReader, LOADED_TYPES, type LoadedEntity } from '../state/entity-reader';
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
    async spaces(ids, owners) {
      const rows = (await request('spaces', [ids, owners])) as (Space & { owner: object })[];
      return rows.map((row) => new Space({ ...row, owner: new Account(row.owner) }));
    },
  };
}

/** Runs a read the state thread asked for. */
export function runRead(reader: EntityReader, call: ReadCall, args: unknown[]): Promise<unknown> {
  switch (call) {
    case 'emptyTables': return reader.emptyTables(args[0] as Parameters<EntityReader['emptyTables']>[0]);
    case 'byIds': return reader.byIds(args[0] as ByIdKind, args[1] as string[]);
    case 'spaces': return reader.spaces(args[0] as string[], args[1] as string[]);
    default: return Promise.reject(new Error(`the state thread asked for an unknown read "${String(call)}"`));
  }
}
