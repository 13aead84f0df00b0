// Custom queries count their answers against the request's row budget, like OpenReader's own
// (src/indexer/graphql-response-rows.ts): `artifacts(limit: 1000) { versions(limit: 1000) }` could
// otherwise return a million versions in one answer.
import { rowBudgetOf } from '../indexer/graphql-response-rows';

/** The GraphQL context OpenReader gives every resolver: one `openreader` object per request. */
export interface RequestContext {
  openreader?: object;
}

/** Counts the objects of `result` against the request's budget and returns it; throws RESPONSE_TOO_LARGE past the bound. */
export function withinRowBudget<T>(context: RequestContext | undefined, result: T): T {
  if (context?.openreader) rowBudgetOf(context.openreader).chargeResult(result);
  return result;
}

/** Counts `rows` rows whose objects are not plain (class instances) against the budget. */
export function chargeRows(context: RequestContext | undefined, rows: number): void {
  if (context?.openreader) rowBudgetOf(context.openreader).charge(rows);
}
