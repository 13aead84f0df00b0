// Makes one call of a real object's method fail or stall as a dependency would (a full disk, a
// slow check), leaving every later call to the real method.

/** Replaces `object[key]` for its next call only. */
export function onNextCall<T extends object, K extends keyof T>(object: T, key: K, replacement: T[K]): void {
  const original = object[key];
  object[key] = ((...args: unknown[]) => {
    object[key] = original;
    return (replacement as (...a: unknown[]) => unknown)(...args);
  }) as T[K];
}
