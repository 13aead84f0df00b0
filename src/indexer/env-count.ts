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

/**
 * A GQL_* bound for this process: set at start by graphql-main.ts, which checks the setting and
 * refuses a bad one. A server started otherwise (squid-graphql-server itself) reads the
 * environment on first use, and a setting that is no number there leaves the default rather than
 * no bound.
 */
export class ConfiguredCount {
  #value: number | undefined;

  constructor(
    private readonly fromEnv: () => number,
    private readonly fallback: number,
  ) {}

  set(value: number): void {
    this.#value = value;
  }

  get(): number {
    if (this.#value === undefined) {
      try {
        this.#value = this.fromEnv();
      } catch {
        this.#value = this.fallback;
      }
    }
    return this.#value;
  }
}
