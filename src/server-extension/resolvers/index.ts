// Custom GraphQL queries served beside OpenReader's generated ones (Subsquid's graphql-server
// loads this module): full-text search over space and image names, backed by the GIN indexes
// of db/migrations/*-Search.search.js, and artifacts with their versions (./artifacts.ts).
import 'reflect-metadata';
import { GraphQLError } from 'graphql';
import { Arg, Field, Float, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { SearchTextError, toPrefixTsQuery } from '../search-query';

export { Artifact, ArtifactResolver, ArtifactVersion, TagContent } from './artifacts';

const MAX_LIMIT = 100;

@ObjectType({ description: 'A space or an image whose name matches a search' })
export class SearchHit {
  @Field(() => String, { description: '"space" or "image"' })
  kind!: string;

  @Field(() => String, { description: 'the space (for an image: the space it belongs to)' })
  spaceId!: string;

  @Field(() => String, { nullable: true, description: "the space's name (null when it is not UTF-8)" })
  spaceName!: string | null;

  @Field(() => String, { nullable: true, description: 'the image (null for a space)' })
  imageId!: string | null;

  @Field(() => String, { nullable: true, description: "the image's name (null for a space, or when it is not UTF-8)" })
  imageName!: string | null;

  @Field(() => Float, { description: 'Postgres ts_rank of the match; higher is better' })
  rank!: number;
}

// The expression must be the one the indexes were built on, or Postgres cannot use them.
const VECTOR = (alias: string) => `to_tsvector('simple', coalesce(${alias}.search_text, ''))`;

const SEARCH_SQL = `
  SELECT 'space' AS "kind", s.id AS "spaceId", s.name AS "spaceName", NULL AS "imageId", NULL AS "imageName",
         ts_rank(${VECTOR('s')}, q) AS "rank"
    FROM space s, to_tsquery('simple', $1) q
   WHERE ${VECTOR('s')} @@ q
  UNION ALL
  SELECT 'image', sp.id, sp.name, i.id, i.name, ts_rank(${VECTOR('i')}, q)
    FROM image i JOIN space sp ON sp.id = i.space_id, to_tsquery('simple', $1) q
   WHERE ${VECTOR('i')} @@ q
  ORDER BY "rank" DESC, "kind" DESC, "spaceName", "imageName", "spaceId", "imageId"
  LIMIT $2`;

@Resolver()
export class SearchResolver {
  constructor(private readonly tx: () => Promise<EntityManager>) {}

  @Query(() => [SearchHit], { description: 'Spaces and images whose names contain words starting with the words of `text` (Postgres full-text search), best matches first' })
  async search(
    @Arg('text', () => String, { description: 'words to look for, e.g. "acme web"' }) text: string,
    @Arg('limit', () => Int, { defaultValue: 20, description: `at most this many hits (1–${MAX_LIMIT})` }) limit: number,
  ): Promise<SearchHit[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badInput(`limit ${limit} is out of range: ask for 1 to ${MAX_LIMIT} hits`);
    let query: string;
    try {
      query = toPrefixTsQuery(text);
    } catch (error) {
      if (error instanceof SearchTextError) throw badInput(error.message);
      throw error;
    }
    const manager = await this.tx();
    const rows: SearchHit[] = await manager.query(SEARCH_SQL, [query, limit]);
    return rows.map((row) => ({ ...row, rank: Number(row.rank) }));
  }
}

/** An error Apollo reports as the client's (code BAD_USER_INPUT), not as the server's. */
function badInput(message: string): GraphQLError {
  return new GraphQLError(message, undefined, undefined, undefined, undefined, undefined, { code: 'BAD_USER_INPUT' });
}
