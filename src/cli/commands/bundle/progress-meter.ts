// Progress of a long transfer on stderr: bytes so far and the rate, on one line redrawn in a
// terminal, a line every few seconds otherwise (a log keeps every line).
const MiB = 2 ** 20;
const EVERY_MS = 2_000;

export interface ProgressMeter {
  readonly total: number;
  add(bytes: number): void;
  /** `12.3 MiB at 45.6 MiB/s`. */
  text(): string;
  done(): void;
}

export function progressMeter(verb: string, stream: NodeJS.WriteStream = process.stderr): ProgressMeter {
  const started = Date.now();
  let total = 0;
  let shown = 0;
  const text = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    return `${(total / MiB).toFixed(1)} MiB at ${(total / MiB / seconds).toFixed(1)} MiB/s`;
  };
  const show = (final: boolean) => {
    if (stream.isTTY) stream.write(`\r${verb} ${text()}${final ? '\n' : ''}`);
    else stream.write(`${verb} ${text()}\n`);
  };
  return {
    get total() {
      return total;
    },
    add(bytes) {
      total += bytes;
      if (Date.now() - shown >= (stream.isTTY ? 200 : EVERY_MS)) {
        shown = Date.now();
        show(false);
      }
    },
    text,
    done() {
      show(true);
    },
  };
}
