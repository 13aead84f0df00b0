// Running the real `hcr` binary from tests: its output collected, a deadline, and the check that
// a failure exits with the expected code and no stack trace.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');
export const BIN = join(ROOT, 'bin/hcr.js');
const RUN_TIMEOUT_MS = 60_000;

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function spawnHcr(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Waits for a child to close, keeping its output; `onStderr` sees stderr as it grows. */
export function collect(child: ChildProcess, what: string, onStderr?: (text: string) => void): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hcr ${what} did not finish within ${RUN_TIMEOUT_MS} ms; stderr so far:\n${stderr}`));
    }, RUN_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export function expectExit(run: Run, code: number): void {
  assert.equal(run.code, code, `expected exit ${code}, got ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

/** Resolves with everything a running child printed once `pattern` appears in it (call it again to wait for more). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const state = child as ChildProcess & { output?: string };
  if (state.output === undefined) {
    state.output = '';
    child.stdout!.on('data', (chunk) => (state.output += chunk));
    child.stderr!.on('data', (chunk) => (state.output += chunk));
  }
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(new Error(`no ${pattern} within ${timeoutMs / 1000} s:\n${state.output}`));
    }, timeoutMs);
    const poll = setInterval(() => {
      if (pattern.test(state.output!)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolvePromise(state.output!);
      } else if (child.exitCode !== null) {
        clearInterval(poll);
        clearTimeout(timer);
        reject(new Error(`it exited (${child.exitCode}) before ${pattern}:\n${state.output}`));
      }
    }, 50);
  });
}

/** SIGTERM, then waits for the exit (a service stops its children on the way); SIGKILL after 30 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
