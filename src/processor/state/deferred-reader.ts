// An EntityReader whose reads wait for something first: the next batch, prepared ahead, reads
// through the current batch's transaction once the current batch's writes are done, so that it
// sees them (the statements on one connection run in the order they were sent).
import type { EntityReader } from './entity-reader';

export function readerAfter(done: Promise<unknown>, reader: EntityReader): EntityReader {
  return {
    emptyTables: async (kinds) => {
      await done;
      return reader.emptyTables(kinds);
    },
    byIds: async (kind, ids) => {
      await done;
      return reader.byIds(kind, ids);
    },
    spaces: async (query) => {
      await done;
      return reader.spaces(query);
    },
  };
}
