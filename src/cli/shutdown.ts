// Stops services in reverse start order on Ctrl-C / SIGTERM, once.
const stops: (() => Promise<void> | void)[] = [];
let installed = false;

export function onShutdown(stop: () => Promise<void> | void): void {
  stops.push(stop);
  if (installed) return;
  installed = true;
  const shutdown = async (signal: string) => {
    console.error(`\n${signal}: stopping`);
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (error) {
        console.error(`while stopping: ${(error as Error).message}`);
      }
    }
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
