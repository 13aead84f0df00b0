// How many of each list the page shows (list-bounds.ts says why there is a bound). No DOM here:
// the index's tests import the page's queries, which ask for these limits, into Node.
export const LIST_BOUNDS = {
  /** Members of the open space. */
  members: 100,
  /** Images of the open space; each brings its tags. */
  images: 20,
  /** Tags per image; each brings its history. */
  tags: 20,
  /** Spaces the account is a member of (any stranger can add it to theirs). */
  memberships: 50,
  /** Spaces the account owns (the pallet lets an account own one; the index might say more). */
  owned: 10,
  /** Artifacts of the open space, their versions and labels. */
  artifacts: 50,
  versions: 20,
  labels: 50,
  /** Platforms of one tag's image index (a manifest anyone writes can name thousands). */
  platforms: 32,
} as const;
