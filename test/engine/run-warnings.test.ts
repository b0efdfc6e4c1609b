// Run warnings and typed task state (issue 14), through real runs against a real PostgreSQL database:
// warnings a page carries stay on the run (distinct, bounded), and a saved state the connector no longer
// reads restarts the task with a warning instead of failing every run.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { presentInstance, presentSchedule } from '../../src/api/v3/presenters.js';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type {
  CreateWebhooksRequest,
  CreateWebhooksResponse,
  FetchNextRequest,
  FetchNextResponse,
  PspAccount,
} from '../../src/connectors/sdk/contract.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import {
  instancesQuery,
  RUN_WARNING_LENGTH,
  RUN_WARNINGS_MAX,
  schedulesQuery,
} from '../../src/storage/schedules.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

/** What each page answers, by connector name; and the state each request came with. */
const pagesOf = new Map<string, (page: number) => { warnings?: string[]; hasMore: boolean }>();
const statesSeen = new Map<string, unknown[]>();

const accountsState = z.object({ page: z.number().int().min(1) });

class Warner extends BaseConnector {
  constructor(private readonly label: string) {
    super();
  }
  async install() {
    return {
      workflow: [{ type: 'FETCH_ACCOUNTS' as const, name: 'accounts', periodic: true, children: [] }],
    };
  }
  override async fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    statesSeen.set(this.label, [...(statesSeen.get(this.label) ?? []), request.state]);
    const state = request.state as z.infer<typeof accountsState> | undefined;
    const page = (state?.page ?? 0) + 1;
    const answer = pagesOf.get(this.label)?.(page) ?? { hasMore: false };
    return { items: [], newState: { page }, ...answer };
  }
}

registerConnector({
  provider: 'warner',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({ label: z.string() }),
  pageSize: 10,
  state: { FETCH_ACCOUNTS: accountsState },
  create: (config) => new Warner(config.label),
});

/** Registers no webhook and says why, as Column does when the public URL is not https. */
class HttpsOnly extends BaseConnector {
  async install() {
    return {
      workflow: [{ type: 'CREATE_WEBHOOKS' as const, name: 'webhooks', periodic: false, children: [] }],
    };
  }
  override async createWebhooks(request: CreateWebhooksRequest): Promise<CreateWebhooksResponse> {
    return {
      configs: [],
      others: [],
      warnings: request.webhookBaseUrl.startsWith('https://')
        ? []
        : ['webhooks are off: the PSP needs https'],
    };
  }
}

registerConnector({
  provider: 'https-only',
  capabilities: ['CREATE_WEBHOOKS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new HttpsOnly(),
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

async function install(label: string): Promise<string> {
  return installConnector(deps, 'warner', { name: label, label, pollingPeriod: '1h' });
}

async function runs(connectorId: string) {
  return instancesQuery(deps.db)
    .where('connector_id', '=', connectorId)
    .orderBy('created_at')
    .orderBy('sort_id')
    .execute();
}

describe('run warnings', () => {
  it('keeps the warnings of every page on the run, each once, in the order they came', async () => {
    pagesOf.set('statuses', (page) => ({
      warnings:
        page === 1
          ? ["unknown payment status 'ON_HOLD' mapped to OTHER"]
          : ["unknown payment status 'ON_HOLD' mapped to OTHER", "unknown payment type 'FX' mapped to OTHER"],
      hasMore: page < 3,
    }));
    const id = await install('statuses');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    const [run] = await runs(id);
    expect(run?.pages).toBe(3);
    expect(run?.warnings).toEqual([
      "unknown payment status 'ON_HOLD' mapped to OTHER",
      "unknown payment type 'FX' mapped to OTHER",
    ]);
  });

  it('shows them on API instances and on the schedule last run', async () => {
    pagesOf.set('shown', () => ({ warnings: ['one thing to know'], hasMore: false }));
    const id = await install('shown');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    const [run] = await runs(id);
    if (!run) throw new Error('no run');
    expect(presentInstance(run).warnings).toEqual(['one thing to know']);
    const schedule = await schedulesQuery(deps.db)
      .where('schedules.connector_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(presentSchedule(schedule).lastRun?.warnings).toEqual(['one thing to know']);
  });

  it('bounds them: at most RUN_WARNINGS_MAX, each cut to RUN_WARNING_LENGTH characters', async () => {
    pagesOf.set('flood', (page) => ({
      warnings: [
        'x'.repeat(RUN_WARNING_LENGTH * 4),
        ...Array.from({ length: 40 }, (_, i) => `warning ${page}-${i}`),
      ],
      hasMore: page < 2,
    }));
    const id = await install('flood');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    const [run] = await runs(id);
    expect(run?.warnings).toHaveLength(RUN_WARNINGS_MAX);
    expect(run?.warnings[0]).toHaveLength(RUN_WARNING_LENGTH);
    expect(run?.warnings[0]?.endsWith('…')).toBe(true);
    expect(run?.warnings[1]).toBe('warning 1-0');
    expect(run?.warnings.at(-1)).toBe(`warning 2-${RUN_WARNINGS_MAX - 42}`);
  });

  it('keeps what a CREATE_WEBHOOKS run warns about (webhooks the PSP would not take)', async () => {
    const id = await installConnector(deps, 'https-only', { name: 'https-only' });
    await runSchedule(deps, scheduleId(id, 'webhooks', ''));
    const [run] = await runs(id);
    expect(run?.error).toBeNull();
    expect(run?.warnings).toEqual(['webhooks are off: the PSP needs https']);
  });

  it('is an empty list on a run without any', async () => {
    pagesOf.set('quiet', () => ({ hasMore: false }));
    const id = await install('quiet');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    const [run] = await runs(id);
    expect(run?.warnings).toEqual([]);
  });
});

describe('typed task state', () => {
  it('hands the connector a stored state that fits its schema', async () => {
    pagesOf.set('resumes', () => ({ hasMore: false }));
    const id = await install('resumes');
    const schedule = scheduleId(id, 'accounts', '');
    await runSchedule(deps, schedule);
    await sql`UPDATE schedules SET next_run_at = now() WHERE id = ${schedule}`.execute(deps.db);
    await runSchedule(deps, schedule);
    expect(statesSeen.get('resumes')).toEqual([undefined, { page: 1 }]);
    const all = await runs(id);
    expect(all.map((run) => run.warnings)).toEqual([[], []]);
  });

  it('restarts a task whose stored state no longer fits, with a warning on the run, and resumes after', async () => {
    pagesOf.set('upgraded', (page) => ({ hasMore: page < 2 }));
    const id = await install('upgraded');
    const schedule = scheduleId(id, 'accounts', '');
    // What an older version of the connector saved: a cursor string, where it now keeps a page number.
    await sql`UPDATE schedules SET state = ${JSON.stringify({ cursor: 'abc' })}::jsonb WHERE id = ${schedule}`.execute(
      deps.db,
    );
    await runSchedule(deps, schedule);
    expect(statesSeen.get('upgraded')).toEqual([undefined, { page: 1 }]);
    const [restarted] = await runs(id);
    expect(restarted?.error).toBeNull();
    expect(restarted?.warnings).toHaveLength(1);
    expect(restarted?.warnings[0]).toMatch(
      /saved FETCH_ACCOUNTS state does not match what the connector now reads \(page: .+\); the task restarted from the beginning/,
    );
    const saved = await deps.db
      .selectFrom('schedules')
      .select(['state', 'consecutive_failures'])
      .where('id', '=', schedule)
      .executeTakeFirstOrThrow();
    expect(saved).toEqual({ state: { page: 2 }, consecutive_failures: 0 });

    // The next run resumes from the state the restarted one saved, with nothing to warn about.
    await sql`UPDATE schedules SET next_run_at = now() WHERE id = ${schedule}`.execute(deps.db);
    await runSchedule(deps, schedule);
    expect(statesSeen.get('upgraded')?.at(-1)).toEqual({ page: 2 });
    expect((await runs(id)).at(-1)?.warnings).toEqual([]);
  });

  it('keeps the warning on a run that fails before its first page', async () => {
    pagesOf.set('fails', () => {
      throw new Error('PSP down');
    });
    const id = await install('fails');
    const schedule = scheduleId(id, 'accounts', '');
    await sql`UPDATE schedules SET state = ${JSON.stringify({ page: 'one' })}::jsonb WHERE id = ${schedule}`.execute(
      deps.db,
    );
    await runSchedule(deps, schedule);
    const [run] = await runs(id);
    expect(run?.error).toBe('PSP down');
    expect(run?.warnings[0]).toMatch(/the task restarted from the beginning/);
  });
});
