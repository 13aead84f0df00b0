// Bounds on how much one query asks for side by side. Each root field is a SQL query of its own and
// each list of entities a subquery run for every row above it, all on the request's one pooled
// connection, and the statement timeout bounds each statement, not their sum: 100 aliases of
// `images { space { images { … } } }` (each 0.25 s on a space of 160 images) held a connection for
// 26 s and took the server to 1.6 GB, as one request, which the rate limit counts once. Fields the
// query names also add up, and fragments multiply them: 20 fragments each spreading the next
// through two fields (`shadowOf { ...F2 } nameTakenBy { ...F2 }`) ask for 2^20 joins in 1 kB, and
// 300 aliases of `name` make every row 300 values wide.
// So a query is refused before any SQL runs when, with every alias and fragment spread counted
// where it is expanded, it asks for more than GQL_MAX_LIST_FIELDS root fields and lists of
// entities (QUERY_TOO_BROAD), or more than GQL_MAX_FIELDS fields (QUERY_TOO_COMPLEX). Fragments are
// counted once each and their totals reused, so counting is linear in the query's text however
// much it expands. The widest query the web page, the CLI and the gateway make asks for 5 lists
// and 54 fields; introspection for the console asks for 10 lists and 190 fields.
import { GraphQLError, getNamedType, isInterfaceType, isObjectType, isUnionType, Kind } from 'graphql';
import type { ASTVisitor, FragmentDefinitionNode, GraphQLCompositeType, GraphQLSchema, SelectionSetNode, ValidationContext } from 'graphql';
import { countFromEnv } from './env-count';
import { fieldOf, isEntityList } from './graphql-list-nesting';

export const DEFAULT_MAX_LIST_FIELDS = 20;
export const DEFAULT_MAX_FIELDS = 300;

/** GQL_MAX_LIST_FIELDS: root fields and lists of entities one query may ask for (default 20). */
export function maxListFieldsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return countFromEnv(env, 'GQL_MAX_LIST_FIELDS', DEFAULT_MAX_LIST_FIELDS, 'how many root fields and lists of entities one query may ask for');
}

/** GQL_MAX_FIELDS: fields one query may ask for, aliases and fragment spreads expanded (default 300). */
export function maxFieldsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return countFromEnv(env, 'GQL_MAX_FIELDS', DEFAULT_MAX_FIELDS, 'how many fields one query may ask for');
}

/** What a selection set asks for once expanded; `lists` keeps a few examples' paths. */
interface Tally {
  lists: number;
  fields: number;
  examples: string[];
}

const EXAMPLES = 4;
const EMPTY: Tally = { lists: 0, fields: 0, examples: [] };

function compositeType(schema: GraphQLSchema, name: string | undefined, fallback?: GraphQLCompositeType): GraphQLCompositeType | undefined {
  const type = name ? schema.getType(name) : fallback;
  return type && (isObjectType(type) || isInterfaceType(type) || isUnionType(type)) ? type : undefined;
}

/** Counts with fragments expanded where spread, each fragment's total computed once. */
export function queryBreadth(context: ValidationContext) {
  const schema = context.getSchema();
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const totals = new Map<string, Tally>();

  const fragmentTally = (name: string): Tally => {
    const known = totals.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // A fragment that spreads itself is another rule's error: while it is counted it counts nothing.
    totals.set(name, EMPTY);
    const type = fragment && compositeType(schema, fragment.typeCondition.name.value);
    const tally = fragment && type ? tallyOf(fragment.selectionSet, type, false, new Set()) : EMPTY;
    totals.set(name, tally);
    return tally;
  };

  const add = (into: Tally, from: Tally, prefix?: string) => {
    into.lists += from.lists;
    into.fields += from.fields;
    for (const example of from.examples) {
      if (into.examples.length >= EXAMPLES) break;
      into.examples.push(prefix ? `${prefix} > ${example}` : example);
    }
  };

  // `spread` holds the fragments already spread into this selection set: as in execution, a
  // fragment spread twice into one selection set is answered once.
  const tallyOf = (selections: SelectionSetNode, parent: GraphQLCompositeType, isRoot: boolean, spread: Set<string>): Tally => {
    const tally: Tally = { lists: 0, fields: 0, examples: [] };
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD) {
        tally.fields += 1;
        const fieldName = selection.name.value;
        if (fieldName === '__typename') continue;
        const field = fieldOf(schema, parent, fieldName);
        const name = selection.alias ? `${selection.alias.value}:${fieldName}` : fieldName;
        const inner = field && getNamedType(field.type);
        const below = selection.selectionSet && inner && (isObjectType(inner) || isInterfaceType(inner) || isUnionType(inner)) ? tallyOf(selection.selectionSet, inner, false, new Set()) : EMPTY;
        if (isRoot || (field && isEntityList(field.type))) {
          tally.lists += 1;
          if (tally.examples.length < EXAMPLES) tally.examples.push(name);
        }
        add(tally, below, name);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = compositeType(schema, selection.typeCondition?.name.value, parent);
        if (type) add(tally, tallyOf(selection.selectionSet, type, isRoot, spread));
      } else {
        const name = selection.name.value;
        if (spread.has(name)) continue;
        spread.add(name);
        // A fragment spread on the root type: count its fields as root fields.
        const fragment = fragments.get(name);
        if (isRoot && fragment) {
          const type = compositeType(schema, fragment.typeCondition.name.value, parent);
          if (type) add(tally, tallyOf(fragment.selectionSet, type, true, spread));
        } else add(tally, fragmentTally(name));
      }
    }
    return tally;
  };

  return (selections: SelectionSetNode, root: GraphQLCompositeType): Tally => tallyOf(selections, root, true, new Set());
}

/** A validation rule refusing operations that ask for more than `maxListFields` lists or `maxFields` fields. */
export function queryBreadthRule(maxListFields: number, maxFields: number) {
  return (context: ValidationContext): ASTVisitor => {
    const schema = context.getSchema();
    const breadth = queryBreadth(context);
    return {
      OperationDefinition(operation) {
        const root = operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        if (!root) return;
        const { lists, fields, examples } = breadth(operation.selectionSet, root);
        const some = `${examples.join(', ')}${lists > examples.length ? ', …' : ''}`;
        if (lists > maxListFields) {
          context.reportError(new GraphQLError(
            `This query asks for ${lists} root fields and lists of entities (${some}), counting each alias and each place a fragment is spread; at most ${maxListFields} may be asked for in one query, since each is a SQL query or subquery of its own. ` +
              'Split it into several queries, or start the server with a larger GQL_MAX_LIST_FIELDS.',
            [operation],
            undefined, undefined, undefined, undefined,
            { code: 'QUERY_TOO_BROAD', listFields: lists, maxListFields },
          ));
        } else if (fields > maxFields) {
          context.reportError(new GraphQLError(
            `This query asks for ${fields} fields, counting each alias and each place a fragment is spread; at most ${maxFields} may be asked for in one query. ` +
              'Ask for the fields you need once each (fewer aliases, fragments spread in fewer places), split it into several queries, or start the server with a larger GQL_MAX_FIELDS.',
            [operation],
            undefined, undefined, undefined, undefined,
            { code: 'QUERY_TOO_COMPLEX', fields, maxFields },
          ));
        }
      },
    };
  };
}
