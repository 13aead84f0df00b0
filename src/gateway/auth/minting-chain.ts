// The chain of API tokens minted through admin tokens: a token goes with the token that minted
// it. Revoking one revokes what it minted, and what those minted (revokeWith); verifying one
// walks up its minters, refusing it when one was revoked or is gone (revokedMinter).

export interface ChainedToken {
  readonly id: string;
  readonly name: string;
  /** `login`, or `token:<id>` when an admin token minted it. */
  readonly createdBy: string;
  readonly revokedAt: string | null;
  readonly revokedWith?: string;
}

/** Deeper than any chain of admin tokens people mint; a longer one is refused, not walked. */
const MAX_MINTING_CHAIN = 64;

export const minterIdOf = (token: Pick<ChainedToken, 'createdBy'>) => /^token:([0-9a-f]{16})$/.exec(token.createdBy)?.[1];

/** The ids of the tokens `id` minted, and of the ones those minted, and so on. */
function mintedBy(tokens: readonly ChainedToken[], id: string): string[] {
  const found: string[] = [];
  const pending = [id];
  const seen = new Set(pending);
  while (pending.length > 0) {
    const minter = pending.pop()!;
    for (const token of tokens) {
      if (minterIdOf(token) !== minter || seen.has(token.id)) continue;
      seen.add(token.id);
      found.push(token.id);
      pending.push(token.id);
    }
  }
  return found;
}

/** Why `token` is refused for a minter up its chain (revoked, or gone), or undefined. */
export function revokedMinter<T extends ChainedToken>(byId: ReadonlyMap<string, T>, token: T): string | undefined {
  // The tokens between the one used and the one found revoked, named in the refusal.
  const through: string[] = [];
  let current = token;
  for (let depth = 0; depth < MAX_MINTING_CHAIN; depth++) {
    const minterId = minterIdOf(current);
    if (minterId === undefined) return undefined;
    const minter = byId.get(minterId);
    const via = through.length === 0 ? '' : ` (through ${through.join(', ')})`;
    if (!minter) return `was minted${via} by token ${minterId}, which this gateway no longer knows`;
    if (minter.revokedAt) return `was minted${via} by the token "${minter.name}" (${minter.id}), which was revoked at ${minter.revokedAt}`;
    through.push(`"${minter.name}"`);
    current = minter;
  }
  return `was minted through more than ${MAX_MINTING_CHAIN} admin tokens`;
}

/**
 * The tokens with `roots` and every token minted through them revoked at `at`: a root marked
 * with `rootMark`, the others naming the root they went with.
 */
export function revokeWith<T extends ChainedToken>(tokens: readonly T[], roots: ReadonlySet<string>, at: string, rootMark: Omit<Partial<ChainedToken>, 'id'> & Record<string, unknown>): T[] {
  const gone = new Map<string, Record<string, unknown>>();
  for (const id of roots) {
    gone.set(id, rootMark);
    for (const minted of mintedBy(tokens, id)) if (!gone.has(minted)) gone.set(minted, { revokedWith: id });
  }
  return tokens.map((t) => (gone.has(t.id) && !t.revokedAt ? { ...t, revokedAt: at, ...gone.get(t.id) } : t));
}
