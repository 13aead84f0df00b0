// Writing a file whole or not at all. The bytes go to a new file beside the target, which is
// renamed over it only once complete. That file is created exclusively under a random name: a
// fixed name ("out.car.partial", "out.<pid>.part") in a directory others can write (/tmp, a
// shared download folder) can be planted in advance as a symlink to ~/.bashrc or another file
// of the user's, and writing through it would overwrite that file with a stranger's bytes.
// Ctrl-C (or a SIGTERM) while it is written removes it, so no half-written file is left behind.
// The name and the exclusive create are shared with the gateway's own files (exclusive-file.ts).
import { createWriteStream, existsSync, rmSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { AppendFile } from '../file-io/append-file';
import { EXCLUSIVE_CREATE, temporaryPathBeside } from '../file-io/exclusive-file';

const INTERRUPTS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** 128 + the signal's number, as shells report a command a signal stopped. */
const EXIT_ON: Record<(typeof INTERRUPTS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export interface PartialFile {
  /** Where the bytes go until commit(). */
  readonly path: string;
  /** A stream that creates the file; it fails (EEXIST) rather than open anything already there. */
  readonly stream: Writable;
  /** Renames the finished file over the target. */
  commit(): Promise<void>;
  /** Removes what was written (after a failure). */
  discard(): Promise<void>;
}

export interface PartialFileOptions {
  /** The file's permissions from its creation on (0o600 for credentials), so no one can open it while it is written. Default 0o666 less the umask. */
  readonly mode?: number;
  /**
   * Written in large pieces past the page cache where the filesystem allows it (append-file.ts),
   * for large files such as bundles: on a machine where fresh page-cache pages are dear, taking
   * them cost more than the download. Not with `mode` (the file is created 0o666 less the umask).
   */
  readonly unbuffered?: boolean;
}

export function partialFileFor(target: string, options: PartialFileOptions = {}): PartialFile {
  const path = temporaryPathBeside(target);
  // Only a file this process created is ever removed (never one that was at the path first).
  let created = false;
  // O_CREAT | O_EXCL, which also refuses a symlink at the path instead of following it.
  const stream = options.unbuffered ? unbufferedStream(path, () => (created = true)) : createWriteStream(path, { flags: EXCLUSIVE_CREATE, mode: options.mode ?? 0o666 });
  if (!options.unbuffered) stream.once('open', () => (created = true));
  const onInterrupt = (signal: (typeof INTERRUPTS)[number]) => {
    if (created) rmSync(path, { force: true });
    process.stderr.write(`\n${signal}: stopped; ${interruptedWrite(target, created)}\n`);
    process.exit(EXIT_ON[signal]);
  };
  for (const signal of INTERRUPTS) process.on(signal, onInterrupt);
  const settle = () => {
    for (const signal of INTERRUPTS) process.removeListener(signal, onInterrupt);
  };
  return {
    path,
    stream,
    async commit() {
      try {
        await rename(path, target);
      } finally {
        settle();
      }
    },
    async discard() {
      stream.destroy();
      // A stream destroyed while its file was still being created closes only once it exists: until
      // then it is not known to be this process's file, and would be left behind.
      if (!stream.closed) await new Promise<void>((closed) => stream.once('close', () => closed()));
      if (created) await rm(path, { force: true });
      settle();
    },
  };
}

/** A stream into a new AppendFile at `path` (created exclusively, as AppendFile.create does); `opened` once it exists. */
function unbufferedStream(path: string, opened: () => void): Writable {
  let file: AppendFile | undefined;
  let finished = false;
  return new Writable({
    construct(done) {
      AppendFile.create(path).then((created) => {
        file = created;
        opened();
        done();
      }, done);
    },
    write(chunk: Buffer, _encoding, done) {
      file!.append(chunk).then(() => done(), done);
    },
    final(done) {
      file!.finish().then(() => {
        finished = true;
        done();
      }, done);
    },
    // A finished file stays for commit(); one destroyed before its end (a write that failed or
    // was given up) is closed and removed.
    destroy(error, done) {
      if (!file || finished) return done(error);
      file.discard().then(() => done(error), () => done(error));
    },
  });
}

/**
 * What an interrupted write left. The target is only ever replaced whole, so it is as it was:
 * said outright, since "the unfinished config.json was removed" reads as if the user's own
 * config.json had been deleted.
 */
export function interruptedWrite(target: string, created: boolean): string {
  const left = existsSync(target) ? `${target} itself was not changed` : `${target} was not created`;
  return created ? `the unfinished new copy of ${target} was removed: ${left}` : `nothing was written: ${left}`;
}
