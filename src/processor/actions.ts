// What the registry's events mean, decoded and paired, in chain order: the input of a batch's
// state update.
import type { ActionContext } from './action-context';
import type { ChainBytes } from './bytes';

export type DigestKind = 'File' | 'Json';

export interface SpaceCreatedAction {
  kind: 'spaceCreated';
  ctx: ActionContext;
  spaceId: string;
  owner: string;
  name: ChainBytes;
}

export interface MemberAddedAction {
  kind: 'memberAdded';
  ctx: ActionContext;
  spaceId: string;
  member: string;
}

/**
 * add_manifest_head_digest_and_manifest_json_cid: ManifestDigestUpdated and the
 * ImageDigestToCidStored that the same call emits right after it. `cid`/`who` come from the
 * second event; a tag update seen alone (no such event) has `cid` null and `who` from the
 * call's origin.
 */
export interface ManifestPushedAction {
  kind: 'manifestPushed';
  ctx: ActionContext;
  who: string;
  repoName: ChainBytes;
  imageName: ChainBytes;
  tag: ChainBytes | null;
  digest: ChainBytes;
  cid: ChainBytes | null;
  /** Who pushed, as the extrinsic's signer states it (push-statement.ts); null without a statement. */
  pushedBy: string | null;
}

export interface DigestInfoStoredAction {
  kind: 'digestInfoStored';
  ctx: ActionContext;
  who: string;
  digest: ChainBytes;
  digestType: DigestKind;
  cid: ChainBytes;
  pushedBy: string | null;
}

export type RegistryAction = SpaceCreatedAction | MemberAddedAction | ManifestPushedAction | DigestInfoStoredAction;
