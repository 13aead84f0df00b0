// A bound on the manifest content OpenReader's own queries read. Rows are counted as they come back
// (graphql-response-rows.ts), but only once Postgres has handed the whole result over: a row of
// ManifestContent holds its manifest's annotations, files, children and platforms, up to the 4 MiB
// the content indexer reads, and anyone can record a thousand near-identical 4 MiB manifests
// (IPFS stores their shared chunks once). `manifestContents(limit: 1000) { annotations }` was then
// 1,000 rows, within every bound, and 4 GB read into the server, which ran out of memory.
//
// So before such a query's SQL runs, the same rows (its WHERE, ORDER BY, LIMIT and OFFSET, printed
// by OpenReader's own printer) are read once more for their manifests' sizes only (an integer, no
// content detoasted), and the sum is charged to the request's content budget
// (src/server-extension/content-budget.ts, GQL_MAX_CONTENT_BYTES), the one the custom artifact
// queries charge: past it the request is answered RESPONSE_TOO_LARGE and the content is never read.
// A page of a few hundred ordinary manifests (a few kB each) is far within it.
//
// OpenReader reads ManifestContent only through its root queries (list, by id, connection): no
// entity relates to it (tags name it by digest), so no nested list reaches its rows
// (test/indexer/openreader-content-bytes.test.ts checks the schema still says so).
import { chargeContentBytes } from '../server-extension/content-budget';

/** The most bytes a manifest the content indexer reads may have (src/content-index/config.ts). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** Entities whose fields are as large as a manifest, and the column that says how large. */
const BOUNDED_ENTITIES: Readonly<Record<string, { contentFields: readonly string[]; sizeField: string }>> = {
  ManifestContent: { contentFields: ['annotations', 'files', 'children', 'platforms'], sizeField: 'size' },
};

/** The query objects OpenReader executes: printed SQL, its parameters, and how to map its rows. */
interface SqlQuery {
  sql: string;
  params: unknown[];
  map(rows: unknown[][]): unknown;
}

interface FieldRequest {
  field: string;
}

interface SqlArguments {
  where?: unknown;
  orderBy?: unknown;
  limit?: number;
  offset?: number;
}

interface EntityCursor {
  column(field: string): string;
}

type EntitySqlPrinter = new (model: unknown, dialect: unknown, entity: string, params: unknown[], args: SqlArguments, fields: FieldRequest[]) => {
  root: EntityCursor;
  printFrom(): string;
};

type QueryClass = new (...args: any[]) => SqlQuery;

/** OpenReader's sql/query module: the query classes its resolvers construct through it. */
export interface OpenreaderQueryModule {
  ListQuery?: QueryClass;
  EntityByIdQuery?: QueryClass;
  ConnectionQuery?: QueryClass;
}

interface OpenreaderContextClass {
  prototype: { executeQuery(query: unknown): Promise<unknown> };
}

/** What a query must charge before it runs: the SQL summing its rows' manifest sizes, and what they are. */
interface ContentSizing {
  query: SqlQuery;
  what: string;
}

const sizings = new WeakMap<object, ContentSizing>();

/**
 * The sizing of a query of `entity` with these arguments, or undefined when it asks for no
 * content. A row's manifest size bounds all of its content fields together (each is a part of the
 * manifest), so the row is charged once however many of them are asked for.
 */
function contentSizing(Printer: EntitySqlPrinter, model: unknown, dialect: unknown, entity: string, fields: unknown, args: SqlArguments): ContentSizing | undefined {
  const bounded = BOUNDED_ENTITIES[entity];
  if (!bounded || !Array.isArray(fields)) return undefined;
  const asked = bounded.contentFields.filter((name) => (fields as FieldRequest[]).some((request) => request.field === name));
  if (asked.length === 0) return undefined;
  const params: unknown[] = [];
  const printer = new Printer(model, dialect, entity, params, args, []);
  const column = (field: string) => printer.root.column(field);
  // The content indexer writes a manifest's facts with its size; a row with facts but no size
  // (none is written so) is charged as the largest manifest rather than as nothing.
  const noContent = bounded.contentFields.map((field) => `${column(field)} IS NULL`).join(' AND ');
  const bytes = `CASE WHEN ${column(bounded.sizeField)} IS NOT NULL THEN ${column(bounded.sizeField)} WHEN ${noContent} THEN 0 ELSE ${MAX_MANIFEST_BYTES} END`;
  return {
    query: {
      sql: `SELECT coalesce(sum(content_bytes), 0) FROM (SELECT ${bytes} AS content_bytes ${printer.printFrom()}) AS asked`,
      params,
      map: (rows) => Number(rows[0]?.[0] ?? 0),
    },
    what: `${asked.map((field) => `${entity}.${field}`).join(', ')} of the rows asked for`,
  };
}

/**
 * Replaces OpenReader's list, by-id and connection query classes with ones that note, for a query
 * asking for content, the SQL that sizes it, and makes both database contexts run that SQL first
 * and charge its sum to the request's content budget. False when OpenReader no longer has the
 * pieces this relies on (nothing is then bounded, and the caller says so).
 */
export function boundOpenreaderContentBytes(queries: OpenreaderQueryModule, printer: EntitySqlPrinter | undefined, contexts: readonly (OpenreaderContextClass | undefined)[]): boolean {
  const { ListQuery, EntityByIdQuery, ConnectionQuery } = queries;
  const executors = contexts.filter((Class) => typeof Class?.prototype?.executeQuery === 'function') as OpenreaderContextClass[];
  if (typeof printer !== 'function' || typeof ListQuery !== 'function' || typeof EntityByIdQuery !== 'function' || typeof ConnectionQuery !== 'function' || executors.length === 0) {
    return false;
  }
  const Printer = printer;
  queries.ListQuery = class extends ListQuery {
    constructor(model: unknown, dialect: unknown, typeName: string, fields: unknown, args: SqlArguments = {}) {
      super(model, dialect, typeName, fields, args);
      noteSizing(this, contentSizing(Printer, model, dialect, typeName, fields, args));
    }
  };
  queries.EntityByIdQuery = class extends EntityByIdQuery {
    constructor(model: unknown, dialect: unknown, entityName: string, fields: unknown, id: unknown) {
      super(model, dialect, entityName, fields, id);
      noteSizing(this, contentSizing(Printer, model, dialect, entityName, fields, { where: { op: 'eq', field: 'id', value: id } }));
    }
  };
  queries.ConnectionQuery = class extends ConnectionQuery {
    constructor(model: unknown, dialect: unknown, typeName: string, request: { orderBy?: unknown; where?: unknown; edgeNode?: unknown }) {
      super(model, dialect, typeName, request);
      // The page as OpenReader reads it: its offset and limit (one row more, to tell whether a
      // next page exists) are worked out from `after` and `first` by the constructor.
      const { offset, limit } = this as unknown as { offset: number; limit: number };
      noteSizing(this, contentSizing(Printer, model, dialect, typeName, request.edgeNode, { orderBy: request.orderBy, where: request.where, offset, limit: limit + 1 }));
    }
  };
  for (const Class of executors) {
    const executeQuery = Class.prototype.executeQuery;
    Class.prototype.executeQuery = async function (this: object, query: unknown) {
      const sizing = typeof query === 'object' && query !== null ? sizings.get(query) : undefined;
      if (sizing) {
        // In the request's transaction, right before the content is read: refused here, it never is.
        // The two statements can differ only by what the content indexer wrote between them (one
        // manifest per write), so what is read exceeds the sum by at most those few manifests.
        const bytes = (await executeQuery.call(this, sizing.query)) as number;
        chargeContentBytes({ openreader: this }, bytes, sizing.what);
      }
      return executeQuery.call(this, query);
    };
  }
  return true;
}

function noteSizing(query: object, sizing: ContentSizing | undefined): void {
  if (sizing) sizings.set(query, sizing);
}
