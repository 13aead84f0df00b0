// A child process of the indexer (processor, GraphQL server) with its output forwarded line by
// line, the last lines kept for error messages, and a stop that cannot hang. A child stops by
// itself when this process goes without stopping it (exit-with-parent.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  /** The last lines it printed (stdout and stderr). */
  recentOutput(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ChildExit>;
  kill(signal: NodeJS.Signals): void;
}

export function startChild(name: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; log?: (line: string) => void }): ManagedChild {
  // The IPC channel carries nothing: the child sees it close when this process goes (exit-with-parent.ts).
  const child: ChildProcess = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  const recent: string[] = [];
  const onLine = (line: string) => {
    recent.push(line.length > 2_000 ? `${line.slice(0, 2_000)}…` : line);
    if (recent.length > 40) recent.shift();
    options.log?.(`[${name}] ${line}`);
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  const exited = new Promise<ChildExit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      onLine(`could not start: ${error.message}`);
      resolve({ code: -1, signal: null });
    });
  });
  let done = false;
  void exited.then(() => (done = true));
  return {
    pid: child.pid ?? -1,
    exited,
    recentOutput: () => recent.join('\n'),
    kill(signal) {
      if (!done) child.kill(signal);
    },
    async stop(graceMs = 5_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
