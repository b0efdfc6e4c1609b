// Per-connector limits that hold across workers: concurrent runs and PSP calls per second.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type {
  FetchNextRequest,
  FetchNextResponse,
  PspOther,
  PspPayment,
} from '../../src/connectors/sdk/contract.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { tryTakeCall } from '../../src/storage/call-budget.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const USERS = 8;
let inFlight = 0;
let usersRequestedPeriodic: boolean | undefined;
let maxInFlight = 0;

// Eight "users", each with a payments task that takes a while: enough runs to contend for slots.
class BusyPsp extends BaseConnector {
  async install() {
    return {
      workflow: [
        {
          type: 'FETCH_OTHERS' as const,
          name: 'users',
          periodic: true,
          children: [{ type: 'FETCH_PAYMENTS' as const, name: 'payments', periodic: true, children: [] }],
        },
      ],
    };
  }
  override async fetchNextOthers(request: FetchNextRequest): Promise<FetchNextResponse<PspOther>> {
    usersRequestedPeriodic = request.periodic;
    const items = Array.from({ length: USERS }, (_, i) => ({ id: `user-${i}`, other: { i } }));
    return { items, newState: null, hasMore: false };
  }
  override async fetchNextPayments(): Promise<FetchNextResponse<PspPayment>> {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(80);
    inFlight -= 1;
    return { items: [], newState: null, hasMore: false };
  }
}
registerConnector({
  provider: 'busypsp',
  capabilities: ['FETCH_OTHERS', 'FETCH_PAYMENTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new BusyPsp(),
});

let engine: TestEngine;
let deps: EngineDeps;

beforeAll(async () => {
  engine = await startTestEngine();
  deps = engine.deps;
});
afterAll(async () => {
  await engine?.stop();
});

describe('per-connector limits', () => {
  it('never run more than maxConcurrentRuns of a connector at once, and every run still happens', async () => {
    const id = await installConnector(deps, 'busypsp', {
      name: 'busy',
      pollingPeriod: '1h',
      maxConcurrentRuns: 2,
    });
    await runSchedule(deps, scheduleId(id, 'users', ''));
    expect(usersRequestedPeriodic).toBe(true); // the engine tells the connector how the task runs
    const children = Array.from({ length: USERS }, (_, i) => scheduleId(id, 'users.payments', `user-${i}`));
    const done = async (schedule: string) =>
      (
        await deps.db
          .selectFrom('schedule_instances')
          .select('id')
          .where('schedule_id', '=', schedule)
          .where('terminated', '=', true)
          .execute()
      ).length > 0;
    // Workers race for the runs, as several processes would; refused ones come back later.
    for (let round = 0; round < 40; round++) {
      const pending = [];
      for (const child of children) if (!(await done(child))) pending.push(child);
      if (pending.length === 0) break;
      await Promise.all(
        pending.map(async (child) => {
          await sleep(Math.random() * 150);
          await runSchedule(deps, child);
        }),
      );
    }
    for (const child of children) expect(await done(child)).toBe(true);
    expect(maxInFlight).toBeGreaterThanOrEqual(1);
    expect(maxInFlight).toBeLessThanOrEqual(2);
  });

  it('grant PSP calls up to the rate, then ask the caller to wait', async () => {
    const id = await installConnector(deps, 'busypsp', {
      name: 'rated',
      pollingPeriod: '1h',
      callsPerSecond: 5,
    });
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await tryTakeCall(deps.db, id, 5));
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]); // a second's worth of burst
    expect(waits[5]).toBeGreaterThan(0);
    expect(waits[5]).toBeLessThanOrEqual(200); // one call's worth of refill at 5/s
    const other = await installConnector(deps, 'busypsp', {
      name: 'unrelated',
      pollingPeriod: '1h',
      callsPerSecond: 5,
    });
    expect(await tryTakeCall(deps.db, other, 5)).toBe(0); // budgets are per connector
  });
});
