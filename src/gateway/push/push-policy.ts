// Who may push to a space through this gateway. The chain accepts records only from the space
// owner, so the gateway signs as the owner's NonTransfer proxy: it needs the owner's grant, and
// then lets the owner and the space's members push. The space is the one that owns the name
// (src/chain/name-claims.ts); while a shadow takes the name's writes, nobody pushes to it here.
import { isSpaceMember, type NameClaim, type SpaceView } from '../../chain';
import { OciError } from '../errors/oci-error';
import type { ChainReader } from '../resolve/chain-reader';
import { contestedStory, unknownSpace } from '../resolve/name-errors';
import type { RegistryIndex } from '../resolve/registry-index';

export interface PushPermit {
  /** The space that owns the name, as chain state holds it now. */
  readonly space: SpaceView;
  /** The logged-in account pushing (undefined when auth is off). */
  readonly account?: string;
}

const PERMIT_TTL_MS = 10_000;

export class PushPolicy {
  readonly #chain: ChainReader;
  readonly #gateway?: string;
  readonly #index?: RegistryIndex;
  readonly #permits = new Map<string, { at: number; result: Promise<PushPermit> }>();

  /** `gateway` is the gateway's account; without one the gateway is a read-only replica. */
  constructor(chain: ChainReader, gateway: string | undefined, index?: RegistryIndex) {
    this.#chain = chain;
    this.#gateway = gateway;
    this.#index = index;
  }

  get readOnly(): boolean {
    return this.#gateway === undefined;
  }

  /**
   * Checks that `account` may push to the space `repo` (any account when auth is off). Fresh
   * answers (`fresh`) for manifest PUTs; blob uploads reuse one for a few seconds.
   */
  async permit(repo: string, account: string | undefined, options: { fresh?: boolean } = {}): Promise<PushPermit> {
    const key = `${repo} ${account ?? ''}`;
    const cached = this.#permits.get(key);
    if (!options.fresh && cached && Date.now() - cached.at < PERMIT_TTL_MS) return cached.result;
    const result = this.#check(repo, account);
    this.#permits.set(key, { at: Date.now(), result });
    result.catch(() => this.#permits.delete(key));
    return result;
  }

  async #check(repo: string, account: string | undefined): Promise<PushPermit> {
    if (!this.#gateway) {
      throw new OciError('DENIED', 'this gateway is a read-only replica (started without a key): push through a gateway started with GATEWAY_SURI set to the key space owners grant their proxy to');
    }
    const claim = await this.#chain.claim(repo);
    if (!claim) throw unknownSpace(repo);
    if (claim.contested) throw await this.#contested(repo, claim, account);
    // Members change without a new space: read the owner's space as it is now.
    const space = (await this.#chain.space(claim.owner.id)) ?? claim.owner;
    if (account !== undefined && !isSpaceMember(space, account)) {
      throw new OciError('DENIED', `account ${account} is neither the owner nor a member of space ${JSON.stringify(repo)}: the owner (${space.owner}) adds members with add_space_member`);
    }
    if (!(await this.#chain.hasGatewayGrant(space.owner, this.#gateway))) {
      throw new OciError(
        'DENIED',
        `the owner of space ${JSON.stringify(repo)} (${space.owner}) has not granted this gateway (${this.#gateway}) a NonTransfer proxy, and the chain accepts records only from the owner: the owner grants it once from their wallet with Proxy.add_proxy(delegate ${this.#gateway}, NonTransfer, delay 0) (\`hcr space grant-gateway\` or the web page)`,
      );
    }
    return { space, account };
  }

  /**
   * A push to a name a shadow takes the writes of would land in the shadow's space (the pallet's
   * choice), where the name's owner's pulls never look: refused, saying what happened and what
   * the owner can do.
   */
  async #contested(repo: string, claim: NameClaim, account: string | undefined): Promise<OciError> {
    const indexed = await this.#index?.space(claim.writer.id).catch(() => undefined);
    const since = indexed?.blockNumber ?? (await this.#chain.spaceCreationBlock(claim.writer.id).catch(() => undefined));
    const you = account === undefined ? '' : isSpaceMember(claim.writer, account) ? ` You (${account}) belong to the later space: the name is not yours to push to.` : '';
    return new OciError(
      'DENIED',
      `pushes to ${JSON.stringify(repo)} are refused: ${contestedStory(repo, claim, since)}, so a push would land in that later space, not in the owner's.${you} What the owner can do: the images recorded before stay pullable through gateways that run with the index, which follow the owner's records only; the pallet cannot remove a space, so to publish new images under a name that is the owner's alone, create a space with another name (one space per account, so from another account) and push there.`,
      { detail: { name: repo, owner: { space: claim.owner.id, account: claim.owner.owner }, takenBy: { space: claim.writer.id, account: claim.writer.owner, sinceBlock: since ?? null } } },
    );
  }
}
