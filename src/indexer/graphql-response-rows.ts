// A bound on how many rows one answer may hold. The query bounds (graphql-list-nesting.ts,
// graphql-query-breadth.ts) limit what a query names, not how many rows it returns: lists without
// a `limit` return every row, so `images { space { images { … } } }` on a space of 160 images
// returned 25,600 rows of up to 30 values each, within every bound, and only the statement timeout
// stopped worse. So every answer's rows are counted as they come back from Postgres (each object in
// the answer: an entity, a nested entity, an edge), for the whole request, and once the count
// passes GQL_MAX_RESPONSE_ROWS the request is answered with RESPONSE_TOO_LARGE instead of the rows:
// nothing past the bound is turned into GraphQL's answer or sent. A page of any list within the
// bound (`limit` with `offset`, `first` with `after`) is answered as before.
import { GraphQLError } from 'graphql';
import { ConfiguredCount, countFromEnv } from './env-count';

export const DEFAULT_MAX_RESPONSE_ROWS = 20_000;

/** GQL_MAX_RESPONSE_ROWS: rows (objects) one answer may hold, summed over its root fields (default 20,000). */
export function maxResponseRowsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return countFromEnv(env, 'GQL_MAX_RESPONSE_ROWS', DEFAULT_MAX_RESPONSE_ROWS, 'how many rows (objects) one answer may hold');
}

/**
 * The objects in a result (arrays are walked, scalars and values such as Date or Buffer are not
 * objects of the answer), counted only until `stopAbove` is passed: the walk costs no more than
 * the bound.
 */
export function countRows(value: unknown, stopAbove: number): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0 && count <= stopAbove) {
    const item = pending.pop();
    if (Array.isArray(item)) {
      for (const element of item) pending.push(element);
    } else if (isPlainObject(item)) {
      count += 1;
      for (const key in item) pending.push(item[key]);
    }
  }
  return count;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The rows one request has been given so far, against its bound. */
export class ResponseRowBudget {
  #used = 0;

  constructor(readonly max: number) {}

  get used(): number {
    return this.#used;
  }

  /** Counts `rows` more; throws RESPONSE_TOO_LARGE once the request holds more than the bound. */
  charge(rows: number): void {
    this.#used += rows;
    if (this.#used > this.max) throw responseTooLarge(this.#used, this.max);
  }

  /** Counts the objects of a result; throws as `charge` does. */
  chargeResult(result: unknown): void {
    this.charge(countRows(result, this.max - this.#used));
  }
}

export function responseTooLarge(counted: number, max: number): GraphQLError {
  return new GraphQLError(
    `This answer would hold more than ${max} rows (${counted} counted before it was stopped, each entity, nested object and alias counted); at most ${max} may be returned in one answer. ` +
      'Ask for fewer: give each list a smaller `limit` and page with `offset` (on connections, `first` and `after`), nest fewer lists, or start the server with a larger GQL_MAX_RESPONSE_ROWS.',
    undefined, undefined, undefined, undefined, undefined,
    { code: 'RESPONSE_TOO_LARGE', maxResponseRows: max },
  );
}

// One budget per request: OpenReader makes a context object (`context.openreader`) for each
// request, and custom resolvers see the same one.
const budgets = new WeakMap<object, ResponseRowBudget>();
const configuredMax = new ConfiguredCount(() => maxResponseRowsFromEnv(), DEFAULT_MAX_RESPONSE_ROWS);

/** Sets the bound for this process (graphql-main.ts, from GQL_MAX_RESPONSE_ROWS). */
export function setMaxResponseRows(max: number): void {
  configuredMax.set(max);
}

/** The row budget of the request whose OpenReader context this is. */
export function rowBudgetOf(openreader: object): ResponseRowBudget {
  let budget = budgets.get(openreader);
  if (!budget) {
    budget = new ResponseRowBudget(configuredMax.get());
    budgets.set(openreader, budget);
  }
  return budget;
}

interface OpenreaderContextClass {
  prototype: { executeQuery(query: unknown): Promise<unknown> };
}

/** Makes OpenReader count every result it reads (both of its context classes) against the request's budget. */
export function countOpenreaderRows(classes: readonly (OpenreaderContextClass | undefined)[]): boolean {
  let patched = false;
  for (const Class of classes) {
    const executeQuery = Class?.prototype?.executeQuery;
    if (typeof executeQuery !== 'function') continue;
    Class!.prototype.executeQuery = async function (this: object, query: unknown) {
      const result = await executeQuery.call(this, query);
      rowBudgetOf(this).chargeResult(result);
      return result;
    };
    patched = true;
  }
  return patched;
}
