// The errors of name ownership (src/chain/name-claims.ts): a name no space has, and a name whose
// chain storage a shadow writes to, which the gateway will not read as the owner's.
import type { NameClaim } from '../../chain';
import { OciError, RETRY_AFTER_SECONDS } from '../errors/oci-error';

export function unknownSpace(repo: string): OciError {
  return new OciError('NAME_UNKNOWN', `there is no space named ${JSON.stringify(repo)} on chain: its owner creates it first (\`hcr space create ${repo}\` or the web page), then pushes to ${repo}/<image>`, { detail: { name: repo } });
}

/** What happened to a contested name, in words: who owns it, which shadow takes its writes. */
export function contestedStory(repo: string, claim: NameClaim, takenAtBlock?: number): string {
  const since = takenAtBlock === undefined ? '' : ` since block ${takenAtBlock}`;
  return `the name ${JSON.stringify(repo)} is contested: it belongs to space ${claim.owner.id} (owner ${claim.owner.owner}), which claimed it first, but a later space with the same name, space ${claim.writer.id} (owner ${claim.writer.owner}), sorts first in chain storage${since}, and the chain records every write for ${JSON.stringify(repo)} in the space that sorts first`;
}

/** A pull or listing that chain storage cannot answer for a contested name. */
export function contestedName(repo: string, claim: NameClaim, why: string, status: 409 | 503): OciError {
  const fix = status === 503
    ? 'retry shortly'
    : 'for an answer you can trust, pull through a gateway that runs with the index (GRAPHQL_URL), which follows only the owner\'s records, or pull by digest';
  return new OciError('NAME_CONTESTED', `${contestedStory(repo, claim)}; ${why}, so the gateway will not guess whose image this is: ${fix}`, {
    status,
    detail: { name: repo, owner: { space: claim.owner.id, account: claim.owner.owner }, takenBy: { space: claim.writer.id, account: claim.writer.owner } },
    ...(status === 503 ? { headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) } } : {}),
  });
}
