// A pass-through for a long download (an export, an artifact) that fails it when the sender goes
// quiet: a gateway that keeps the connection open and sends nothing would otherwise hold the
// command, and its half-written file, forever. Slow is fine; silent for STALL_MS is not.
import { Transform } from 'node:stream';
import { STALL_MS } from './bounded-answer';

/** Passes every chunk through after `onChunk`; errors once nothing has come for `ms`. */
export function stallGuard(onChunk: (chunk: Buffer) => void, ms = STALL_MS): Transform {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => guard.destroy(new Error(`the gateway sent nothing for ${ms / 1000} s`)), ms);
  };
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onChunk(chunk);
      arm();
      done(null, chunk);
    },
    flush(done) {
      clearTimeout(timer);
      done();
    },
    destroy(error, done) {
      clearTimeout(timer);
      done(error);
    },
  });
  arm();
  return guard;
}
