// Subsquid's GraphQL server with this project's custom queries (src/server-extension), which
// are TypeScript: run through tsx, with the server told to load src/ rather than lib/.
//
// Error answers carry no stack traces: Apollo adds them to every error (a mistyped field, a bad
// search text) unless NODE_ENV is "production", which would also turn off the introspection
// that the console and clients rely on. OpenReader creates its ApolloServer without a way to
// pass `debug`, so the class it constructs is replaced by one that sets `debug: false`.
import './register-ts-sources';

function withoutStackTraces(): void {
  const apollo = require('@subsquid/apollo-server-express/dist/ApolloServer') as { ApolloServer?: new (config: object) => object };
  const Base = apollo.ApolloServer;
  if (typeof Base !== 'function') {
    console.error('graphql: @subsquid/apollo-server-express changed; error answers may include stack traces');
    return;
  }
  apollo.ApolloServer = class extends Base {
    constructor(config: object) {
      super({ ...config, debug: false });
    }
  };
}

withoutStackTraces();
require('@subsquid/graphql-server/bin/run.js');
