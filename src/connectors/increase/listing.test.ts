// The newest-first walk: the watermark moves only when a pass is complete, so a crash, a record arriving mid-pass or ties at a page boundary lose nothing.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import type { PspPayment, TaskNode } from '../sdk/contract.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { roundTrip, runNode } from '../sdk/testing/walk.js';
import { IncreaseConnector } from './connector.js';
import { configFor, newWorld, serveIncrease, type IncreaseWorld, type Obj } from './fake.js';
import { readListState } from './listing.js';

const node: TaskNode = { type: 'FETCH_PAYMENTS', name: 'fetch_transactions', periodic: true, children: [] };

let psp: FakePsp;
let world: IncreaseWorld;

/** A connector as a fresh process builds it: nothing carried over but the saved state. */
const connector = () =>
  new IncreaseConnector(
    { apiKey: configFor(psp).apiKey ?? '', endpoint: psp.url },
    standaloneContext({ connectorId: 'listing-test', logger: pino({ level: 'silent' }), fetch: psp.fetch }),
  );

const interest = (id: string, createdAt: string): Obj => ({
  id,
  account_id: 'account_in71c4amph0vgo2qllky',
  amount: 1,
  created_at: createdAt,
  currency: 'USD',
  description: 'Interest',
  route_id: null,
  route_type: null,
  source: { category: 'interest_payment', interest_payment: { amount: 1, currency: 'USD' } },
  type: 'transaction',
});

const references = (items: unknown[]) => (items as PspPayment[]).map((p) => p.reference);

beforeEach(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  world.transactions = [];
  serveIncrease(psp, world);
});
afterEach(() => psp.stop());

describe('the Increase newest-first walk', () => {
  it('keeps the watermark where it was until a pass reaches it, so a crash after any page resumes without losing older records', async () => {
    world.transactions.push(
      ...[1, 2, 3].map((n) => interest(`transaction_old${n}`, `2026-11-0${n}T00:00:00Z`)),
    );
    const first = await runNode(connector(), node, { pageSize: 2 });
    const mark = readListState(first.state).mark;
    expect(mark).toEqual({ second: '2026-11-03T00:00:00Z', ids: ['transaction_old3'] });

    const fresh = [4, 5, 6, 7, 8].map((n) => interest(`transaction_new${n}`, `2026-11-1${n}T00:00:00Z`));
    world.transactions.push(...fresh);
    const second = await runNode(connector(), node, { pageSize: 2, state: first.state });
    expect(second.pages).toBeGreaterThan(2);
    // Every state saved mid-pass still holds the old watermark; only the last one moves it.
    for (const state of second.states.slice(0, -1)) expect(readListState(state).mark).toEqual(mark);
    expect(readListState(second.state).mark?.second).toBe('2026-11-18T00:00:00Z');

    // A crash after each page: a new process resumes from the saved state and finds the rest.
    let before = 0;
    for (const [index, state] of second.states.slice(0, -1).entries()) {
      before += second.pageItems[index] ?? 0;
      const resumed = await runNode(connector(), node, { pageSize: 2, state });
      expect(references(resumed.items)).toEqual(references(second.items).slice(before));
    }
    expect(references(second.items).sort()).toEqual(fresh.map((t) => t.id).sort());
  });

  it('emits every record once when a new one arrives between two pages of a pass, and the new one in the next pass', async () => {
    world.transactions.push(
      ...[1, 2, 3, 4, 5].map((n) => interest(`transaction_r${n}`, `2026-11-0${n}T00:00:00Z`)),
    );
    const firstPage = await runNode(connector(), node, { pageSize: 2, maxPages: 1 });
    // The fake's cursor is positional: the newcomer pushes the first page's last record onto the second.
    world.transactions.push(interest('transaction_late', '2026-11-09T00:00:00Z'));
    const rest = await runNode(connector(), node, { pageSize: 2, state: firstPage.state });
    const pass = [...references(firstPage.items), ...references(rest.items)];
    expect(pass.sort()).toEqual([1, 2, 3, 4, 5].map((n) => `transaction_r${n}`).sort());
    const next = await runNode(connector(), node, { pageSize: 2, state: rest.state });
    expect(references(next.items)).toEqual(['transaction_late']);
  });

  it('keeps records sharing a second across a page boundary and between passes', async () => {
    world.transactions.push(
      ...['a', 'b', 'c'].map((s) => interest(`transaction_tie_${s}`, '2026-11-01T00:00:00.250Z')),
      interest('transaction_before', '2026-10-31T23:59:59Z'),
    );
    const first = await runNode(connector(), node, { pageSize: 2 });
    expect(references(first.items).sort()).toEqual(
      ['transaction_before', 'transaction_tie_a', 'transaction_tie_b', 'transaction_tie_c'].sort(),
    );
    // Another record of the same second becomes visible after the pass.
    world.transactions.push(interest('transaction_tie_0', '2026-11-01T00:00:00.900Z'));
    const second = await runNode(connector(), node, { pageSize: 2, state: first.state });
    expect(references(second.items)).toEqual(['transaction_tie_0']);
    const third = await runNode(connector(), node, { pageSize: 2, state: second.state });
    expect(third.items).toEqual([]);
  });

  it('drops what it read before when Increase ignores the created_at filter', async () => {
    world.transactions.push(
      ...[1, 2, 3].map((n) => interest(`transaction_f${n}`, `2026-11-0${n}T00:00:00Z`)),
    );
    const first = await runNode(connector(), node, { pageSize: 2 });
    psp.route('GET', '/transactions', (request) => {
      const all = [...world.transactions].sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
      return { json: { data: all.slice(0, Number(request.query.get('limit'))), next_cursor: null } };
    });
    world.transactions.push(interest('transaction_f4', '2026-11-04T00:00:00Z'));
    const second = await runNode(connector(), node, { pageSize: 10, state: first.state });
    expect(references(second.items)).toEqual(['transaction_f4']);
  });

  it('sends the watermark as an inclusive whole-second bound through the SDK’s query encoding', async () => {
    world.transactions.push(interest('transaction_q1', '2026-11-01T00:00:00.750Z'));
    const first = await runNode(connector(), node, { pageSize: 5 });
    psp.clearRecords();
    await runNode(connector(), node, { pageSize: 5, state: roundTrip(first.state) });
    const [request] = psp.requestsTo('GET', '/transactions');
    expect(request?.query.get('created_at.on_or_after')).toBe('2026-11-01T00:00:00Z');
    expect(request?.query.get('limit')).toBe('5');
  });
});
