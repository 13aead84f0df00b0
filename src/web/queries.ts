// The index queries the page runs (schema.graphql; examples in docs/graphql-examples.md). Every
// list is asked for with a limit one past what the page shows (list-bounds.ts says why).
import { LIST_BOUNDS } from './list-limits';

const past = (limit: number) => limit + 1;
const SPACE_SUMMARY = `fragment SpaceSummary on Space {
  id name nameHex owner { id } memberCount imageCount tagCount timestamp
  isNameOwner takesNameWrites shadowOf { id owner { id } } nameTakenBy { id owner { id } blockNumber }
}`;

export interface SpaceSummary {
  id: string;
  name: string | null;
  nameHex: string;
  owner: { id: string };
  memberCount: number;
  imageCount: number;
  tagCount: number;
  timestamp: string;
  /** Whether the space claimed its name first (docs/name-ownership.md); a shadow when false. */
  isNameOwner: boolean | null;
  takesNameWrites: boolean | null;
  /** For a shadow: the space that owns the name. */
  shadowOf: { id: string; owner: { id: string } } | null;
  /** For an owner: the shadow that takes the name's writes on chain, if one does. */
  nameTakenBy: { id: string; owner: { id: string }; blockNumber: number | null } | null;
}

export const MY_SPACES = `query MySpaces($me: String!) {
  owned: spaces(where: { owner: { id_eq: $me } }, orderBy: blockNumber_ASC, limit: ${past(LIST_BOUNDS.owned)}) { ...SpaceSummary }
  memberships: spaceMembers(where: { account: { id_eq: $me }, isOwner_eq: false }, orderBy: blockNumber_ASC, limit: ${past(LIST_BOUNDS.memberships)}) { space { ...SpaceSummary } }
} ${SPACE_SUMMARY}`;

export interface MySpaces {
  owned: SpaceSummary[];
  memberships: { space: SpaceSummary }[];
}

const IMAGE_SUMMARY = 'fragment ImageSummary on Image { id name nameHex tagCount updatedAt space { ...SpaceSummary } }';

export interface ImageSummary {
  id: string;
  name: string | null;
  nameHex: string;
  tagCount: number;
  updatedAt: string;
  space: SpaceSummary;
}

export const SEARCH = `query Search($text: String!) {
  spaces(where: { searchText_containsInsensitive: $text }, orderBy: name_ASC, limit: 20) { ...SpaceSummary }
  images(where: { searchText_containsInsensitive: $text }, orderBy: name_ASC, limit: 20) { ...ImageSummary }
} ${SPACE_SUMMARY} ${IMAGE_SUMMARY}`;

export interface SearchResult {
  spaces: SpaceSummary[];
  images: ImageSummary[];
}

/** What the page lists before anyone searches: the newest spaces and the images pushed to last. */
export const RECENT = `query Recent($limit: Int!) {
  spaces(orderBy: [blockNumber_DESC, id_DESC], limit: $limit) { ...SpaceSummary }
  images(orderBy: [updatedAtBlock_DESC, id_ASC], limit: $limit) { ...ImageSummary }
} ${SPACE_SUMMARY} ${IMAGE_SUMMARY}`;

export type RecentResult = SearchResult;

export const SPACE_DETAIL = `query SpaceDetail($id: String!) {
  spaceById(id: $id) {
    ...SpaceSummary
    members(orderBy: position_ASC, limit: ${past(LIST_BOUNDS.members)}) { id isOwner position blockNumber timestamp account { id } }
    images(orderBy: name_ASC, limit: ${past(LIST_BOUNDS.images)}) {
      id name nameHex tagCount manifestCount updatedAt
      tags(orderBy: name_ASC, limit: ${past(LIST_BOUNDS.tags)}) {
        id name nameHex digest updatedAt updateCount
        manifest { cid digest }
        history(orderBy: id_DESC, limit: 10) { id digest previousDigest blockNumber timestamp signer proxy }
      }
    }
  }
} ${SPACE_SUMMARY}`;

export interface TagView {
  id: string;
  name: string | null;
  nameHex: string;
  digest: string | null;
  updatedAt: string;
  updateCount: number;
  manifest: { cid: string | null; digest: string | null } | null;
  history: { id: string; digest: string | null; previousDigest: string | null; blockNumber: number; timestamp: string; signer: string | null; proxy: string | null }[];
}

export interface SpaceDetail extends SpaceSummary {
  members: { id: string; isOwner: boolean; position: number; blockNumber: number; timestamp: string; account: { id: string } }[];
  images: { id: string; name: string | null; nameHex: string; tagCount: number; manifestCount: number; updatedAt: string; tags: TagView[] }[];
}

/** What the content indexer read of tags' manifests (docs/graphql-examples.md, "An image's sizes and platforms"). */
export const TAG_CONTENTS = `query TagContents($tagIds: [String!]!) {
  tagContents(tagIds: $tagIds) { tagId state kind artifactType totalSize layerCount childCount platforms }
}`;

export interface TagContent {
  tagId: string;
  /** pending, indexed, mismatch, invalid, or unseen (not found by the content indexer yet) */
  state: string;
  kind: 'image' | 'index' | null;
  artifactType: string | null;
  /** Bytes of config and layers (for an index, over its children), as a decimal string. */
  totalSize: string | null;
  layerCount: number | null;
  childCount: number | null;
  platforms: string[];
}

/** A space's artifacts, with their labels and versions (highest first). */
export const SPACE_ARTIFACTS = `query SpaceArtifacts($id: String!) {
  artifacts(spaceId: $id, limit: ${past(LIST_BOUNDS.artifacts)}) {
    id name nameHex kinds versionCount description
    labels { key value }
    versions(limit: ${past(LIST_BOUNDS.versions)}) { id version prerelease artifactType digest totalSize moved moveCount lastMovedAt originalDigest updatedAt files { title size } }
  }
}`;

export interface ArtifactVersionView {
  id: string;
  version: string | null;
  prerelease: boolean;
  artifactType: string;
  digest: string;
  totalSize: string | null;
  moved: boolean;
  moveCount: number;
  lastMovedAt: string | null;
  originalDigest: string | null;
  updatedAt: string;
  files: { title: string | null; size: string }[];
}

export interface ArtifactView {
  id: string;
  name: string | null;
  nameHex: string;
  kinds: string[];
  versionCount: number;
  description: string | null;
  labels: { key: string; value: string }[];
  versions: ArtifactVersionView[];
}

export const INDEX_HEIGHT = '{ squidStatus { height } }';
