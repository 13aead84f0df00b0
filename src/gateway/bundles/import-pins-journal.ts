// The pins a running import took, written down before each is taken
// (`<data dir>/gateway/import-pins/<random>.jsonl`, a line per pin), so that an import killed
// before it could release them (kill -9, a second Ctrl-C, a lost machine) does not leave them for
// good: nothing else knows them, and no record of the gateway's points at that content. An import
// removes its journal when it ends, whether its records were written or its pins released. The
// gateway's cleanup releases the pins of a journal nothing has written to for as long as it keeps
// an unfinished upload (a running import adds a line per item, each stored in moments to minutes),
// by the same rule as a failed import (release-import-pins.ts: a pin the records hold stays), then
// removes it. A running import also touches its journal every minute, so that one storing a single
// large item in another process or container is never taken for a killed one.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { appendFile, mkdir, open, readdir, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImportPin } from './release-import-pins';

const FOLDER = 'import-pins';
/**
 * The most of a journal that is read: a line per item is shorter than the item's entry in the
 * bundle's record, one block of at most 8 MiB (MAX_CAR_SECTION_BYTES), so a file grown past this
 * by someone else in the data dir cannot make the cleanup read without bound.
 */
const MAX_JOURNAL_BYTES = 16 * 2 ** 20;

/** How often a running import touches its journal. */
const HEARTBEAT_MS = 60_000;

export class ImportPinsJournal {
  readonly path: string;
  readonly #heartbeat: NodeJS.Timeout;

  private constructor(path: string, heartbeatMs: number) {
    this.path = path;
    this.#heartbeat = setInterval(() => {
      const now = new Date();
      void utimes(this.path, now, now).catch(() => undefined);
    }, heartbeatMs);
    this.#heartbeat.unref();
  }

  static async create(gatewayDir: string, options: { heartbeatMs?: number } = {}): Promise<ImportPinsJournal> {
    const folder = join(gatewayDir, FOLDER);
    await mkdir(folder, { recursive: true });
    const path = join(folder, `${randomBytes(8).toString('hex')}.jsonl`);
    await appendFile(path, '', { flag: 'wx' });
    return new ImportPinsJournal(path, options.heartbeatMs ?? HEARTBEAT_MS);
  }

  /** Written before the pin is taken: a pin taken is always in the journal. */
  async add(pin: ImportPin): Promise<void> {
    await appendFile(this.path, `${JSON.stringify({ digest: pin.digest, cid: pin.cid })}\n`);
  }

  /** The import ended with pins left for the cleanup: the journal stays, no longer touched. */
  stop(): void {
    clearInterval(this.#heartbeat);
  }

  async remove(): Promise<void> {
    this.stop();
    await rm(this.path, { force: true });
  }
}

export interface KilledImportPins {
  /** Journals whose pins were released (or found recorded) and which were removed. */
  readonly journals: number;
}

/**
 * Releases the pins of each journal under `gatewayDir` last written before `cutoff` (ms since the
 * epoch) through `release` (false: not all could be), then removes it. One that cannot be read or
 * released now is left for the next sweep.
 */
export async function releaseKilledImportPins(gatewayDir: string, cutoff: number, release: (pins: readonly ImportPin[]) => Promise<boolean>): Promise<KilledImportPins> {
  const folder = join(gatewayDir, FOLDER);
  const names = await readdir(folder).catch(() => [] as string[]);
  let journals = 0;
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(folder, name);
    try {
      const pins = await readJournal(path, cutoff);
      if (!pins) continue;
      // Kept while the store cannot release them all (it is down): the next sweep tries again.
      if (!(await release(pins))) continue;
      await rm(path, { force: true });
      journals++;
    } catch {
      // Unreadable now (permissions, a disk error): the next sweep tries again.
    }
  }
  return { journals };
}

/** The pins of the journal at `path`, or undefined when it was written at or after `cutoff`. */
async function readJournal(path: string, cutoff: number): Promise<ImportPin[] | undefined> {
  // Neither followed if it is a symlink nor waited on if it is a FIFO: only a file of the folder's own is read.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.mtimeMs >= cutoff) return undefined;
    const bytes = Buffer.alloc(Math.min(info.size, MAX_JOURNAL_BYTES));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    const pins: ImportPin[] = [];
    // A line cut short by the kill, or anything else that is not a pin, is passed over.
    for (const line of bytes.subarray(0, bytesRead).toString('utf8').split('\n')) {
      try {
        const entry = JSON.parse(line) as Partial<ImportPin>;
        if (typeof entry.digest === 'string' && typeof entry.cid === 'string') pins.push({ digest: entry.digest, cid: entry.cid });
      } catch {
        continue;
      }
    }
    return pins;
  } finally {
    await handle.close();
  }
}
