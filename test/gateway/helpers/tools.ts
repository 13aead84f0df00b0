// Running the real clients (skopeo, umoci, podman, docker) from tests: which are installed, and
// running one with a deadline, failing with its output.
import { execFile, execFileSync } from 'node:child_process';

export function hasTool(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A skip reason naming the missing tools and how to install them, or false when all are there. */
export function missingTools(tools: readonly string[], packages: string): string | false {
  const missing = tools.filter((tool) => !hasTool(tool));
  return missing.length === 0 ? false : `needs ${missing.join(', ')}: apt-get update && apt-get install -y --no-install-recommends ${packages}`;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024, cwd: options.cwd, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stderr}\n${stdout}`.slice(0, 8000)));
      else resolve({ stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
