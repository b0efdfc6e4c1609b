// Transactions polling over CC's date-only filter: nothing lost when records share a timestamp, change or appear mid-pass, or show up late; little re-read.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../sdk/context.js';
import type { FetchNextResponse, PspPayment } from '../sdk/contract.js';
import { ccTime, HOUSE_ACCOUNT, type Json } from './fake.js';
import { OVERLAP_MS, type TransactionsState } from './listing.js';
import { startHarness, type Harness } from './test-harness.js';

function manualClock(start: Date): Clock & { set(date: Date): void } {
  let now = start.getTime();
  return { now: () => new Date(now), set: (date) => void (now = date.getTime()) };
}

function transaction(n: number, created: string, updated = created, status = 'completed'): Json {
  return {
    id: `e1d2c3b4-9000-4000-8000-${String(n).padStart(12, '0')}`,
    balance_id: 'b1a2c3d4-0000-4000-8000-000000000001',
    account_id: HOUSE_ACCOUNT,
    currency: 'EUR',
    amount: `${n}.00`,
    balance_amount: '',
    type: 'credit',
    action: 'funding',
    related_entity_type: 'inbound_funds',
    related_entity_id: `f1e2d3c4-9000-4000-8000-${String(n).padStart(12, '0')}`,
    related_entity_short_reference: `IF-${n}`,
    status,
    reason: '',
    settles_at: updated,
    created_at: created,
    updated_at: updated,
  };
}

/** One whole pass of fetch_transactions from `state`: the payments and the state it ends with. */
async function pass(h: Harness, state: unknown, pageSize: number) {
  const items: PspPayment[] = [];
  let current = state;
  for (let page = 0; page < 100; page++) {
    const answer: FetchNextResponse<PspPayment> = await h.connector.fetchNextPayments({
      state: JSON.parse(JSON.stringify(current ?? null)) ?? undefined,
      pageSize,
      name: 'fetch_transactions',
    });
    items.push(...answer.items);
    current = answer.newState;
    if (!answer.hasMore) return { items, state: current as TransactionsState };
  }
  throw new Error('the pass never ended');
}

const ids = (items: PspPayment[]) => items.map((p) => p.reference.slice(-3));
const T = (iso: string) => ccTime(new Date(iso));

describe('transactions paging', () => {
  it('a record updated mid-pass loses nobody at the page boundary, and its update comes next pass', async () => {
    const clock = manualClock(new Date('2026-03-02T12:00:00Z'));
    const h = await startHarness({ clock });
    h.world.transactions = [1, 2, 3, 4].map((n) => transaction(n, T(`2026-03-01T0${n}:00:00Z`)));
    try {
      // After the first page ([1, 2]), 1 is updated: by updated_at it would jump to the end and push 3
      // onto the first page; by created_at nothing moves.
      let pages = 0;
      h.world.beforeTransactionsPage = () => {
        pages += 1;
        if (pages !== 2) return;
        const first = h.world.transactions[0] as Json;
        first.status = 'pending';
        first.updated_at = T('2026-03-02T12:00:30Z');
      };
      const first = await pass(h, undefined, 2);
      expect(ids(first.items)).toEqual(['001', '002', '003', '004']);
      h.world.beforeTransactionsPage = undefined;
      clock.set(new Date('2026-03-02T12:30:00Z'));
      const second = await pass(h, first.state, 2);
      expect(ids(second.items)).toEqual(['001']);
      expect(second.items[0]?.status).toBe('PENDING');
      const third = await pass(h, second.state, 2);
      expect(third.items).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('records sharing one timestamp across a page boundary and records made visible late come out once each', async () => {
    const clock = manualClock(new Date('2026-03-02T12:00:00Z'));
    const h = await startHarness({ clock });
    const same = T('2026-03-02T11:59:00Z');
    h.world.transactions = [1, 2, 3].map((n) => transaction(n, same));
    try {
      const first = await pass(h, undefined, 2);
      expect(ids(first.items)).toEqual(['001', '002', '003']);
      // Made visible after the pass with the same second as the others (Formance's strict watermark
      // skipped this one for good), and one stamped just before the pass began.
      h.world.transactions.push(transaction(4, same), transaction(5, T('2026-03-02T11:58:00Z')));
      clock.set(new Date('2026-03-02T12:05:00Z'));
      const second = await pass(h, first.state, 2);
      expect(ids(second.items).sort()).toEqual(['004', '005']);
      clock.set(new Date('2026-03-02T12:35:00Z'));
      expect((await pass(h, second.state, 2)).items).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('asks CC for the day of the bound, keeps only what is at or after the bound, and remembers little', async () => {
    const clock = manualClock(new Date('2026-03-02T12:00:00Z'));
    const h = await startHarness({ clock });
    h.world.transactions = [
      transaction(1, T('2026-03-02T01:00:00Z')),
      transaction(2, T('2026-03-02T11:55:00Z')),
    ];
    try {
      const first = await pass(h, undefined, 25);
      expect(first.state.from).toBe(new Date(Date.parse('2026-03-02T12:00:00Z') - OVERLAP_MS).toISOString());
      // Only the transaction inside the overlap is remembered, not the whole history.
      expect(Object.keys(first.state.seen)).toEqual(['e1d2c3b4-9000-4000-8000-000000000002']);
      h.psp.clearRecords();
      clock.set(new Date('2026-03-02T12:30:00Z'));
      const second = await pass(h, first.state, 25);
      expect(second.items).toEqual([]);
      const asked = h.psp
        .requestsTo('GET', '/v2/transactions/find')
        .map((r) => r.query.get('updated_at_from'));
      expect(asked).toEqual(['2026-03-02']);
      expect(h.psp.requestsTo('GET', '/v2/transactions/find')[0]?.query.get('scope')).toBe('all');
    } finally {
      await h.close();
    }
  });

  it('an unknown status becomes OTHER with a run warning; an amount that cannot be stored exactly is skipped with its reason', async () => {
    const h = await startHarness();
    h.world.transactions = [
      transaction(1, T('2026-03-01T01:00:00Z'), T('2026-03-01T01:00:00Z'), 'on_hold'),
      { ...transaction(2, T('2026-03-01T02:00:00Z')), amount: '1.005' },
      { ...transaction(3, T('2026-03-01T03:00:00Z')), currency: 'KWD', amount: '12.34' },
    ];
    try {
      const answer = await h.connector.fetchNextPayments({ state: undefined, pageSize: 25, name: 'x' });
      expect(answer.items.map((p) => [p.status, p.amount, p.asset])).toEqual([
        ['OTHER', 1_00n, 'EUR/2'],
        ['SUCCEEDED', 12_340n, 'KWD/3'],
      ]);
      expect(answer.warnings).toEqual(["unknown transaction status 'on_hold' mapped to OTHER"]);
      expect(answer.skipped).toEqual([
        {
          reference: 'e1d2c3b4-9000-4000-8000-000000000002',
          reason: "'1.005' has more decimals than its currency's 2: it cannot be stored exactly",
        },
      ]);
    } finally {
      await h.close();
    }
  });
});
