// The rows an answer of artifact versions holds, counted from what the query selects. Counting
// the objects the resolver returns counted every version's files and labels even when the query
// asked for neither: `artifactVersions(limit: 1000) { version }` on versions of 20 files each was
// refused as 22,000 rows, while its answer held 1,000. Each place a list or object is selected (an
// alias, a fragment) is an answer's worth of rows of its own, as in graphql-response-rows.ts.
import { type FieldNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

/** What a resolver is told about where its field stands in the query (GraphQL's resolve info). */
export interface SelectionInfo {
  readonly fieldNodes: readonly FieldNode[];
  readonly fragments: Record<string, FragmentDefinitionNode>;
}

/** A field selected under another: its nodes, and how many answer keys (aliases) it fills. */
export interface Selected {
  readonly nodes: FieldNode[];
  readonly keys: Set<string>;
}

/** The fields selected under the resolver's field, by field name, fragments followed. */
export function selectedFields(info: SelectionInfo, within: readonly FieldNode[] = info.fieldNodes): Map<string, Selected> {
  const fields = new Map<string, Selected>();
  const seenFragments = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const entry = fields.get(selection.name.value) ?? { nodes: [], keys: new Set<string>() };
        entry.nodes.push(selection);
        entry.keys.add(selection.alias?.value ?? selection.name.value);
        fields.set(selection.name.value, entry);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet);
      } else if (!seenFragments.has(selection.name.value)) {
        // A fragment spread twice in one selection adds no field twice: GraphQL merges them.
        seenFragments.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  for (const node of within) walk(node.selectionSet);
  return fields;
}

/** The parts of a version that are objects of the answer. */
export interface VersionObjects {
  readonly labels: readonly unknown[];
  readonly files: readonly unknown[];
}

/** Rows of these versions as selected: each version, its space, and its labels and files where asked for. */
export function versionRows(versions: readonly VersionObjects[], selected: Map<string, Selected>): number {
  const times = (field: string) => selected.get(field)?.keys.size ?? 0;
  const [space, labels, files] = [times('space'), times('labels'), times('files')];
  let rows = 0;
  for (const version of versions) rows += 1 + space + labels * version.labels.length + files * version.files.length;
  return rows;
}
