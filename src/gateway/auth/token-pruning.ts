// What the API token file keeps. A revoked or expired token is kept a while, so that `hcr token
// ls` shows what went and when, and refusals can name the token a revoked one went with; after
// that it goes, or the file (read whole at every change, and searched at every verification) would
// grow with every token ever minted. An account keeps its most recent dead tokens only, whatever
// their age. A token that a kept token names as its minter is kept too: verification walks up
// that chain, and dropping a link would change what it answers.
import { minterIdOf } from './minting-chain';

/** How long a revoked or expired token stays listed. */
export const DEAD_TOKEN_RETENTION_DAYS = 30;
/** The most revoked or expired tokens one account keeps listed, the most recently dead. */
export const MAX_DEAD_TOKENS_PER_ACCOUNT = 100;

export interface PrunableToken {
  readonly id: string;
  readonly account: string;
  readonly createdBy: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** When the token stopped working (revoked, or expired), or undefined while it works. */
export function deadSince(token: PrunableToken, now: Date): number | undefined {
  const times = [token.revokedAt, token.expiresAt].filter((t): t is string => t !== null).map((t) => new Date(t).getTime()).filter((t) => t <= now.getTime());
  return times.length === 0 ? undefined : Math.min(...times);
}

/** The tokens to keep, in their order. */
export function pruneTokens<T extends PrunableToken>(tokens: readonly T[], now: Date): T[] {
  const oldest = now.getTime() - DEAD_TOKEN_RETENTION_DAYS * 86_400_000;
  const deadByAccount = new Map<string, { token: T; since: number }[]>();
  const keep = new Set<string>();
  for (const token of tokens) {
    const since = deadSince(token, now);
    if (since === undefined) keep.add(token.id);
    else if (since > oldest) deadByAccount.set(token.account, [...(deadByAccount.get(token.account) ?? []), { token, since }]);
  }
  for (const dead of deadByAccount.values()) {
    dead.sort((a, b) => b.since - a.since);
    for (const { token } of dead.slice(0, MAX_DEAD_TOKENS_PER_ACCOUNT)) keep.add(token.id);
  }
  // Up each kept token's chain of minters, so that verification answers as before.
  const byId = new Map(tokens.map((t) => [t.id, t]));
  for (const id of [...keep]) {
    let minterId = minterIdOf(byId.get(id)!);
    while (minterId !== undefined && !keep.has(minterId) && byId.has(minterId)) {
      keep.add(minterId);
      minterId = minterIdOf(byId.get(minterId)!);
    }
  }
  return tokens.filter((t) => keep.has(t.id));
}
