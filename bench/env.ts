// Benchmark sizes from the environment: a bad value stops the benchmark with the fix, instead of
// running it with NaN. Read when the benchmark's module loads, so the message is printed and the
// process ends here rather than with a stack trace.
export function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = wholeNumber(raw);
  if (value === undefined || value < min) refuse(`${name}="${raw}" is not a whole number ≥ ${min}; fix or unset it.`);
  return value;
}

/** A comma-separated list of whole numbers, e.g. BENCH_COLUMNS=7,14,22. */
export function envIntList(name: string, fallback: number[], min = 0): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const values = raw.split(',').map(wholeNumber);
  if (values.some((value) => value === undefined || value < min)) refuse(`${name}="${raw}" is not a comma-separated list of whole numbers ≥ ${min}; fix or unset it.`);
  return values as number[];
}

/** `1_000` or ` 7 ` as a number; undefined for anything but a whole number. */
function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  const value = Number(trimmed.replace(/_/g, ''));
  return trimmed !== '' && Number.isInteger(value) ? value : undefined;
}

function refuse(message: string): never {
  console.error(message);
  process.exit(2);
}
