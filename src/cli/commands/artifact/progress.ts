// A progress bar on stderr for long transfers: drawn only on a terminal (scripts and --json get
// none), at most ten times a second, and cleared when the transfer ends.
const WIDTH = 30;

export interface Progress {
  add(bytes: number): void;
  done(): void;
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export function progressBar(label: string, total: number | undefined, options: { enabled?: boolean } = {}): Progress {
  const enabled = options.enabled ?? (process.stderr.isTTY === true && (total === undefined || total >= 1024 * 1024));
  const started = Date.now();
  let sent = 0;
  let drawnAt = 0;
  const draw = (final: boolean) => {
    if (!enabled) return;
    const now = Date.now();
    if (!final && now - drawnAt < 100) return;
    drawnAt = now;
    const rate = sent / Math.max((now - started) / 1000, 0.001);
    const part = total ? Math.min(sent / total, 1) : undefined;
    const bar = part === undefined ? '' : `[${'#'.repeat(Math.round(part * WIDTH)).padEnd(WIDTH, '.')}] ${(part * 100).toFixed(0).padStart(3)}% `;
    process.stderr.write(`\r${label} ${bar}${size(sent)}${total ? ` of ${size(total)}` : ''}, ${size(rate)}/s\x1b[K`);
  };
  return {
    add(bytes) {
      sent += bytes;
      draw(false);
    },
    done() {
      draw(true);
      if (enabled) process.stderr.write('\n');
    },
  };
}
