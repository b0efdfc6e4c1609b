// Builds the v3 list filter (`?query=<json>`) from the filters a screen shows; keys are the API's snake_case columns.

export type QueryExpression =
  | { $match: Record<string, string> }
  | { $gte: Record<string, string> }
  | { $lt: Record<string, string> }
  | { $and: QueryExpression[] };

/**
 * One `$match` per filled-in filter, AND-ed: `[['status','FAILED']]` → `{"$match":{"status":"FAILED"}}`.
 * Empty values are no filter at all, so an untouched form lists everything. Undefined when nothing is set.
 */
export function matchAll(
  filters: readonly (readonly [column: string, value: string | undefined])[],
): QueryExpression | undefined {
  const matches: QueryExpression[] = [];
  for (const [column, value] of filters) {
    const text = value?.trim();
    if (text) matches.push({ $match: { [column]: text } });
  }
  if (matches.length === 0) return undefined;
  if (matches.length === 1) return matches[0];
  return { $and: matches };
}

/** The filters a payments list offers, by their URL parameter, and the column each one matches. */
export const PAYMENT_FILTERS = {
  connector: 'connector_id',
  status: 'status',
  type: 'type',
  asset: 'asset',
  reference: 'reference',
} as const;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A calendar day (`YYYY-MM-DD`, as a date input gives it) as the instant it starts in the viewer's zone,
 * in UTC ISO form; `after` moves to the next day's start (an inclusive "to" day is a `$lt` of the next).
 * Undefined for anything else, so a half-typed date is no filter rather than a refused request.
 */
export function dayStart(day: string | null | undefined, after = false): string | undefined {
  const match = DAY.exec(day?.trim() ?? '');
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const local = new Date(year, month - 1, date);
  // new Date() rolls 2026-02-31 over to March: such a day is not a day.
  if (year < 1 || local.getMonth() !== month - 1 || local.getDate() !== date) return undefined;
  if (after) local.setDate(date + 1);
  return local.toISOString();
}

/**
 * The payments list's filter from its URL: the matches of PAYMENT_FILTERS, and `from`/`to` days on
 * `created_at` (both inclusive, in the viewer's zone).
 */
export function paymentQuery(params: URLSearchParams): QueryExpression | undefined {
  const parts: QueryExpression[] = [];
  const matches = filterFromParams(params, PAYMENT_FILTERS);
  if (matches) parts.push(...('$and' in matches ? matches.$and : [matches]));
  const from = dayStart(params.get('from'));
  const to = dayStart(params.get('to'), true);
  if (from) parts.push({ $gte: { created_at: from } });
  if (to) parts.push({ $lt: { created_at: to } });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { $and: parts };
}

/** Assets are upper-case codes with an optional precision (`usd/2` is meant as `USD/2`). */
export function normaliseAsset(text: string): string {
  return text.trim().toUpperCase();
}

/** A screen's URL parameters as a filter over the columns in `columns` (parameter → column). */
export function filterFromParams(
  params: URLSearchParams,
  columns: Readonly<Record<string, string>>,
): QueryExpression | undefined {
  return matchAll(
    Object.entries(columns).map(([param, column]) => {
      const value = params.get(param) ?? undefined;
      return [column, param === 'asset' && value ? normaliseAsset(value) : value] as const;
    }),
  );
}
