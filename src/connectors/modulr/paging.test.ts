// Transactions windows: late-visible transactions, arrivals during a pass, shared postedDates and a crash mid-pass lose nothing and repeat nothing.
import { describe, expect, it } from 'vitest';
import type { FetchNextResponse, PspPayment } from '../sdk/contract.js';
import { type Json, modulrStamp } from './fake.js';
import { OVERLAP_MS } from './listing.js';
import { type Harness, startHarness } from './test-harness.js';

const ACCOUNT = { id: 'A1000001', payload: {} };

async function page(h: Harness, state: unknown, pageSize: number): Promise<FetchNextResponse<PspPayment>> {
  return h.connector.fetchNextPayments({ state, pageSize, name: 'fetch_transactions', fromPayload: ACCOUNT });
}

/** One whole pass over A1000001's transactions: the references given and the state after it. */
async function pass(h: Harness, state: unknown, pageSize = 2): Promise<{ refs: string[]; state: unknown }> {
  const refs: string[] = [];
  let current = state;
  for (let pages = 0; pages < 100; pages++) {
    const answer = await page(h, current, pageSize);
    refs.push(...answer.items.map((p) => p.reference));
    current = JSON.parse(JSON.stringify(answer.newState));
    if (!answer.hasMore) return { refs, state: current };
  }
  throw new Error('the pass never ended');
}

const payIn = (id: string, posted: Date, sourceId: string): Json => ({
  id,
  amount: 7,
  currency: 'GBP',
  description: 'Pay-in',
  transactionDate: modulrStamp(posted),
  postedDate: modulrStamp(posted),
  credit: true,
  type: 'PI_FAST',
  sourceId,
});

const FIRST_PASS = ['P9000001', 'P9000002', 'T1000005', 'P9000004', 'T1000007'];

describe('transactions of an account', () => {
  it('gives records sharing a postedDate across a page boundary, each once', async () => {
    const h = await startHarness();
    try {
      const { refs } = await pass(h, undefined, 1);
      expect([...refs].sort()).toEqual([...FIRST_PASS].sort());
    } finally {
      await h.close();
    }
  });

  it('moves the window only after its last page, to OVERLAP_MS before its frozen end', async () => {
    const h = await startHarness();
    try {
      const first = await page(h, undefined, 2);
      expect(first.hasMore).toBe(true);
      const running = first.newState as { from?: string; to: string };
      expect(running.from).toBeUndefined();
      const { state } = await pass(h, running, 2);
      const done = state as { from: string; to?: string };
      expect(done.to).toBeUndefined();
      expect(Date.parse(done.from)).toBe(Date.parse(running.to) - OVERLAP_MS);
      // Every page of the pass asked for the same window end.
      const ends = new Set(
        h.psp.requests
          .filter((r) => r.path.endsWith('/transactions'))
          .map((r) => r.query.get('toPostedDate')),
      );
      expect(ends.size).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('a transaction Modulr shows late, posted inside the last window, comes in the next pass, once', async () => {
    const h = await startHarness();
    try {
      const first = await pass(h, undefined);
      // Posted two minutes before the first pass ended, but visible only now: an exclusive watermark
      // at the window's end would never see it.
      h.world.transactions.A1000001?.push(payIn('T1000050', new Date(Date.now() - 120_000), 'P9000050'));
      const second = await pass(h, first.state);
      expect(second.refs).toEqual(['P9000050']);
      const third = await pass(h, second.state);
      expect(third.refs).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('a transaction posted during a pass shifts nothing, and comes in the next pass', async () => {
    // The connector's clock, moved on between the passes instead of waiting.
    const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };
    const h = await startHarness({ clock });
    try {
      let listed = 0;
      h.world.beforeTransactionsPage = () => {
        listed += 1;
        if (listed === 2)
          h.world.transactions.A1000001?.push(payIn('T1000051', new Date(Date.now() + 1500), 'P9000051'));
      };
      const first = await pass(h, undefined, 1);
      expect([...first.refs].sort()).toEqual([...FIRST_PASS].sort());
      h.world.beforeTransactionsPage = undefined;
      clock.offset = 5_000;
      const second = await pass(h, first.state, 1);
      expect(second.refs).toEqual(['P9000051']);
    } finally {
      await h.close();
    }
  });

  it('a pass that stops half-way (a crash) resumes from its saved state in another process, losing and repeating nothing', async () => {
    const h = await startHarness();
    try {
      const given: string[] = [];
      let state: unknown;
      for (let i = 0; i < 2; i++) {
        const answer = await page(h, state, 2);
        given.push(...answer.items.map((p) => p.reference));
        state = JSON.parse(JSON.stringify(answer.newState));
      }
      // The third page fails at Modulr (the pass stops); the saved state is all that survives.
      h.psp.fail({ kind: 'status', status: 500 }, { path: '/accounts/:id/transactions', times: 2 });
      await expect(page(h, state, 2)).rejects.toThrow();
      const restarted = h.another();
      let hasMore = true;
      while (hasMore) {
        const answer = await restarted.fetchNextPayments({
          state,
          pageSize: 2,
          name: 'fetch_transactions',
          fromPayload: ACCOUNT,
        });
        given.push(...answer.items.map((p) => p.reference));
        state = JSON.parse(JSON.stringify(answer.newState));
        hasMore = answer.hasMore;
      }
      expect([...given].sort()).toEqual([...FIRST_PASS].sort());
    } finally {
      await h.close();
    }
  });
});

describe('payments list', () => {
  it('a payment that changes during a pass is given again once, with its new status', async () => {
    const h = await startHarness();
    try {
      const run = async (start: unknown) => {
        const out: PspPayment[] = [];
        let state = start;
        for (;;) {
          const answer = await h.connector.fetchNextPayments({ state, pageSize: 2, name: 'fetch_payments' });
          out.push(...answer.items);
          state = JSON.parse(JSON.stringify(answer.newState));
          if (!answer.hasMore) return { out, state };
          if (out.length === 2) {
            // P1000001 (already given) is returned by the beneficiary's bank meanwhile.
            const p = h.world.payments.find((x) => x.id === 'P1000001');
            if (p) {
              p.status = 'RETURNED';
              p.modified = modulrStamp(new Date());
            }
          }
        }
      };
      const first = await run(undefined);
      expect(first.out.map((p) => p.reference)).toEqual([
        'P1000001',
        'P1000002',
        'P1000003',
        'P1000004',
        'P1000005',
        'P1000006',
      ]);
      const second = await run(first.state);
      expect(second.out.map((p) => [p.reference, p.status])).toEqual([['P1000001', 'FAILED']]);
      const third = await run(second.state);
      expect(third.out).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
