// Subsquid's GraphQL server with this project's custom queries (src/server-extension), which
// are TypeScript: run through tsx, with the server told to load src/ rather than lib/.
//
// Error answers carry no stack traces: Apollo adds them to every error (a mistyped field, a bad
// search text) unless NODE_ENV is "production", which would also turn off the introspection
// that the console and clients rely on. OpenReader creates its ApolloServer without a way to
// pass `debug`, so the class it constructs is replaced by one that sets `debug: false`.
//
// The same replacement puts the response cache (src/indexer/graphql-response-cache.ts and its
// fast path, graphql-cache-fast-path.ts) in front of Apollo's middleware, unless it is turned off
// or OpenReader's own time-based `--dumb-cache` was asked for instead, and answers request bodies
// that cannot be read with a JSON error instead of Express's HTML page (graphql-request-body.ts),
// and adds /healthz, /readyz and /metrics with every request timed (graphql-observability.ts).
// It also adds a validation rule that refuses queries nesting lists of entities more than
// GQL_MAX_LIST_NESTING deep (graphql-list-nesting.ts): each level multiplies the answer's rows;
// one that refuses queries asking for more than GQL_MAX_LIST_FIELDS root fields and lists, or
// GQL_MAX_FIELDS fields, aliases and fragment spreads expanded (graphql-query-breadth.ts): each is
// more work on the request's one connection; and it bounds each query's SQL by
// GQL_SQL_STATEMENT_TIMEOUT_MS (graphql-statement-timeout.ts). While a query runs, the rows of its
// answer are counted and it is stopped past GQL_MAX_RESPONSE_ROWS (graphql-response-rows.ts), one
// that would read ManifestContent's content from more than GQL_MAX_CONTENT_BYTES of manifests is
// refused before it is read (graphql-content-bytes.ts); and
// each client may have GQL_MAX_CONCURRENT_PER_CLIENT requests in flight (graphql-client-concurrency.ts).
import './register-ts-sources';
import { exitWithParent } from './exit-with-parent';
import { dbUrlFromEnv } from './db-url';
import { answerCacheHitsFirst } from './graphql-cache-fast-path';
import { bodyErrorHandler } from './graphql-request-body';
import { indexVersion, ResponseCache, responseCacheMiddleware, responseCacheSettingsFromEnv } from './graphql-response-cache';
import { graphqlObservabilityFromEnv, observeGraphql } from './graphql-observability';
import { listNestingRule, maxListNestingFromEnv } from './graphql-list-nesting';
import { maxFieldsFromEnv, maxListFieldsFromEnv, queryBreadthRule } from './graphql-query-breadth';
import { explainStatementTimeout, withStatementTimeout } from './graphql-statement-timeout';
import { withoutInternals } from './graphql-error-details';
import { databaseOutageStatus, explainDatabaseOutage } from './graphql-database-outage';
import { countOpenreaderRows, maxResponseRowsFromEnv, setMaxResponseRows } from './graphql-response-rows';
import { maxContentBytesFromEnv, setMaxContentBytes } from '../server-extension/content-budget';
import { boundOpenreaderContentBytes } from './graphql-content-bytes';
import { limitConcurrentRequests, maxConcurrentPerClientFromEnv } from './graphql-client-concurrency';
import type { Application } from 'express';
import type { GraphQLError } from 'graphql';

function responseCache(): ResponseCache | undefined {
  let settings;
  try {
    settings = responseCacheSettingsFromEnv();
  } catch (error) {
    console.error(`graphql: ${(error as Error).message}`);
    process.exit(2);
  }
  if (!settings.enabled) return undefined;
  if (process.argv.some((arg) => arg.startsWith('--dumb-cache'))) {
    console.error('graphql: --dumb-cache was given, so the index-versioned response cache stays off');
    return undefined;
  }
  const version = indexVersion(dbUrlFromEnv());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void version.close());
  return new ResponseCache(settings, version);
}

interface MiddlewareOptions {
  app: Application;
  path?: string;
  cors?: unknown;
  bodyParserConfig?: object | boolean;
}

function patchApolloServer(): void {
  const apollo = require('@subsquid/apollo-server-express/dist/ApolloServer') as {
    ApolloServer?: new (config: object) => { applyMiddleware(options: MiddlewareOptions): void };
  };
  const Base = apollo.ApolloServer;
  if (typeof Base !== 'function') {
    console.error('graphql: @subsquid/apollo-server-express changed; error answers may include stack traces, and the response cache is off');
    return;
  }
  const cache = responseCache();
  let observability: ReturnType<typeof graphqlObservabilityFromEnv>;
  try {
    observability = graphqlObservabilityFromEnv(dbUrlFromEnv());
  } catch (error) {
    console.error(`graphql: ${(error as Error).message}`);
    process.exit(2);
  }
  let maxListNesting: number;
  let maxListFields: number;
  let maxFields: number;
  let statementTimeoutMs: number;
  let maxConcurrentPerClient: number;
  try {
    maxListNesting = maxListNestingFromEnv();
    maxListFields = maxListFieldsFromEnv();
    maxFields = maxFieldsFromEnv();
    setMaxResponseRows(maxResponseRowsFromEnv());
    setMaxContentBytes(maxContentBytesFromEnv());
    maxConcurrentPerClient = maxConcurrentPerClientFromEnv();
    // Read by OpenReader's own option parsing, which runs after this (graphql-statement-timeout.ts).
    statementTimeoutMs = withStatementTimeout(process.argv);
  } catch (error) {
    console.error(`graphql: ${(error as Error).message}`);
    process.exit(2);
  }
  countResponseRows();
  boundContentBytes();
  const explainTimeout = explainStatementTimeout(statementTimeoutMs);
  apollo.ApolloServer = class extends Base {
    constructor(config: { validationRules?: unknown[] }) {
      // Queries that nest lists without bound (graphql-list-nesting.ts), or ask for too many lists or
      // fields side by side (graphql-query-breadth.ts), are refused before any SQL runs,
      // and an answer stopped by the statement timeout says why (graphql-statement-timeout.ts);
      // no error answer carries the SQL or the driver's details (graphql-error-details.ts).
      super({
        ...config,
        debug: false,
        validationRules: [...(config.validationRules ?? []), listNestingRule(maxListNesting), queryBreadthRule(maxListFields, maxFields)],
        formatError: (error: GraphQLError) => withoutInternals(explainDatabaseOutage(explainTimeout(error))),
      });
    }

    override applyMiddleware(options: MiddlewareOptions): void {
      // OpenReader's options: the default path and CORS, and a body size limit. Anything else
      // (a future version) would not be mirrored by the cache, so it stays out of the way.
      // First on /graphql, so a client past its bound is refused before its body is parsed; cache
      // hits answered before Express (the fast path) cost no SQL and pass by it.
      // An answer that says Postgres is out of reach goes out as 503 with Retry-After.
      options.app.use('/graphql', databaseOutageStatus);
      if (observability.clientKey) options.app.use('/graphql', limitConcurrentRequests(maxConcurrentPerClient, observability.clientKey));
      const mirrorable = (options.path ?? '/graphql') === '/graphql' && options.cors === undefined && typeof options.bodyParserConfig !== 'boolean';
      if (cache && mirrorable) {
        const bodyParserConfig = options.bodyParserConfig as { limit?: unknown } | undefined;
        options.app.use('/graphql', ...responseCacheMiddleware(cache, bodyParserConfig));
        // OpenReader gives the limit in bytes; in another form, hits take Express's path.
        if (typeof bodyParserConfig?.limit === 'number') answerCacheHitsFirst(options.app, cache, bodyParserConfig.limit);
      } else if (cache) console.error('graphql: @subsquid/openreader changed how it sets up Apollo; the response cache is off');
      super.applyMiddleware(options);
      options.app.use(bodyErrorHandler);
      // Last, so it wraps everything above: the fast path's hits are timed too.
      observeGraphql(options.app, observability);
    }
  };
}

/** Counts the rows of every answer OpenReader reads (graphql-response-rows.ts), in both of its database contexts. */
function countResponseRows(): void {
  const { TypeormOpenreaderContext } = require('@subsquid/graphql-server/lib/typeorm') as { TypeormOpenreaderContext?: Parameters<typeof countOpenreaderRows>[0][number] };
  const { PoolOpenreaderContext } = require('@subsquid/openreader/lib/db') as { PoolOpenreaderContext?: Parameters<typeof countOpenreaderRows>[0][number] };
  if (!countOpenreaderRows([TypeormOpenreaderContext, PoolOpenreaderContext])) {
    console.error('graphql: @subsquid/openreader changed how it reads the database; answers are not bounded by GQL_MAX_RESPONSE_ROWS');
  }
}

/** Sizes OpenReader's reads of manifest content before they run (graphql-content-bytes.ts), in both of its database contexts. */
function boundContentBytes(): void {
  const queries = require('@subsquid/openreader/lib/sql/query') as Parameters<typeof boundOpenreaderContentBytes>[0];
  const { EntitySqlPrinter } = require('@subsquid/openreader/lib/sql/printer') as { EntitySqlPrinter?: Parameters<typeof boundOpenreaderContentBytes>[1] };
  const { TypeormOpenreaderContext } = require('@subsquid/graphql-server/lib/typeorm') as { TypeormOpenreaderContext?: Parameters<typeof boundOpenreaderContentBytes>[2][number] };
  const { PoolOpenreaderContext } = require('@subsquid/openreader/lib/db') as { PoolOpenreaderContext?: Parameters<typeof boundOpenreaderContentBytes>[2][number] };
  if (!boundOpenreaderContentBytes(queries, EntitySqlPrinter, [TypeormOpenreaderContext, PoolOpenreaderContext])) {
    console.error('graphql: @subsquid/openreader changed how it builds queries; ManifestContent answers are not bounded by GQL_MAX_CONTENT_BYTES');
  }
}

exitWithParent();
patchApolloServer();
require('@subsquid/graphql-server/bin/run.js');
