// Subsquid's GraphQL server with this project's custom queries (src/server-extension), which
// are TypeScript: run through tsx, with the server told to load src/ rather than lib/.
//
// Error answers carry no stack traces: Apollo adds them to every error (a mistyped field, a bad
// search text) unless NODE_ENV is "production", which would also turn off the introspection
// that the console and clients rely on. OpenReader creates its ApolloServer without a way to
// pass `debug`, so the class it constructs is replaced by one that sets `debug: false`.
//
// The same replacement puts the response cache (src/indexer/graphql-response-cache.ts) in front of
// Apollo's middleware, unless it is turned off or OpenReader's own time-based `--dumb-cache` was
// asked for instead.
import './register-ts-sources';
import { dbUrlFromEnv } from './db-url';
import { indexVersion, responseCacheMiddleware, responseCacheSettingsFromEnv } from './graphql-response-cache';
import type { Application, RequestHandler } from 'express';

type MiddlewareFactory = (bodyParserConfig: object | undefined) => RequestHandler[];

function responseCache(): MiddlewareFactory | undefined {
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
  return (bodyParserConfig) => responseCacheMiddleware(settings, version, bodyParserConfig);
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
  apollo.ApolloServer = class extends Base {
    constructor(config: object) {
      super({ ...config, debug: false });
    }

    override applyMiddleware(options: MiddlewareOptions): void {
      // OpenReader's options: the default path and CORS, and a body size limit. Anything else
      // (a future version) would not be mirrored by the cache, so it stays out of the way.
      const mirrorable = (options.path ?? '/graphql') === '/graphql' && options.cors === undefined && typeof options.bodyParserConfig !== 'boolean';
      if (cache && mirrorable) options.app.use('/graphql', ...cache(options.bodyParserConfig as object | undefined));
      else if (cache) console.error('graphql: @subsquid/openreader changed how it sets up Apollo; the response cache is off');
      super.applyMiddleware(options);
    }
  };
}

patchApolloServer();
require('@subsquid/graphql-server/bin/run.js');
