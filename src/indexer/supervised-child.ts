// A child of a stack that runs unattended (`hcr dev`, `hcr indexer`'s content indexer) started
// again whenever it exits on its own. The processor exits on a fatal database error (Postgres
// restarting, its connections cut) and relies on being restarted; without a supervisor the index
// would stop where it was, silently, while GraphQL went on answering from it. Each exit is told
// with the child's last line, and the pause before the next start grows while the child keeps
// failing at once (a setting it will never accept is not retried every few seconds for ever).
import type { ChildExit, ManagedChild } from './child-process';

export interface SupervisedChild {
  /** The child now running (or the one that exited, during the pause before the next). */
  current(): ManagedChild;
  /** How many times it was started again. */
  readonly restarts: number;
  /** Stops it, and starts no other. */
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  /** Where each exit and restart is told. */
  readonly log: (line: string) => void;
  /** The first pause before a start again (default 5 s); it doubles up to `maxPauseMs` while the child keeps failing. */
  readonly pauseMs?: number;
  readonly maxPauseMs?: number;
}

/** A child that ran this long before exiting is started again after the first pause, not a longer one. */
const HEALTHY_RUN_MS = 60_000;

export function superviseChild(name: string, start: () => ManagedChild, options: SuperviseOptions): SupervisedChild {
  const firstPause = options.pauseMs ?? 5_000;
  const maxPause = options.maxPauseMs ?? 60_000;
  let stopped = false;
  let restarts = 0;
  let pause = firstPause;
  let timer: NodeJS.Timeout | undefined;
  let child = start();
  let startedAt = Date.now();

  const watch = (current: ManagedChild) =>
    void current.exited.then((exit) => {
      if (stopped) return;
      pause = Date.now() - startedAt >= HEALTHY_RUN_MS ? firstPause : pause;
      options.log(`${name} exited (${exitText(exit)})${lastLine(current)}; starting it again in ${pauseText(pause)}`);
      timer = setTimeout(() => {
        if (stopped) return;
        restarts++;
        child = start();
        startedAt = Date.now();
        watch(child);
      }, pause);
      timer.unref();
      pause = Math.min(pause * 2, maxPause);
    });
  watch(child);

  return {
    current: () => child,
    get restarts() {
      return restarts;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await child.stop();
    },
  };
}

function exitText(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

function lastLine(child: ManagedChild): string {
  const line = child.recentOutput().split('\n').filter((l) => l.trim()).pop();
  return line ? `: ${line.length > 300 ? `${line.slice(0, 300)}…` : line}` : '';
}

const pauseText = (ms: number) => (ms >= 1_000 ? `${Math.round(ms / 1_000)} s` : `${ms} ms`);
