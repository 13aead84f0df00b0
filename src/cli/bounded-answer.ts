// Reading a gateway's answer without trusting it: a hostile or broken gateway can send an error
// page of gigabytes, a JSON body that never ends, or headers and then nothing at all. Bodies are
// read up to a limit (an error message is cut there, a JSON answer past it is refused), a read
// that gets no bytes for a while is given up on, and so is one that is still coming after
// answerTiming.ms (a byte every few seconds never stalls), so `hcr` neither fills its memory nor
// waits forever.
import { CliError, EXIT } from './errors';

/** A gateway that sends nothing for this long has stalled. */
export const STALL_MS = 30_000;
/** Far more than any listing a gateway sends; a JSON answer past it is refused. */
export const MAX_JSON_BYTES = 16 * 2 ** 20;
/** An error message longer than this is cut: it is read by a person. */
export const MAX_ERROR_BYTES = 64 * 2 ** 10;
/**
 * How long a JSON or error answer may take to arrive whole, from its headers: far longer than
 * the few kilobytes of a paged listing take on any link. Exported for tests.
 */
export const answerTiming = { ms: 120_000 };

/** Runs `step`, failing with `stalled()` when it takes longer than STALL_MS. */
export async function withinStall<T>(step: Promise<T>, stalled: () => Error, ms = STALL_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(stalled()), ms);
  });
  try {
    return await Promise.race([step, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const stalledError = (origin: string) => new CliError(`the gateway at ${origin} stopped sending its answer (nothing for ${STALL_MS / 1000} s): check that it runs, then try again`, EXIT.unreachable);
const slowError = (origin: string, ms: number) => new CliError(`the gateway at ${origin} was still sending its answer after ${ms / 1000} s, far longer than any answer takes: check that it runs and that --registry names a registry gateway, then try again`, EXIT.unreachable);

/** At most `maxBytes` of the body; `cut` says whether more was there (the rest is not read). */
async function readUpTo(response: Response, maxBytes: number): Promise<{ bytes: Buffer; cut: boolean }> {
  const origin = new URL(response.url || 'http://gateway').origin;
  if (!response.body) return { bytes: Buffer.alloc(0), cut: false };
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  const deadline = Date.now() + answerTiming.ms;
  try {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw slowError(origin, answerTiming.ms);
      const { done, value } = await withinStall(reader.read(), () => (left < STALL_MS ? slowError(origin, answerTiming.ms) : stalledError(origin)), Math.min(STALL_MS, left));
      if (done) return { bytes: Buffer.concat(chunks), cut: false };
      const room = maxBytes - size;
      chunks.push(Buffer.from(value.subarray(0, Math.max(room, 0))));
      size += value.length;
      if (size > maxBytes) return { bytes: Buffer.concat(chunks), cut: true };
    }
  } finally {
    // Whatever is left (an endless body) is not read.
    reader.cancel().catch(() => undefined);
  }
}

/** An error answer's text, cut at MAX_ERROR_BYTES (a stalled one gives what arrived, or nothing). */
export async function errorAnswerText(response: Response): Promise<string> {
  try {
    const { bytes, cut } = await readUpTo(response, MAX_ERROR_BYTES);
    return `${bytes.toString('utf8')}${cut ? '…' : ''}`;
  } catch {
    return '';
  }
}

/** A JSON answer, refused past MAX_JSON_BYTES or when it is not JSON. */
export async function jsonAnswer<T>(response: Response): Promise<T> {
  const { bytes, cut } = await readUpTo(response, MAX_JSON_BYTES);
  const origin = new URL(response.url || 'http://gateway').origin;
  if (cut) throw new CliError(`the gateway at ${origin} sent an answer larger than ${MAX_JSON_BYTES / 2 ** 20} MiB, more than any it sends: check --registry names a registry gateway`, EXIT.failed);
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    throw new CliError(`the gateway at ${origin} answered with something that is not JSON: check --registry names a registry gateway`, EXIT.failed);
  }
}
