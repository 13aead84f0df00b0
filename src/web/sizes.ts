// What the index says a tag's manifest holds (the content indexer reads every recorded manifest
// from IPFS and checks it against its digest): the size of config and layers, an index's
// platforms, or why it is not known (not read yet, other bytes recorded, not a manifest).
import { graphql } from './api';
import { formatBytes } from './dom';
import { TAG_CONTENTS, type TagContent } from './queries';
import { countText } from './untrusted-text';

/** Each tag's content by tag id; tags the index cannot tell about are left out. */
export async function tagContents(tagIds: string[]): Promise<Map<string, TagContent>> {
  if (tagIds.length === 0) return new Map();
  try {
    const { tagContents: rows } = await graphql<{ tagContents: TagContent[] }>(TAG_CONTENTS, { tagIds });
    return new Map(rows.map((row) => [row.tagId, row]));
  } catch {
    return new Map();
  }
}

const plural = (n: number, word: string) => `${countText(n)} ${word}${n === 1 ? '' : 's'}`;

/** The size line of a tag: "1.2 KiB in 2 layers", "index of 2 manifests, 3.4 KiB", or why there is none. */
export function sizeText(content: TagContent | undefined): string {
  if (!content) return 'unknown';
  switch (content.state) {
    case 'indexed': {
      const total = content.totalSize === null ? null : formatBytes(Number(content.totalSize));
      if (content.kind === 'index') return `index of ${plural(content.childCount ?? 0, 'manifest')}${total ? `, ${total} in all` : ' (sizes not read yet)'}`;
      return `${total ?? 'unknown'} in ${plural(content.layerCount ?? 0, 'layer')}`;
    }
    case 'pending':
      return 'not read from IPFS yet';
    case 'mismatch':
      return 'unknown: the CIDs recorded for this digest hold other bytes';
    case 'invalid':
      return 'unknown: the recorded content is not a manifest';
    default:
      return 'not read yet';
  }
}
