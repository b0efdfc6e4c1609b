// Filter building for the v3 list query: one $match per filled-in filter, AND-ed, snake_case columns.
import { describe, expect, it } from 'vitest';
import { dayStart, filterFromParams, matchAll, PAYMENT_FILTERS, paymentQuery } from './filters.js';

describe('list filters', () => {
  it('is no filter when nothing is filled in', () => {
    expect(
      matchAll([
        ['status', ''],
        ['type', undefined],
        ['asset', '  '],
      ]),
    ).toBeUndefined();
  });

  it('is a single $match for one filter and an $and for several', () => {
    expect(matchAll([['status', 'FAILED']])).toEqual({ $match: { status: 'FAILED' } });
    expect(
      matchAll([
        ['connector_id', 'c1'],
        ['status', 'SUCCEEDED'],
      ]),
    ).toEqual({ $and: [{ $match: { connector_id: 'c1' } }, { $match: { status: 'SUCCEEDED' } }] });
  });

  it('reads the payments filters from URL parameters, upper-casing the asset', () => {
    const params = new URLSearchParams('connector=c1&status=PENDING&type=&asset=usd/2&cursor=zzz');
    expect(filterFromParams(params, PAYMENT_FILTERS)).toEqual({
      $and: [
        { $match: { connector_id: 'c1' } },
        { $match: { status: 'PENDING' } },
        { $match: { asset: 'USD/2' } },
      ],
    });
  });

  it("turns from/to days into an inclusive created_at range in the viewer's zone", () => {
    const from = dayStart('2026-03-01');
    const to = dayStart('2026-03-31', true);
    expect(from).toBe(new Date(2026, 2, 1).toISOString());
    expect(to).toBe(new Date(2026, 3, 1).toISOString());
    expect(dayStart('2026-02-31')).toBeUndefined();
    expect(dayStart('2026-3-1')).toBeUndefined();
    expect(dayStart('')).toBeUndefined();
    const query = paymentQuery(
      new URLSearchParams({ reference: ' inv-1 ', from: '2026-03-01', to: '2026-03-31' }),
    );
    expect(query).toEqual({
      $and: [{ $match: { reference: 'inv-1' } }, { $gte: { created_at: from } }, { $lt: { created_at: to } }],
    });
    expect(paymentQuery(new URLSearchParams({ to: 'not a day' }))).toBeUndefined();
    expect(paymentQuery(new URLSearchParams({ status: 'FAILED' }))).toEqual({ $match: { status: 'FAILED' } });
  });
});
