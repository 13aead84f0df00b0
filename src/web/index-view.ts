// The browse section: the newest spaces and recently updated images (shown to everyone, wallet
// or not), my spaces, the ones I am a member of, search, and one space in detail.
// After a transaction the page waits for the index to reach its block before reading again.
import { graphql } from './api';
import { imageList, shownTagIds, spaceDetail, spaceList } from './browse';
import { byId, h } from './dom';
import { LIST_BOUNDS } from './list-bounds';
import { checkNameOwner } from './name-owner-check';
import { type ArtifactView, INDEX_HEIGHT, MY_SPACES, type MySpaces, RECENT, type RecentResult, SEARCH, type SearchResult, SPACE_ARTIFACTS, SPACE_DETAIL, type SpaceDetail } from './queries';
import { tagContents } from './sizes';
import { freeText } from './untrusted-text';

const INDEX_WAIT_MS = 60_000;
const RECENT_LIMIT = 10;

export class IndexView {
  readonly #status = byId<HTMLParagraphElement>('browse-status');
  readonly #detail = byId('space-detail');
  readonly #me: () => string | undefined;
  #openSpace: string | undefined;

  constructor(readonly registry: string, readonly enabled: boolean, me: () => string | undefined) {
    this.#me = me;
    byId<HTMLFormElement>('search').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.search(byId<HTMLInputElement>('search-text').value.trim());
    });
    if (!enabled) {
      byId('search').hidden = true;
      this.#status.textContent = 'No index is configured for this registry, so spaces and images cannot be listed.';
    }
  }

  /** Re-reads the recent lists, my spaces and the open space (and moves focus to it when `focus`). */
  async refresh(focus = false): Promise<void> {
    if (!this.enabled) return;
    const me = this.#me();
    const open = (id: string) => void this.show(id);
    // Each part is read and shown on its own: what one stranger did to one list (a space with
    // thousands of tags, an account made a member of thousands of spaces) must not blank the rest.
    const failures: string[] = [];
    const part = async (what: string, run: () => Promise<void>) => {
      try {
        await run();
      } catch (error) {
        failures.push(`${what}: ${(error as Error).message}`);
      }
    };
    await Promise.all([
      part('recent spaces and images', async () => {
        const recent = await graphql<RecentResult>(RECENT, { limit: RECENT_LIMIT });
        byId('recent').replaceChildren(
          spaceList('Newest spaces', recent.spaces, 'No space has been created yet.', open, RECENT_LIMIT),
          imageList('Recently updated images', recent.images, 'No image has been pushed yet.', open),
        );
      }),
      me
        ? part('your spaces', async () => {
            const { owned, memberships } = await graphql<MySpaces>(MY_SPACES, { me });
            byId('my-spaces').replaceChildren(spaceList('My spaces', owned ?? [], 'You own no space yet.', open, LIST_BOUNDS.owned));
            byId('member-spaces').replaceChildren(spaceList('Spaces I am a member of', (memberships ?? []).map((m) => m.space), 'You are not a member of another space.', open, LIST_BOUNDS.memberships));
            if (!this.#openSpace && owned?.[0]) this.#openSpace = owned[0].id;
          })
        : undefined,
    ]);
    if (this.#openSpace) await part('the open space', () => this.#renderSpace(this.#openSpace!, focus));
    this.#status.textContent = failures.length ? freeText(`The index could not be read (${failures.join('; ')}).`) : '';
  }

  /** Waits until the index has processed `blockNumber`, then refreshes. */
  async refreshAfter(blockNumber: number | undefined): Promise<void> {
    if (!this.enabled) return;
    this.#status.textContent = 'Updating from the index…';
    const deadline = Date.now() + INDEX_WAIT_MS;
    while (blockNumber !== undefined && Date.now() < deadline) {
      const height = await graphql<{ squidStatus: { height: number } }>(INDEX_HEIGHT).then((d) => d.squidStatus.height, () => -1);
      if (height >= blockNumber) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await this.refresh();
  }

  /** Opens a space below the lists, refreshing them too so their counts match. */
  async show(id: string): Promise<void> {
    this.#openSpace = id;
    await this.refresh(true);
  }

  async #renderSpace(id: string, focus: boolean): Promise<void> {
    // Artifacts come from a custom query; an index without it still shows the space.
    const [{ spaceById }, artifacts] = await Promise.all([
      graphql<{ spaceById: SpaceDetail | null }>(SPACE_DETAIL, { id }),
      graphql<{ artifacts: ArtifactView[] }>(SPACE_ARTIFACTS, { id }).then((d) => d.artifacts, () => []),
    ]);
    if (!spaceById) {
      this.#detail.replaceChildren(h('p', { class: 'hint' }, `Space ${id} is not in the index yet.`));
      return;
    }
    const [tags, checked] = await Promise.all([tagContents(shownTagIds(spaceById)), checkNameOwner(spaceById)]);
    this.#detail.replaceChildren(spaceDetail(checked.space, this.registry, this.#me(), { tags, artifacts, ownership: checked }));
    if (focus) this.#detail.focus();
  }

  async search(text: string): Promise<void> {
    const results = byId('search-results');
    if (!text) {
      results.replaceChildren();
      return;
    }
    try {
      const { spaces, images } = await graphql<SearchResult>(SEARCH, { text });
      const open = (id: string) => void this.show(id);
      results.replaceChildren(h('h3', {}, `Results for “${text}”`), spaceList('Spaces', spaces, 'No space matches.', open), imageList('Images', images, 'No image matches.', open));
      this.#status.textContent = `${spaces.length} space${spaces.length === 1 ? '' : 's'} and ${images.length} image${images.length === 1 ? '' : 's'} found.`;
    } catch (error) {
      this.#status.textContent = freeText(`Search failed: ${(error as Error).message}`);
    }
  }
}
