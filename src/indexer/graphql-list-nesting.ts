// A bound on how deeply a query nests lists of entities. OpenReader answers a nested list with one
// row per combination, so lists inside lists multiply: a stranger's space with 60 images (one
// extrinsic) made `{ images { space { images { space { images { space { images { id } } } } } } } }`
// a 300 MB answer that took the server about 100 s and its memory, and one level more exhausted
// it. Nothing on chain bounds how many records a space has, so the only bound that holds is on
// the query's shape. The deepest query the web page, the gateway and the documented examples make
// nests three lists (a space's images, their tags, each tag's history).
import { GraphQLError, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, isUnionType, Kind, SchemaMetaFieldDef, TypeMetaFieldDef } from 'graphql';
import type { FragmentDefinitionNode, GraphQLCompositeType, GraphQLField, GraphQLOutputType, GraphQLSchema, SelectionSetNode, ValidationContext, ASTVisitor } from 'graphql';

export const DEFAULT_MAX_LIST_NESTING = 3;

/** GQL_MAX_LIST_NESTING: lists of entities a query may nest (default 3). */
export function maxListNestingFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GQL_MAX_LIST_NESTING?.trim();
  if (!raw) return DEFAULT_MAX_LIST_NESTING;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`GQL_MAX_LIST_NESTING="${env.GQL_MAX_LIST_NESTING}" is not a whole number of at least 1: give how deeply a query may nest lists of entities (default ${DEFAULT_MAX_LIST_NESTING}), or unset it.`);
  }
  return value;
}

/**
 * A selection's field, introspection's `__schema` and `__type` included: they are no type's own
 * fields, and `__type(name: "Space") { fields { type { fields { … } } } }` multiplies its answer
 * by a type's fields at each level as surely as entity lists multiply rows.
 */
export function fieldOf(schema: GraphQLSchema, parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (parent === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (parent === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

/** Whether a field's type is a list of objects (entities), the kind that multiplies rows. */
export function isEntityList(type: GraphQLOutputType): boolean {
  const nullable = getNullableType(type);
  if (!isListType(nullable)) return false;
  const named = getNamedType(nullable);
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named);
}

/** A validation rule refusing operations whose lists of entities nest deeper than `max`. */
export function listNestingRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }

    // Each fragment's deepest path is found once and reused wherever it is spread: following every
    // spread afresh took 5.5 s of the server's one thread for 22 fragments each spreading the next
    // twice (1.2 kB), and twice as long for each fragment more.
    const fragmentPaths = new Map<string, string[]>();
    const fragmentDeepest = (name: string): string[] => {
      const known = fragmentPaths.get(name);
      if (known) return known;
      // A fragment that spreads itself is another rule's error: while it is measured it adds nothing.
      fragmentPaths.set(name, []);
      const fragment = fragments.get(name);
      const type = fragment && schema.getType(fragment.typeCondition.name.value);
      const path = fragment && type && (isObjectType(type) || isInterfaceType(type) || isUnionType(type)) ? deepest(fragment.selectionSet, type) : [];
      fragmentPaths.set(name, path);
      return path;
    };

    /** The deepest path of nested entity lists under a selection set, as field names. */
    const deepest = (selections: SelectionSetNode, parent: GraphQLCompositeType): string[] => {
      let best: string[] = [];
      for (const selection of selections.selections) {
        let found: string[] = [];
        if (selection.kind === Kind.FIELD) {
          if (!selection.selectionSet) continue;
          const field = fieldOf(schema, parent, selection.name.value);
          if (!field) continue; // Another rule reports unknown fields.
          const inner = getNamedType(field.type);
          if (!(isObjectType(inner) || isInterfaceType(inner) || isUnionType(inner))) continue;
          const below = deepest(selection.selectionSet, inner);
          const name = selection.alias ? `${selection.alias.value}:${selection.name.value}` : selection.name.value;
          found = isEntityList(field.type) ? [name, ...below] : below;
        } else if (selection.kind === Kind.INLINE_FRAGMENT) {
          const typeName = selection.typeCondition?.name.value;
          const type = typeName ? schema.getType(typeName) : parent;
          if (type && (isObjectType(type) || isInterfaceType(type) || isUnionType(type))) found = deepest(selection.selectionSet, type);
        } else {
          found = fragmentDeepest(selection.name.value);
        }
        if (found.length > best.length) best = found;
      }
      return best;
    };

    return {
      OperationDefinition(operation) {
        const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        if (!root) return;
        const path = deepest(operation.selectionSet, root);
        if (path.length <= max) return;
        context.reportError(new GraphQLError(
          `This query nests ${path.length} lists of entities (${path.join(' > ')}); at most ${max} may nest, since each level multiplies the rows of the answer. ` +
            'Ask for the inner lists in a second query (by id), or start the server with a larger GQL_MAX_LIST_NESTING.',
          [operation],
          undefined, undefined, undefined, undefined,
          { code: 'QUERY_TOO_NESTED', listNesting: path.length, maxListNesting: max },
        ));
      },
    };
  };
}
