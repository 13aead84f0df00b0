// What the mirror verified and pinned, by the manifest a tag names: that manifest's digest, its
// children's and its blobs'. Passes skip what is here, so a tag whose content is held costs no
// download. Only the trees of manifests some listed tag names are remembered: when a tag moves
// on (or goes), its old tree is forgotten after the next complete pass, so what is tracked
// follows what the chain lists now, not everything it ever listed. The pins themselves stay (a
// mirror is a copy: a pull of the old digest is still served from it); should a tag name that
// content again, it is checked again, cheaply (its pairs are verified), before it counts as held.
//
// Each tree also names the manifests in it that were read with everything below them: a tag's
// walk passes over such a manifest's children (hasWholeManifest), so that many indexes listing the
// same children cost each child one walk, not one per index.
export class PinnedTrees {
  readonly #trees = new Map<string, { readonly digests: ReadonlySet<string>; readonly manifests: ReadonlySet<string> }>();
  /** How many remembered trees hold each digest. */
  readonly #holders = new Map<string, number>();
  /** How many remembered trees hold each manifest with everything below it. */
  readonly #wholeManifests = new Map<string, number>();

  /** Whether `digest` is part of a tree verified and pinned here. */
  has(digest: string): boolean {
    return this.#holders.has(digest);
  }

  /** Whether the manifest `digest` and everything below it are pinned here (part of some tree). */
  hasWholeManifest(digest: string): boolean {
    return this.#wholeManifests.has(digest);
  }

  /** Whether the tree of the manifest `root` is pinned here whole. */
  hasTree(root: string): boolean {
    return this.#trees.has(root);
  }

  /** How many digests are remembered (the bound the tests check). */
  get size(): number {
    return this.#holders.size;
  }

  /**
   * The tree of the manifest `root` (its own digest among `digests`) is pinned here whole;
   * `manifests` are the manifests in it pinned with everything below them (root among them).
   */
  add(root: string, digests: Iterable<string>, manifests: Iterable<string> = [root]): void {
    if (this.#trees.has(root)) return;
    const tree = { digests: new Set(digests).add(root), manifests: new Set(manifests).add(root) };
    this.#trees.set(root, tree);
    for (const digest of tree.digests) count(this.#holders, digest, +1);
    for (const digest of tree.manifests) count(this.#wholeManifests, digest, +1);
  }

  /** Forgets the trees of every root not in `roots` (the digests the listed tags name now). */
  keepOnly(roots: ReadonlySet<string>): void {
    for (const [root, tree] of this.#trees) {
      if (roots.has(root)) continue;
      this.#trees.delete(root);
      for (const digest of tree.digests) count(this.#holders, digest, -1);
      for (const digest of tree.manifests) count(this.#wholeManifests, digest, -1);
    }
  }
}

function count(counts: Map<string, number>, digest: string, by: 1 | -1): void {
  const left = (counts.get(digest) ?? 0) + by;
  if (left > 0) counts.set(digest, left);
  else counts.delete(digest);
}
