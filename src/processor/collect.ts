// Decodes a batch's registry events into actions, in chain order, pairing each
// ManifestDigestUpdated with the ImageDigestToCidStored its call emits next.
import { events } from '../types';
import { actionContext } from './action-context';
import type { ManifestPushedAction, RegistryAction } from './actions';
import { chainBytes } from './bytes';
import { decodeDigestInfoStored } from './decoders/digest-info-stored';
import { decodeImageDigestToCidStored } from './decoders/image-digest-to-cid-stored';
import { decodeManifestDigestUpdated } from './decoders/manifest-digest-updated';
import { decodeMemberAdded } from './decoders/member-added';
import { decodeCreateSpaceCall } from './decoders/create-space-call';
import { decodeSpaceCreated } from './decoders/space-created';
import { pushStatementOf } from './push-statement';
import { readSpaceName } from './decoders/space-storage';
import type { Event } from './processor';

const CREATE_SPACE = 'ContainerRegistry.create_space';

const registry = events.containerRegistry;

export interface CollectLog {
  warn(message: string): void;
}

export async function collectActions(blocks: { events: Event[] }[], log: CollectLog): Promise<RegistryAction[]> {
  const actions: RegistryAction[] = [];
  for (const block of blocks) {
    let pending: ManifestPushedAction | undefined;
    const flush = () => {
      if (pending && pending.who) actions.push(pending);
      else if (pending) log.warn(`${pending.ctx.eventId}: ManifestDigestUpdated without a signed origin or a following ImageDigestToCidStored; skipped`);
      pending = undefined;
    };
    for (const event of block.events) {
      switch (event.name) {
        case registry.spaceCreated.name: {
          flush();
          const { spaceId, owner } = decodeSpaceCreated(event);
          const name = await spaceName(event, spaceId);
          actions.push({ kind: 'spaceCreated', ctx: actionContext(event), spaceId: spaceId.toString(), owner, name: chainBytes(name) });
          break;
        }
        case registry.memberAdded.name: {
          flush();
          const { spaceId, member } = decodeMemberAdded(event);
          actions.push({ kind: 'memberAdded', ctx: actionContext(event), spaceId: spaceId.toString(), member });
          break;
        }
        case registry.manifestDigestUpdated.name: {
          flush();
          const decoded = decodeManifestDigestUpdated(event);
          const ctx = actionContext(event);
          pending = {
            kind: 'manifestPushed', ctx, who: ctx.origin ?? '',
            repoName: chainBytes(decoded.repoName), imageName: chainBytes(decoded.imageName),
            tag: chainBytes(decoded.tag), digest: chainBytes(decoded.digest), cid: null, pushedBy: pushedBy(event),
          };
          break;
        }
        case registry.imageDigestToCidStored.name: {
          const decoded = decodeImageDigestToCidStored(event);
          const sameCall = pending && pending.ctx.extrinsicIndex === (event.extrinsicIndex ?? null) && pending.imageName.hex === decoded.imageName && pending.digest.hex === decoded.digest;
          if (pending && sameCall) {
            pending.who = decoded.who;
            pending.cid = chainBytes(decoded.cid);
          } else {
            flush();
            // The pallet always emits the pair; a lone record still names its manifest.
            actions.push({
              kind: 'manifestPushed', ctx: actionContext(event), who: decoded.who, repoName: chainBytes('0x'),
              imageName: chainBytes(decoded.imageName), tag: null, digest: chainBytes(decoded.digest), cid: chainBytes(decoded.cid), pushedBy: pushedBy(event),
            });
          }
          flush();
          break;
        }
        case registry.digestInfoStored.name: {
          flush();
          const { who, digest, digestType, cid } = decodeDigestInfoStored(event);
          actions.push({ kind: 'digestInfoStored', ctx: actionContext(event), who, digest: chainBytes(digest), digestType, cid: chainBytes(cid), pushedBy: pushedBy(event) });
          break;
        }
      }
    }
    flush();
  }
  return actions;
}

const pushedBy = (event: Event): string | null => pushStatementOf(event.call)?.pushedBy ?? null;

/** SpaceCreated carries no name: take it from the create_space call, or from state if absent. */
async function spaceName(event: Event, spaceId: bigint): Promise<string> {
  if (event.call?.name === CREATE_SPACE) return decodeCreateSpaceCall(event.call).name;
  return (await readSpaceName(event.block, spaceId)) ?? '0x';
}
