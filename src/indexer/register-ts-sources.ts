// Subsquid's loaders (typeorm-config's model, graphql-server's extensions) look for compiled
// code in lib/ unless ts-node is registered. This project runs its TypeScript sources directly
// through tsx, so it tells them, the way ts-node would, that src/ is what runs.
const TS_NODE_MARK = Symbol.for('ts-node.register.instance');

export function registerTsSources(): void {
  const proc = process as unknown as Record<symbol, unknown>;
  proc[TS_NODE_MARK] ??= { options: {} };
}

registerTsSources();
