// Transfer paging against Wise's newest-first offset listing: arrivals during a pass, shared timestamps, late visibility.
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchNextResponse, PspPayment } from '../sdk/contract.js';
import { roundTrip } from '../sdk/testing/walk.js';
import type { Json } from './fake.js';
import { startHarness, type Harness } from './test-harness.js';

const PROFILE = { id: '30000001', payload: { id: 30000001, type: 'PERSONAL' } };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function transfer(id: number, created: string, status = 'processing'): Json {
  return {
    id,
    user: 41000001,
    targetAccount: 40000001,
    status,
    rate: 1,
    created,
    business: null,
    details: { reference: `t${id}` },
    sourceCurrency: 'EUR',
    sourceValue: 1,
    targetCurrency: 'EUR',
    targetValue: 1,
    profile: 30000001,
  };
}

/** One pass: pages until hasMore is false, each state through JSON as the engine stores it. */
async function pass(harness: Harness, state: unknown, pageSize: number) {
  const items: string[] = [];
  const warnings: string[] = [];
  let current = state;
  let pages = 0;
  for (;;) {
    const page: FetchNextResponse<PspPayment> = await harness.connector.fetchNextPayments({
      fromPayload: PROFILE,
      state: current,
      pageSize,
      name: 'fetch_transfers',
    });
    pages += 1;
    items.push(...page.items.map((p) => `${p.reference}:${String((p.raw as { status: string }).status)}`));
    warnings.push(...(page.warnings ?? []));
    current = roundTrip(page.newState);
    if (!page.hasMore) return { items, state: current, pages, warnings };
  }
}

describe('transfer paging', () => {
  it('loses nothing and repeats nothing when a transfer is created between two pages of a pass', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = Array.from({ length: 6 }, (_, i) =>
      transfer(1000 + i, `2026-12-01T11:0${i}:00.000Z`),
    );
    let requests = 0;
    harness.world.beforeTransfersPage = () => {
      requests += 1;
      // After the first page (the two newest) a new transfer appears at the head of Wise's list.
      if (requests === 2) harness.world.transfers.push(transfer(2000, '2026-12-01T12:00:01.000Z'));
    };
    const first = await pass(harness, undefined, 2);
    expect(first.items.sort()).toEqual(
      ['1000', '1001', '1002', '1003', '1004', '1005'].map((id) => `${id}:processing`),
    );
    // Every request of that pass asked for the window fixed when it began.
    const ends = harness.psp.requestsTo('GET', '/v1/transfers').map((r) => r.query.get('createdDateEnd'));
    expect(new Set(ends)).toEqual(new Set([now.toISOString()]));
    harness.world.beforeTransfersPage = undefined;
    now.setTime(Date.parse('2026-12-01T12:05:00.000Z'));
    const second = await pass(harness, first.state, 2);
    expect(second.items).toEqual(['2000:processing']);
    const third = await pass(harness, second.state, 2);
    expect(third.items).toEqual([]);
  });

  it('finds a transfer Wise shows late, inside the window a pass already walked, and one sharing a timestamp', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = [
      transfer(1, '2026-12-01T11:58:00.000Z'),
      transfer(2, '2026-12-01T11:59:00.000Z'),
      transfer(3, '2026-12-01T11:59:00.000Z'),
    ];
    let requests = 0;
    harness.world.beforeTransfersPage = () => {
      requests += 1;
      // Created before the pass began but listed only now: it lands at the head and shifts the offsets.
      if (requests === 2) harness.world.transfers.push(transfer(4, '2026-12-01T11:59:30.000Z'));
    };
    const first = await pass(harness, undefined, 1);
    // The shift repeats transfer 3 on the next page: it comes out once.
    expect(first.items.sort()).toEqual(['1:processing', '2:processing', '3:processing']);
    harness.world.beforeTransfersPage = undefined;
    now.setTime(Date.parse('2026-12-01T12:01:00.000Z'));
    const second = await pass(harness, first.state, 1);
    expect(second.items).toEqual(['4:processing']);
  });

  it('gives a changed state of a recent transfer again, and warns about a state it does not know', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = [
      transfer(1, '2026-12-01T11:58:00.000Z'),
      transfer(2, '2026-12-01T11:59:00.000Z'),
    ];
    const first = await pass(harness, undefined, 100);
    const target = harness.world.transfers.find((t) => t.id === 1);
    if (!target) throw new Error('transfer 1 is missing');
    target.status = 'on_hold_for_review';
    const second = await pass(harness, first.state, 100);
    expect(second.items).toEqual(['1:on_hold_for_review']);
    expect(second.warnings).toEqual(["unknown Wise transfer state 'on_hold_for_review' mapped to OTHER"]);
  });

  it('asks Wise for offsets that are multiples of the page size, even when the page size changes mid-pass', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = Array.from({ length: 5 }, (_, i) =>
      transfer(10 + i, `2026-12-01T11:0${i}:00.000Z`),
    );
    const page = await harness.connector.fetchNextPayments({
      fromPayload: PROFILE,
      state: undefined,
      pageSize: 2,
      name: 'fetch_transfers',
    });
    const rest = await pass(harness, roundTrip(page.newState), 3);
    expect([...page.items.map((p) => p.reference), ...rest.items.map((i) => i.split(':')[0])].sort()).toEqual(
      ['10', '11', '12', '13', '14'],
    );
    for (const request of harness.psp.requestsTo('GET', '/v1/transfers')) {
      expect(Number(request.query.get('offset')) % Number(request.query.get('limit'))).toBe(0);
    }
  });

  it('re-reads open transfers older than its window, so a lost webhook cannot leave a payment pending', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = [
      transfer(1, '2026-11-20T10:00:00.000Z', 'processing'),
      transfer(2, '2026-11-21T10:00:00.000Z', 'outgoing_payment_sent'),
      transfer(3, '2026-11-22T10:00:00.000Z', 'funds_converted'),
      transfer(4, '2026-12-01T11:59:00.000Z', 'processing'),
    ];
    const first = await pass(harness, undefined, 100);
    expect(first.items).toHaveLength(4);
    const one = harness.world.transfers.find((t) => t.id === 1);
    if (!one) throw new Error('transfer 1 is missing');
    one.status = 'outgoing_payment_sent';
    harness.world.transfers = harness.world.transfers.filter((t) => t.id !== 3);
    harness.psp.clearRecords();
    now.setTime(Date.parse('2026-12-01T13:00:00.000Z'));
    const second = await pass(harness, first.state, 100);
    expect(second.items).toEqual(['1:outgoing_payment_sent']);
    // Only the open ones outside the window are read one by one; the final one is not.
    expect(
      harness.psp
        .requestsTo('GET', '/v1/transfers/:id')
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1/transfers/1', '/v1/transfers/3']);
    harness.psp.clearRecords();
    const third = await pass(harness, second.state, 100);
    expect(third.items).toEqual([]);
    // Transfer 1 is final now, and 3 is gone at Wise: nothing is left to follow.
    expect(harness.psp.requestsTo('GET', '/v1/transfers/:id')).toEqual([]);
  });

  it('keeps only what it needs in its state, and still catches a repeat pushed down from the page before', async () => {
    const now = new Date('2026-12-01T12:00:00.000Z');
    h = await startHarness({ clock: { now: () => now } });
    const harness = h;
    harness.world.transfers = [8, 9, 10, 11].map((hour) =>
      transfer(hour, `2026-12-01T${String(hour).padStart(2, '0')}:00:00.000Z`, 'outgoing_payment_sent'),
    );
    let requests = 0;
    harness.world.beforeTransfersPage = () => {
      requests += 1;
      if (requests === 2) harness.world.transfers.push(transfer(99, '2026-12-01T11:30:00.000Z'));
    };
    const first = await pass(harness, undefined, 2);
    // Transfer 10 came back on the second page, hours older than the overlap: still given once.
    expect(first.items.sort()).toEqual(['10', '11', '8', '9'].map((id) => `${id}:outgoing_payment_sent`));
    expect(Object.keys((first.state as { seen: Record<string, unknown> }).seen)).toEqual(['11']);
    harness.world.beforeTransfersPage = undefined;
    const second = await pass(harness, first.state, 2);
    expect(second.items).toEqual(['99:processing']);
  });
});
