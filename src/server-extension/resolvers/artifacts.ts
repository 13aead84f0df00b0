// Artifacts and their versions (any OCI artifact pushed: plugins, firmware, packages…), and the
// content of images' tags, served beside OpenReader's generated queries. A version is a tag whose
// manifest has an artifactType (artifact-rows.ts); versions are matched and ordered by semver
// (versions.ts). OpenReader has no semver, hence custom resolvers.
import 'reflect-metadata';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Field, FieldResolver, Info, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { LabelFilterError, type MoveFacts, moveFacts, parseLabel, tagContentBytes, tagContentRows, type VersionFilter, type VersionKey, type VersionRow, versionKeys, versionRowsOf } from '../artifact-rows';
import { chargeContentBytes } from '../content-budget';
import { type RequestContext, chargeRows, withinRowBudget } from '../row-budget';
import { selectedFields, versionRows } from '../selected-rows';
import { tagIdsAsked, versionsAsked } from '../versions-asked';
import { isPrerelease, latestOf, parseRange, satisfies, semverOf, sortByVersionDescending, VersionRangeError } from '../versions';

const MAX_LIMIT = 1000;
const DESCRIPTION = 'org.opencontainers.image.description';

@ObjectType({ description: 'An annotation of a manifest: key and value' })
export class ArtifactLabel {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
}

@ObjectType({ description: 'A file of an artifact version: one layer of its manifest' })
export class ArtifactFile {
  @Field(() => String, { nullable: true, description: 'org.opencontainers.image.title' }) title!: string | null;
  @Field(() => String) mediaType!: string;
  @Field(() => String) digest!: string;
  @Field(() => BigInt) size!: bigint;
}

@ObjectType({ description: 'The space an artifact belongs to' })
export class ArtifactSpace {
  @Field(() => String) id!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => Boolean, { nullable: true, description: 'whether the space owns its name (false: a shadow, whose artifacts a pull by name never reaches)' }) isNameOwner!: boolean | null;
  @Field(() => String, { description: "the space owner's address" }) owner!: string;
}

@ObjectType({ description: 'One version of an artifact: a tag whose manifest has an artifactType' })
export class ArtifactVersion {
  @Field(() => String, { description: 'the tag id' }) id!: string;
  @Field(() => String, { nullable: true, description: 'the tag (null when it is not UTF-8)' }) version!: string | null;
  @Field(() => String, { nullable: true, description: 'the tag as a normalised semantic version; null when it is not one' }) semver!: string | null;
  @Field(() => Boolean) prerelease!: boolean;
  @Field(() => String, { description: 'the image id' }) artifactId!: string;
  @Field(() => String, { nullable: true }) artifactName!: string | null;
  @Field(() => ArtifactSpace) space!: ArtifactSpace;
  @Field(() => String) artifactType!: string;
  @Field(() => String) mediaType!: string;
  @Field(() => String, { description: 'the manifest digest the tag points at now' }) digest!: string;
  @Field(() => String, { description: 'a CID whose bytes matched the digest' }) cid!: string;
  @Field(() => Int, { description: 'bytes of the manifest' }) size!: number;
  @Field(() => BigInt, { nullable: true, description: 'config plus files, as pushed' }) totalSize!: bigint | null;
  @Field(() => [ArtifactLabel], { description: "the manifest's annotations" }) labels!: ArtifactLabel[];
  @Field(() => String, { nullable: true, description: 'org.opencontainers.image.description' }) description!: string | null;
  @Field(() => [ArtifactFile]) files!: ArtifactFile[];
  @Field(() => [String], { description: "an index's platforms" }) platforms!: string[];
  @Field(() => Date, { description: 'when the tag was first set' }) createdAt!: Date;
  @Field(() => Int) createdAtBlock!: number;
  @Field(() => Date, { description: 'when the tag was last recorded' }) updatedAt!: Date;
  @Field(() => Int) updatedAtBlock!: number;
  @Field(() => Boolean, { description: 'whether the tag was moved to another digest after it was first set: the chain cannot keep versions immutable' }) moved!: boolean;
  @Field(() => Int, { description: 'how often it was moved to another digest' }) moveCount!: number;
  @Field(() => Date, { nullable: true }) firstMovedAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastMovedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'the digest the tag was first set to' }) originalDigest!: string | null;
  @Field(() => String, { nullable: true, description: 'who pushed last, as the signer stated it (TagUpdate.pushedBy)' }) pushedBy!: string | null;
  @Field(() => String, { nullable: true, description: 'the account that recorded it last' }) recordedBy!: string | null;
}

@ObjectType({ description: 'An artifact: an image of a space with at least one artifact version' })
export class Artifact {
  @Field(() => String, { description: 'the image id' }) id!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => String) nameHex!: string;
  @Field(() => ArtifactSpace) space!: ArtifactSpace;
  @Field(() => [String], { description: 'the artifactTypes of its versions' }) kinds!: string[];
  @Field(() => Int) versionCount!: number;
  @Field(() => ArtifactVersion, { description: 'the highest release, else the highest pre-release, else the tag moved last' }) latest!: ArtifactVersion;
  @Field(() => [ArtifactLabel], { description: "the latest version's labels" }) labels!: ArtifactLabel[];
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Date) updatedAt!: Date;
  /** Every version that matched the query's filters, highest first (not a field: see `versions`). */
  all!: { id: string; version: string | null }[];
  /**
   * The versions read whole for the page (its latest, and those its `versions` selections show),
   * by tag id; without it, `all` holds whole versions.
   */
  shown?: Map<string, ArtifactVersion>;
}

@ObjectType({ description: "An image tag's manifest content, as the content indexer read it" })
export class TagContent {
  @Field(() => String) tagId!: string;
  @Field(() => String, { nullable: true }) digest!: string | null;
  @Field(() => String, { description: 'pending, indexed, mismatch or invalid; "unseen" before the content indexer found the digest' }) state!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true }) lastError!: string | null;
  @Field(() => String, { nullable: true }) mediaType!: string | null;
  @Field(() => String, { nullable: true, description: 'image or index' }) kind!: string | null;
  @Field(() => String, { nullable: true }) artifactType!: string | null;
  @Field(() => Int, { nullable: true, description: 'bytes of the manifest' }) size!: number | null;
  @Field(() => BigInt, { nullable: true, description: "config plus layers; for an index, its children's sum once all are indexed" }) totalSize!: bigint | null;
  @Field(() => Int, { nullable: true }) layerCount!: number | null;
  @Field(() => Int, { nullable: true, description: 'manifests an index lists' }) childCount!: number | null;
  @Field(() => [String]) platforms!: string[];
}

@Resolver(() => Artifact)
export class ArtifactResolver {
  constructor(private readonly tx: () => Promise<EntityManager>) {}

  @Query(() => [ArtifactVersion], { description: 'Artifact versions, highest semantic version first (tags that are no version last), filtered by space, name, kind, labels and a semver range' })
  async artifactVersions(
    @Arg('space', () => String, { nullable: true, description: 'a space name: the space that owns the name (shadows never)' }) space: string | null,
    @Arg('spaceId', () => String, { nullable: true }) spaceId: string | null,
    @Arg('name', () => String, { nullable: true, description: 'the artifact (image) name' }) name: string | null,
    @Arg('kind', () => [String], { nullable: true, description: 'artifactTypes, any of them' }) kind: string[] | null,
    @Arg('label', () => [String], { nullable: true, description: 'annotations, all of them: key=value, or key to require it' }) label: string[] | null,
    @Arg('range', () => String, { nullable: true, description: 'a semver range as npm reads it, e.g. "^1.2", "~1.0", ">=1.1.0 <2"; pre-releases only where the range names one on the same version' }) range: string | null,
    @Arg('includeShadows', () => Boolean, { defaultValue: false, description: 'also list the artifacts of shadows (later spaces with a taken name)' }) includeShadows: boolean,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset: number,
    @Ctx() context?: RequestContext,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<ArtifactVersion[]> {
    checkPage(limit, offset);
    const matches = rangeTest(range);
    const manager = await this.tx();
    const keys = sortByVersionDescending((await versionKeys(manager, filterOf({ space, spaceId, name, kind, label, includeShadows }))).filter((key) => matches(key.version)));
    // Ordered and paged on keys first, so that manifest content is read for the page only, and
    // only once its size is known to be within the answer's bound.
    const pageKeys = keys.slice(offset, offset + limit);
    chargeContentBytes(context, manifestBytes(pageKeys), `${pageKeys.length} versions`);
    const page = await versionRowsOf(manager, pageKeys.map((key) => key.tagId));
    const moves = await moveFacts(manager, page.map((row) => row.tagId));
    return chargedVersions(context, info, page.map((row) => toVersion(row, moves.get(row.tagId))));
  }

  @Query(() => [Artifact], { description: 'Artifacts (images with artifact versions), by space and name, filtered by kind, labels (any version) and name' })
  async artifacts(
    @Arg('space', () => String, { nullable: true, description: 'a space name: the space that owns the name (shadows never)' }) space: string | null,
    @Arg('spaceId', () => String, { nullable: true }) spaceId: string | null,
    @Arg('name', () => String, { nullable: true }) name: string | null,
    @Arg('nameContains', () => String, { nullable: true, description: 'part of the name, any case' }) nameContains: string | null,
    @Arg('kind', () => [String], { nullable: true }) kind: string[] | null,
    @Arg('label', () => [String], { nullable: true }) label: string[] | null,
    @Arg('includeShadows', () => Boolean, { defaultValue: false }) includeShadows: boolean,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit: number,
    @Arg('offset', () => Int, { defaultValue: 0 }) offset: number,
    @Ctx() context?: RequestContext,
    @Info() info?: GraphQLResolveInfo,
  ): Promise<Artifact[]> {
    checkPage(limit, offset);
    const manager = await this.tx();
    const keys = await versionKeys(manager, { ...filterOf({ space, spaceId, name, kind, label, includeShadows }), nameContains });
    const byArtifact = new Map<string, VersionKey[]>();
    for (const key of keys) {
      const list = byArtifact.get(key.artifactId);
      if (list) list.push(key);
      else byArtifact.set(key.artifactId, [key]);
    }
    // Ordered and paged on keys first; then manifest content and move facts are read, and
    // versions built, only for what the page shows: each artifact's latest version and the
    // versions its `versions` selections ask for (all of them when the query is not known).
    const lists = [...byArtifact.values()]
      .sort(([a], [b]) => compare(a.spaceName, b.spaceName) || compare(a.name, b.name) || compare(a.artifactId, b.artifactId))
      .slice(offset, offset + limit)
      .map((list) => sortByVersionDescending(list));
    const asks = versionsAsked(info);
    const shownIds = new Set<string>();
    for (const list of lists) {
      shownIds.add(latestOf(list)!.tagId);
      for (const id of asks ? tagIdsAsked(list, asks, MAX_LIMIT, rangeTest) : list.map((key) => key.tagId)) shownIds.add(id);
    }
    const keyById = new Map(keys.map((key) => [key.tagId, key]));
    const shownKeys = [...shownIds].flatMap((id) => keyById.get(id) ?? []);
    chargeContentBytes(context, manifestBytes(shownKeys), `${shownKeys.length} versions of ${lists.length} artifacts`);
    const rows = await versionRowsOf(manager, [...shownIds]);
    const moves = await moveFacts(manager, rows.map((row) => row.tagId));
    const rowById = new Map(rows.map((row) => [row.tagId, row]));
    const shown = new Map(rows.map((row) => [row.tagId, toVersion(row, moves.get(row.tagId))]));
    // An artifact whose latest version moved away between the two reads is left out of the page.
    const page = lists.flatMap((list) => {
      const latestKey = latestOf(list)!;
      const latest = shown.get(latestKey.tagId);
      if (!latest) return [];
      const artifact = new Artifact();
      Object.assign(artifact, {
        id: latestKey.artifactId, name: latestKey.name, nameHex: rowById.get(latestKey.tagId)!.nameHex, space: latest.space,
        kinds: [...new Set(list.map((key) => key.artifactType))].sort(),
        versionCount: list.length, latest, labels: latest.labels, description: latest.description,
        updatedAt: lastUpdate(list), all: list.map((key) => ({ id: key.tagId, version: key.version })), shown,
      });
      return [artifact];
    });
    // Each artifact with its latest version; the versions asked for are counted where they are given.
    if (info) chargeRows(context, artifactRows(page, info));
    else chargeRows(context, page.length * 2);
    return page;
  }

  @FieldResolver(() => [ArtifactVersion], { description: 'its versions that match the query, highest first' })
  versions(
    @Root() artifact: Artifact,
    @Arg('range', () => String, { nullable: true }) range: string | null,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() context?: RequestContext,
    @Info() info?: GraphQLResolveInfo,
  ): ArtifactVersion[] {
    checkPage(limit, 0);
    const matches = rangeTest(range);
    const picked = artifact.all.filter((v) => matches(v.version)).slice(0, limit);
    // A version that moved away between the reads has no content to show.
    const versions = artifact.shown ? picked.flatMap((v) => artifact.shown!.get(v.id) ?? []) : (picked as ArtifactVersion[]);
    return chargedVersions(context, info, versions);
  }

  @Query(() => [TagContent], { description: "Tags' manifest contents: sizes, platforms, artifactType, and whether the content indexer has read them" })
  async tagContents(@Arg('tagIds', () => [String]) tagIds: string[], @Ctx() context?: RequestContext): Promise<TagContent[]> {
    if (tagIds.length > MAX_LIMIT) throw badInput(`${tagIds.length} tag ids: ask for at most ${MAX_LIMIT} at a time`);
    const manager = await this.tx();
    chargeContentBytes(context, await tagContentBytes(manager, tagIds), `the contents of ${tagIds.length} tags`);
    const rows = await tagContentRows(manager, tagIds);
    return withinRowBudget(context, rows.map((row) => ({
      ...row,
      state: row.state ?? 'unseen',
      attempts: row.attempts ?? 0,
      totalSize: row.totalSize === null ? null : BigInt(row.totalSize),
      platforms: row.platforms ?? [],
    })));
  }
}

function filterOf(args: { space: string | null; spaceId: string | null; name: string | null; kind: string[] | null; label: string[] | null; includeShadows: boolean }): VersionFilter {
  let labels;
  try {
    labels = (args.label ?? []).map(parseLabel);
  } catch (error) {
    if (error instanceof LabelFilterError) throw badInput(error.message);
    throw error;
  }
  return { space: args.space, spaceId: args.spaceId, name: args.name, kinds: args.kind, labels, includeShadows: args.includeShadows };
}

function rangeTest(range: string | null): (version: string | null) => boolean {
  if (range == null) return () => true;
  try {
    const parsed = parseRange(range);
    return (version) => satisfies(version, parsed);
  } catch (error) {
    if (error instanceof VersionRangeError) throw badInput(error.message);
    throw error;
  }
}

function toVersion(row: VersionRow, moves: MoveFacts | undefined): ArtifactVersion {
  const annotations = row.annotations ?? {};
  return {
    id: row.tagId, version: row.version, semver: semverOf(row.version), prerelease: isPrerelease(row.version),
    artifactId: row.artifactId, artifactName: row.name,
    space: { id: row.spaceId, name: row.spaceName, isNameOwner: row.isNameOwner, owner: row.owner },
    artifactType: row.artifactType, mediaType: row.mediaType, digest: row.digest, cid: row.cid, size: row.size,
    totalSize: row.totalSize === null ? null : BigInt(row.totalSize),
    labels: Object.entries(annotations).map(([key, value]) => ({ key, value })).sort((a, b) => compare(a.key, b.key)),
    description: annotations[DESCRIPTION] ?? null,
    files: (row.files ?? []).map((file) => ({ title: file.title, mediaType: file.mediaType, digest: file.digest, size: BigInt(file.size) })),
    platforms: row.platforms ?? [],
    createdAt: row.createdAt, createdAtBlock: row.createdAtBlock, updatedAt: row.updatedAt, updatedAtBlock: row.updatedAtBlock,
    moved: (moves?.moveCount ?? 0) > 0, moveCount: moves?.moveCount ?? 0, firstMovedAt: moves?.firstMovedAt ?? null, lastMovedAt: moves?.lastMovedAt ?? null,
    originalDigest: moves?.originalDigest ?? null, pushedBy: moves?.pushedBy ?? null, recordedBy: moves?.recordedBy ?? null,
  };
}

/** Versions counted against the request's budget as the query selects them (all their objects when it is not known). */
function chargedVersions(context: RequestContext | undefined, info: GraphQLResolveInfo | undefined, versions: ArtifactVersion[]): ArtifactVersion[] {
  if (!info) return withinRowBudget(context, versions);
  chargeRows(context, versionRows(versions, selectedFields(info)));
  return versions;
}

/** Rows of a page of artifacts as selected: each artifact, its space, labels and latest version where asked for. */
function artifactRows(page: readonly Artifact[], info: GraphQLResolveInfo): number {
  const selected = selectedFields(info);
  const times = (field: string) => selected.get(field)?.keys.size ?? 0;
  const latest = selected.get('latest');
  const latestFields = latest ? selectedFields(info, latest.nodes) : undefined;
  let rows = 0;
  for (const artifact of page) {
    rows += 1 + times('space') + times('labels') * artifact.labels.length;
    if (latestFields) rows += times('latest') * versionRows([artifact.latest], latestFields);
  }
  return rows;
}

/** Bytes of the manifests these versions are read from (one per version: each carries its content). */
function manifestBytes(keys: readonly VersionKey[]): number {
  let bytes = 0;
  for (const key of keys) bytes += key.size ?? 0;
  return bytes;
}

function checkPage(limit: number, offset: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badInput(`limit ${limit} is out of range: ask for 1 to ${MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0) throw badInput(`offset ${offset} must be 0 or more`);
}

/**
 * When its versions were last recorded. Not `Math.max(...times)`: anyone can record over 130,000
 * tags for one artifact, and so many arguments overflow the stack, which failed every listing
 * whose page held that artifact.
 */
function lastUpdate(versions: readonly { updatedAt: Date }[]): Date {
  let latest = -Infinity;
  for (const version of versions) latest = Math.max(latest, new Date(version.updatedAt).getTime());
  return new Date(latest);
}

function compare(a: string | null, b: string | null): number {
  return (a ?? '') < (b ?? '') ? -1 : (a ?? '') > (b ?? '') ? 1 : 0;
}

/** An error Apollo reports as the client's (code BAD_USER_INPUT), not as the server's. */
function badInput(message: string): GraphQLError {
  return new GraphQLError(message, undefined, undefined, undefined, undefined, undefined, { code: 'BAD_USER_INPUT' });
}
