/**
 * A block hash as messages name it: shortened, as block explorers show hashes, since logs and
 * /readyz redact any 0x and 64 hex digits as a possible secret seed (observability/redact.ts).
 */
export const shownHash = (hash: string): string => (hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash);
