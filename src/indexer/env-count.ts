// A whole-number setting read from the environment, as every GQL_* bound is: unset or empty gives
// the default, anything else that is not a whole number of at least `min` is refused with the
// setting's name, what it means and its default, so a typo never becomes an unbounded server.
export function countFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, what: string, min = 1): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`${name}="${env[name]}" is not a whole number of at least ${min}: give ${what} (default ${fallback}), or unset it.`);
  }
  return value;
}
