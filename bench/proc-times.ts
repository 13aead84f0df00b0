// CPU time of processes, read from /proc: what a benchmark's processes spent on a piece of work,
// the kernel's share included (socket and file I/O run there).
import { readFileSync } from 'node:fs';

export const CLOCK_TICK_MS = 10; // USER_HZ is 100 on Linux

export interface ProcTimes {
  /** Milliseconds of CPU in user mode and in the kernel, and their sum. */
  readonly user: number;
  readonly system: number;
  readonly self: number;
  /** Milliseconds of CPU of the children it has waited for. */
  readonly children: number;
  readonly ppid: number;
  readonly comm: string;
}

/** The process's CPU times so far, undefined once it has gone. */
export function procTimes(pid: number): ProcTimes | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, stime 15, cutime 16, cstime 17.
    const at = (field: number) => Number(fields[field - 3]);
    const user = at(14) * CLOCK_TICK_MS;
    const system = at(15) * CLOCK_TICK_MS;
    return { user, system, self: user + system, children: (at(16) + at(17)) * CLOCK_TICK_MS, ppid: at(4), comm };
  } catch {
    return undefined;
  }
}
