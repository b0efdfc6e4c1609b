// Builds the v3 list filter (`?query=<json>`) from the filters a screen shows; keys are the API's snake_case columns.

export type QueryExpression = { $match: Record<string, string> } | { $and: QueryExpression[] };

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
} as const;

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
