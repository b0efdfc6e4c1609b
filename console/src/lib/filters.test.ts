// Filter building for the v3 list query: one $match per filled-in filter, AND-ed, snake_case columns.
import { describe, expect, it } from 'vitest';
import { filterFromParams, matchAll, PAYMENT_FILTERS } from './filters.js';

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
});
