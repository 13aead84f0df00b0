// Subsquid's GraphQL server with this project's custom queries (src/server-extension), which
// are TypeScript: run through tsx, with the server told to load src/ rather than lib/.
//
// Error answers carry no stack traces: Apollo adds them to every error (a mistyped field, a bad
// search text) unless NODE_ENV is "production", which would also turn off the introspection
// that the console and clients rely on. OpenReader creates its ApolloServer without a way to
// pass `debug`, so the class it constructs is replaced by one that sets `debug: false`.
//
// The same replacement adds the response cache (src/indexer/graphql-response-cache.ts), unless it
// is turned off or OpenReader's own time-based `--dumb-cache` was asked for instead.
import './register-ts-sources';
import { dbUrlFromEnv } from './db-url';
import { indexVersion, responseCachePlugins, responseCacheSettingsFromEnv } from './graphql-response-cache';

function extraPlugins(): object[] {
  let settings;
  try {
    settings = responseCacheSettingsFromEnv();
  } catch (error) {
    console.error(`graphql: ${(error as Error).message}`);
    process.exit(2);
  }
  if (!settings.enabled) return [];
  if (process.argv.some((arg) => arg.startsWith('--dumb-cache'))) {
    console.error('graphql: --dumb-cache was given, so the index-versioned response cache stays off');
    return [];
  }
  const version = indexVersion(dbUrlFromEnv());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void version.close());
  const core = require('@subsquid/apollo-server-core') as { ApolloServerPluginCacheControl: (options: object) => object };
  return responseCachePlugins(settings, version, core.ApolloServerPluginCacheControl);
}

function patchApolloServer(): void {
  const apollo = require('@subsquid/apollo-server-express/dist/ApolloServer') as { ApolloServer?: new (config: object) => object };
  const Base = apollo.ApolloServer;
  if (typeof Base !== 'function') {
    console.error('graphql: @subsquid/apollo-server-express changed; error answers may include stack traces, and the response cache is off');
    return;
  }
  const plugins = extraPlugins();
  apollo.ApolloServer = class extends Base {
    constructor(config: { plugins?: unknown[] }) {
      super({ ...config, debug: false, plugins: [...(config.plugins ?? []), ...plugins] });
    }
  };
}

patchApolloServer();
require('@subsquid/graphql-server/bin/run.js');
