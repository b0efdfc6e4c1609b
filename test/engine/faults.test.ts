// How runs fail: a PSP faked at the HTTP boundary answers 429, 500, slowly, with malformed JSON or a poison record.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { FetchNextRequest, FetchNextResponse, PspPayment } from '../../src/connectors/sdk/contract.js';
import { pspRequest } from '../../src/connectors/sdk/http.js';
import { EndpointAllowList } from '../../src/connectors/sdk/outbound.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { uninstallConnector } from '../../src/engine/lifecycle/removal.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

// A minimal HTTP connector for these tests: GET /payments?offset=N returns {data: [...], hasMore}.
const pageSchema = z.object({
  data: z.array(
    z.object({ id: z.string(), amount: z.union([z.number(), z.bigint()]), currency: z.string() }),
  ),
  hasMore: z.boolean(),
  deleted: z.array(z.string()).optional(),
});
/** Every newState HttpPsp returned, and every state it was handed: to check what the engine passes back. */
const returnedStates = new WeakSet<object>();
const receivedStates: unknown[] = [];
class HttpPsp extends BaseConnector {
  constructor(private readonly baseUrl: string) {
    super();
  }
  async install() {
    return {
      workflow: [{ type: 'FETCH_PAYMENTS' as const, name: 'payments', periodic: true, children: [] }],
    };
  }
  override async fetchNextPayments(request: FetchNextRequest): Promise<FetchNextResponse<PspPayment>> {
    receivedStates.push(request.state);
    const offset = (request.state as { offset?: number } | undefined)?.offset ?? 0;
    const body = pageSchema.parse(
      await pspRequest(fetch, `${this.baseUrl}/payments?offset=${offset}`, { timeoutMs: 300 }),
    );
    return {
      // The connector itself leaves out records it cannot map (here: no currency) and reports them.
      skipped: body.data
        .filter((p) => p.currency === '')
        .map((p) => ({ reference: p.id, reason: 'no currency' })),
      items: body.data
        .filter((p) => p.currency !== '')
        .map((p) => ({
          reference: p.id,
          createdAt: new Date('2024-01-01T00:00:00Z'),
          type: 'PAY-IN',
          amount: BigInt(p.amount),
          asset: p.currency,
          scheme: 'OTHER',
          status: 'SUCCEEDED',
          raw: p,
        })),
      newState: (() => {
        const state = { offset: offset + body.data.length };
        returnedStates.add(state);
        return state;
      })(),
      hasMore: body.hasMore,
      paymentsToDelete: body.deleted,
    };
  }
}
registerConnector({
  provider: 'httppsp',
  capabilities: ['FETCH_PAYMENTS'],
  config: z.object({ baseUrl: z.string() }),
  pageSize: 10,
  create: (config) => new HttpPsp(config.baseUrl),
});

/** The fake PSP answers each request with the next scripted behaviour. */
type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
let script: Behaviour[] = [];
const page =
  (data: unknown[], hasMore = false): Behaviour =>
  (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ data, hasMore }));
  };

let server: Server;
let baseUrl: string;
let engine: TestEngine;
let deps: EngineDeps;

beforeAll(async () => {
  server = createServer((req, res) => {
    const next = script.shift();
    if (next) next(req, res);
    else page([])(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Pauses after 3 failures in a row. The fake PSP listens on loopback, whose answers API callers do not
  // see unless the operator names the host in the allow list, as done here: these tests read the reasons.
  engine = await startTestEngine({ endpointsAllow: EndpointAllowList.parse('127.0.0.1') });
  deps = engine.deps;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await engine?.stop();
});
beforeEach(() => {
  script = [];
});

let installs = 0;
async function install(): Promise<string> {
  installs += 1;
  return installConnector(deps, 'httppsp', { name: `psp-${installs}`, baseUrl, pollingPeriod: '1h' });
}
const lastRun = async (id: string) =>
  await deps.db
    .selectFrom('schedule_instances')
    .select(['error', 'items', 'skipped'])
    .where('schedule_id', '=', `${id}-payments`)
    .orderBy('created_at', 'desc')
    .orderBy('sort_id', 'desc')
    .executeTakeFirstOrThrow();
const secondsUntilNextRun = async (id: string) =>
  (
    await sql<{ s: number }>`SELECT extract(epoch FROM next_run_at - now())::float AS s FROM schedules
      WHERE id = ${`${id}-payments`}`.execute(deps.db)
  ).rows[0]?.s ?? NaN;

describe('a failing PSP', () => {
  it('is retried after its Retry-After when it rate-limits', async () => {
    const id = await install();
    script = [(_req, res) => res.writeHead(429, { 'retry-after': '30' }).end()];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    expect((await lastRun(id)).error).toContain('rate limited');
    const wait = await secondsUntilNextRun(id);
    expect(wait).toBeGreaterThan(28);
    expect(wait).toBeLessThanOrEqual(30);
  });

  it('is retried with backoff, sooner than the period, after a 500, a timeout or malformed JSON', async () => {
    for (const [behaviour, message] of [
      [(_req: IncomingMessage, res: ServerResponse) => res.writeHead(500).end('oops'), 'answered 500'],
      [() => undefined, 'within 300 ms'], // never answers
      [(_req: IncomingMessage, res: ServerResponse) => res.end('{"data": ['), 'malformed JSON'],
    ] as const) {
      const id = await install();
      script = [behaviour];
      await runSchedule(deps, scheduleId(id, 'payments', ''));
      expect((await lastRun(id)).error).toContain(message);
      // First retry: within the backoff's first ceiling (full jitter, so possibly at once), not the
      // one-hour period.
      expect(await secondsUntilNextRun(id)).toBeLessThan(5);
    }
  });

  it('skips a poison record and stores the rest of its page', async () => {
    const id = await install();
    // Written by hand: the third amount exceeds 2^53 and must reach the connector exactly.
    script = [
      (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(
          '{"data":[{"id":"good-1","amount":100,"currency":"EUR/2"},{"id":"poison","amount":5,"currency":"not a currency"},' +
            '{"id":"good-2","amount":18446744073709551615,"currency":"USD/2"}],"hasMore":false}',
        );
      },
    ];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    expect(await lastRun(id)).toEqual({ error: null, items: 2, skipped: 1 });
    const stored = await deps.db
      .selectFrom('payments')
      .select(['reference', 'amount'])
      .where('connector_id', '=', id)
      .orderBy('reference')
      .execute();
    expect(stored).toEqual([
      { reference: 'good-1', amount: '100' },
      { reference: 'good-2', amount: '18446744073709551615' },
    ]);
  });

  it('counts the records a connector leaves out on the run, beside those the engine refuses', async () => {
    const id = await install();
    script = [
      page([
        { id: 'kept', amount: 1, currency: 'EUR/2' },
        { id: 'unmappable', amount: 2, currency: '' },
        { id: 'invalid', amount: 3, currency: 'not a currency' },
      ]),
    ];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    expect(await lastRun(id)).toEqual({ error: null, items: 1, skipped: 2 });
  });

  it('pauses the schedule after three failures in a row', async () => {
    const id = await install();
    for (let i = 0; i < 3; i++) {
      script = [(_req, res) => res.writeHead(503).end()];
      await runSchedule(deps, scheduleId(id, 'payments', ''));
    }
    const schedule = await deps.db
      .selectFrom('schedules')
      .select(['paused_at', 'paused_reason'])
      .where('id', '=', `${id}-payments`)
      .executeTakeFirstOrThrow();
    expect(schedule.paused_at).not.toBeNull();
    expect(schedule.paused_reason).toContain('answered 503');
  });

  it('hands each newState back to the connector as the very object it returned, within a run', async () => {
    const id = await install();
    script = [
      page([{ id: 'same-1', amount: 1, currency: 'EUR/2' }], true),
      page([{ id: 'same-2', amount: 2, currency: 'EUR/2' }], true),
      page([], false),
    ];
    receivedStates.length = 0;
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    expect(receivedStates).toHaveLength(3);
    expect(receivedStates[0]).toBeUndefined();
    expect(receivedStates.slice(1).every((state) => returnedStates.has(state as object))).toBe(true);
  });

  it('does not pause a schedule whose failing runs still move its cursor forward', async () => {
    const id = await install();
    for (let i = 1; i <= 4; i++) {
      script = [
        page([{ id: `progress-${i}`, amount: i, currency: 'EUR/2' }], true),
        (_req, res) => res.writeHead(503).end(),
      ];
      await runSchedule(deps, scheduleId(id, 'payments', ''));
    }
    const schedule = await deps.db
      .selectFrom('schedules')
      .select(['paused_at', 'consecutive_failures'])
      .where('id', '=', `${id}-payments`)
      .executeTakeFirstOrThrow();
    expect(schedule).toEqual({ paused_at: null, consecutive_failures: 1 });
    const stored = await deps.db
      .selectFrom('payments')
      .select('reference')
      .where('connector_id', '=', id)
      .execute();
    expect(stored.map((p) => p.reference).sort()).toEqual([
      'progress-1',
      'progress-2',
      'progress-3',
      'progress-4',
    ]);
  });

  it('stops a run at its next commit when the connector is uninstalled mid-run', async () => {
    const id = await install();
    script = [
      page([{ id: 'p1', amount: 1, currency: 'EUR/2' }], true),
      (req, res) => {
        // Uninstall while the second page is on the wire: its commit must not land.
        void uninstallConnector(deps, id).then(() =>
          page([{ id: 'p2', amount: 2, currency: 'EUR/2' }], false)(req, res),
        );
      },
    ];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    const stored = await deps.db
      .selectFrom('payments')
      .select('reference')
      .where('connector_id', '=', id)
      .execute();
    expect(stored.map((p) => p.reference)).toEqual(['p1']);
  });

  it('removes a payment the PSP deleted, with a DELETED_PAYMENT event', async () => {
    const id = await install();
    script = [
      page([
        { id: 'keep', amount: 1, currency: 'EUR/2' },
        { id: 'drop', amount: 2, currency: 'EUR/2' },
      ]),
    ];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    script = [
      (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: [], hasMore: false, deleted: ['drop'] }));
      },
    ];
    await runSchedule(deps, scheduleId(id, 'payments', ''));
    const left = await deps.db
      .selectFrom('payments')
      .select('reference')
      .where('connector_id', '=', id)
      .execute();
    expect(left.map((p) => p.reference)).toEqual(['keep']);
    const deleted = await deps.db
      .selectFrom('outbox_events')
      .select(['payload'])
      .where('connector_id', '=', id)
      .where('type', '=', 'DELETED_PAYMENT')
      .execute();
    expect(deleted).toHaveLength(1);
    const adjustments = await deps.db
      .selectFrom('payment_adjustments')
      .select('reference')
      .where('connector_id', '=', id)
      .execute();
    expect(adjustments.map((a) => a.reference)).toEqual(['keep']);
  });
});
