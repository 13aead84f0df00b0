// Which versions a page of artifacts shows: each artifact's latest, and what every `versions`
// selection under `artifacts` asks for (its range and limit, variables and defaults applied).
// Reading the manifest content of every version of every artifact on the page instead cost an
// artifact's whole history per listing: anyone can record 100,000 tags of one artifact, each
// with annotations and files, and `artifacts(limit: 1) { name }` read them all.
import { type GraphQLResolveInfo, getNamedType, isObjectType } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { selectedFields } from './selected-rows';

export interface VersionsAsk {
  range: string | null;
  limit: number;
}

/** Every `versions` selection's arguments (none when not selected); undefined when the query is not known. */
export function versionsAsked(info: GraphQLResolveInfo | undefined): VersionsAsk[] | undefined {
  if (!info) return undefined;
  const type = getNamedType(info.returnType);
  const field = isObjectType(type) ? type.getFields().versions : undefined;
  if (!field) return undefined;
  const nodes = selectedFields(info).get('versions')?.nodes ?? [];
  return nodes.map((node) => getArgumentValues(field, node, info.variableValues) as unknown as VersionsAsk);
}

/** The tag ids among `sorted` (highest first) that these selections show; a bad range or limit shows none (the field reports it). */
export function tagIdsAsked<T extends { tagId: string; version: string | null }>(
  sorted: readonly T[], asks: readonly VersionsAsk[], maxLimit: number, matcher: (range: string | null) => (version: string | null) => boolean,
): string[] {
  const ids: string[] = [];
  for (const { range, limit } of asks) {
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) continue;
    let matches: (version: string | null) => boolean;
    try {
      matches = matcher(range);
    } catch {
      continue;
    }
    let taken = 0;
    for (const key of sorted) {
      if (taken >= limit) break;
      if (!matches(key.version)) continue;
      ids.push(key.tagId);
      taken += 1;
    }
  }
  return ids;
}
