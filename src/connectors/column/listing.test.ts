// Polling Column's newest-first transfer list: late-visible records, a failed page resumed, and transfers in flight followed to their outcome.
import { describe, expect, it } from 'vitest';
import type { FetchNextRequest, PspPayment } from '../sdk/contract.js';
import { UpstreamError } from '../sdk/errors.js';
import { LOOKBACK_MS } from './listing.js';
import { startHarness } from './test-harness.js';

type Fetch = (
  request: FetchNextRequest,
) => Promise<{ items: PspPayment[]; newState: unknown; hasMore: boolean }>;

/** One pass of a task: pages until hasMore is false, from the given state. */
async function pass(fetch: Fetch, state: unknown, pageSize = 2) {
  const items: PspPayment[] = [];
  for (let page = 0; page < 100; page++) {
    const answer = await fetch({ state, pageSize, name: 'fetch_transfers', periodic: true });
    items.push(...answer.items);
    state = JSON.parse(JSON.stringify(answer.newState));
    if (!answer.hasMore) return { items, state };
  }
  throw new Error('the pass never ended');
}

const realtime = (id: string, createdAt: string) => ({
  rail: 'realtime' as const,
  object: {
    id,
    amount: 1,
    bank_account_id: 'bacc_2qQk0001OperatingUSD',
    counterparty_id: 'cpty_2qQm0002Payroll',
    created_at: createdAt,
    updated_at: createdAt,
    currency_code: 'USD',
    is_incoming: false,
    status: 'COMPLETED',
  },
});

describe('polling transfers', () => {
  it('finds a transfer that became visible late, dated inside the look-back window, once', async () => {
    const h = await startHarness();
    try {
      const fetch: Fetch = (r) => h.connector.fetchNextPayments(r);
      const first = await pass(fetch, undefined);
      expect(first.items).toHaveLength(h.world.transfers.length);
      // Created a minute before the newest transfer already read, but listed only now.
      const newest = Math.max(...h.world.transfers.map((t) => Date.parse(String(t.object.created_at))));
      const late = new Date(newest - 60_000).toISOString().replace('.000Z', 'Z');
      expect(newest - Date.parse(late)).toBeLessThan(LOOKBACK_MS);
      h.world.transfers.push(realtime('rttr_late', late));
      const second = await pass(fetch, first.state);
      expect(second.items.map((p) => p.reference)).toEqual(['rttr_late']);
      const third = await pass(fetch, second.state);
      expect(third.items).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('resumes a pass after a failed page without losing or repeating a transfer', async () => {
    const h = await startHarness();
    try {
      const fetch: Fetch = (r) => h.connector.fetchNextPayments(r);
      const items: PspPayment[] = [];
      const page = (s: unknown) => fetch({ state: s, pageSize: 3, name: 'fetch_transfers', periodic: true });
      const one = await page(undefined);
      items.push(...one.items);
      const state = one.newState;
      h.psp.fail({ kind: 'status', status: 503 }, { path: '/transfers', times: 3 });
      await expect(page(state)).rejects.toBeInstanceOf(UpstreamError);
      const rest = await pass(fetch, state, 3);
      items.push(...rest.items);
      const references = items.map((p) => p.reference);
      expect(new Set(references).size).toBe(references.length);
      expect(references.sort()).toEqual(h.world.transfers.map((t) => String(t.object.id)).sort());
    } finally {
      await h.close();
    }
  });

  it('follows a transfer in flight until its outcome, then stops reading it', async () => {
    const h = await startHarness();
    try {
      const fetch: Fetch = (r) => h.connector.fetchNextPayments(r);
      const first = await pass(fetch, undefined);
      const swift = h.world.transfers.find((t) => t.object.id === 'swft_2qQq0001');
      if (!swift) throw new Error('fixture swft_2qQq0001 is missing');
      swift.object.status = 'COMPLETED';
      const second = await pass(fetch, first.state);
      expect(second.items.map((p) => [p.reference, p.status])).toEqual([['swft_2qQq0001', 'SUCCEEDED']]);
      h.psp.clearRecords();
      await pass(fetch, second.state);
      expect(h.psp.requestsTo('GET', '/transfers/international-wire/:id')).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
