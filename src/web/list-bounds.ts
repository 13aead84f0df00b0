// How much of a list the page shows. Anyone can add members to their space, push thousands of
// tags, or make an account a member of thousands of spaces (one space per account, but accounts
// are free), and the index answers with whatever the chain holds. Rendered whole, such a list
// freezes the page, and asked for whole it passes the index's row bound and the query is refused,
// taking the rest of the page with it. So each list is asked for with a limit (one more than is
// shown, to know there are more), cut to it again whatever the index sends, and ends with a note
// saying how many are not shown.
import { h } from './dom';
import { LIST_BOUNDS } from './list-limits';

export { LIST_BOUNDS };

export interface Bounded<T> {
  readonly shown: T[];
  /** How many were not shown: from `total` when the index counted them, else at least one, or 0. */
  readonly hidden: number;
  /** Whether `hidden` is a lower bound (the index gave no count). */
  readonly atLeast: boolean;
}

/** The first `limit` of `items`; `total` is the index's count of them, when it has one. */
export function bounded<T>(items: readonly T[] | null | undefined, limit: number, total?: number | null): Bounded<T> {
  const list = Array.isArray(items) ? items : [];
  const shown = list.slice(0, limit);
  const counted = typeof total === 'number' && Number.isSafeInteger(total) && total >= list.length ? total - shown.length : undefined;
  if (counted !== undefined) return { shown, hidden: counted, atLeast: false };
  return { shown, hidden: list.length - shown.length, atLeast: list.length > shown.length };
}

/** "… and 1,234 more members, not shown." after a cut list; null when nothing was cut. */
export function moreNote(list: Bounded<unknown>, noun: string): HTMLElement | null {
  if (list.hidden <= 0) return null;
  const count = list.atLeast ? 'more' : `${list.hidden.toLocaleString('en')} more`;
  return h('p', { class: 'hint', 'data-notice': 'more' }, `… and ${count} ${noun}, not shown: the page lists the first ${list.shown.length}.`);
}
