// Who may push to a space through this gateway. The chain accepts records only from the space
// owner, so the gateway signs as the owner's NonTransfer proxy: it needs the owner's grant, and
// then lets the owner and the space's members push.
import { isSpaceMember, type SpaceView } from '../../chain';
import { OciError } from '../errors/oci-error';
import type { ChainReader } from '../resolve/chain-reader';

export interface PushPermit {
  readonly space: SpaceView;
}

const PERMIT_TTL_MS = 10_000;

export class PushPolicy {
  readonly #chain: ChainReader;
  readonly #gateway?: string;
  readonly #permits = new Map<string, { at: number; result: Promise<PushPermit> }>();

  /** `gateway` is the gateway's account; without one the gateway is a read-only replica. */
  constructor(chain: ChainReader, gateway: string | undefined) {
    this.#chain = chain;
    this.#gateway = gateway;
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
    const space = await this.#chain.space(repo);
    if (!space) {
      throw new OciError('NAME_UNKNOWN', `there is no space named ${JSON.stringify(repo)} on chain: its owner creates it first (\`hcr space create ${repo}\` or the web page), then pushes to ${repo}/<image>`);
    }
    if (account !== undefined && !isSpaceMember(space, account)) {
      throw new OciError('DENIED', `account ${account} is neither the owner nor a member of space ${JSON.stringify(repo)}: the owner (${space.owner}) adds members with add_space_member`);
    }
    if (!(await this.#chain.hasGatewayGrant(space.owner, this.#gateway))) {
      throw new OciError(
        'DENIED',
        `the owner of space ${JSON.stringify(repo)} (${space.owner}) has not granted this gateway (${this.#gateway}) a NonTransfer proxy, and the chain accepts records only from the owner: the owner grants it once from their wallet with Proxy.add_proxy(delegate ${this.#gateway}, NonTransfer, delay 0) (\`hcr space grant-gateway\` or the web page)`,
      );
    }
    return { space };
  }
}
