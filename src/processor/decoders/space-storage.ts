import { storage } from '../../types';
import type { Block } from '../processor';
import { UnknownVersionError } from './unknown-version';

/** A space's repo_name (hex) from chain state at a block, for when the call is not at hand. */
export async function readSpaceName(block: Block, spaceId: bigint): Promise<string | undefined> {
  const type = storage.containerRegistry.spaces;
  if (type.v9201.is(block)) return (await type.v9201.get(block, spaceId))?.repoName;
  throw new UnknownVersionError('ContainerRegistry.Spaces');
}
