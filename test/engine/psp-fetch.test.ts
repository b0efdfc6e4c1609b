// The engine's connector fetch (issue 14): per HTTP request, the outbound policy, one call from the
// connector's budget, metrics, and a debug line with nothing secret in it; for every operation.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { endpointField } from '../../src/connectors/sdk/config.js';
import type { ConnectorContext } from '../../src/connectors/sdk/context.js';
import type { FetchNextResponse, PspAccount, UninstallRequest } from '../../src/connectors/sdk/contract.js';
import { InvalidConfigError } from '../../src/connectors/sdk/errors.js';
import { EndpointAllowList } from '../../src/connectors/sdk/outbound.js';
import { registerConnector, secret } from '../../src/connectors/sdk/registry.js';
import { instantiate, openConnector, registrationOf } from '../../src/engine/lifecycle/connector-instance.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import type { EngineDeps } from '../../src/engine/deps.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { pspRequestSeconds, pspRequests } from '../../src/observability/metrics.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { startRecordingPsp, type RecordingPsp } from '../support/recording-psp.js';

const API_KEY = 'sk_live_Zq9mVt3LpX';

const probeConfig = z.object({
  apiKey: secret(z.string().min(1)),
  endpoint: endpointField('https://api.fetchprobe.invalid'),
});

/**
 * Speaks to its PSP with context.fetch directly, as an official PSP SDK handed that fetch would: one
 * page of accounts is three HTTP requests, the key in a header, in a query string and in a path.
 */
class FetchProbe extends BaseConnector {
  constructor(
    private readonly config: z.infer<typeof probeConfig>,
    private readonly context: ConnectorContext,
  ) {
    super();
  }
  async install() {
    return {
      workflow: [{ type: 'FETCH_ACCOUNTS' as const, name: 'accounts', periodic: true, children: [] }],
    };
  }
  override async fetchNextAccounts(): Promise<FetchNextResponse<PspAccount>> {
    const base = this.config.endpoint;
    const headers = { 'x-api-key': this.config.apiKey };
    await this.context.fetch(`${base}/accounts?api_key=${this.config.apiKey}&limit=2`, { headers });
    await this.context.fetch(`${base}/keys/${this.config.apiKey}/status?cursor=abc`, { headers });
    await this.context.fetch(`${base}/audit?signature=deadbeef`, { method: 'POST', headers, body: '{}' });
    return { items: [], newState: { page: 1 }, hasMore: false };
  }
  override async uninstall(_request: UninstallRequest): Promise<void> {
    await this.context.fetch(`${this.config.endpoint}/hooks`, { method: 'DELETE' });
  }
}

registerConnector({
  provider: 'fetchprobe',
  capabilities: ['FETCH_ACCOUNTS'],
  config: probeConfig,
  pageSize: 10,
  create: (config, context) => new FetchProbe(config, context),
});

let engine: TestEngine;
let psp: RecordingPsp;
const logLines: string[] = [];
let deps: EngineDeps;

beforeAll(async () => {
  engine = await startTestEngine();
  psp = await startRecordingPsp();
  deps = {
    ...engine.deps,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) }),
  };
  // Each take of a call from a budget updates (or creates) the connector's row: count them.
  await sql`CREATE TABLE budget_takes (connector_id text NOT NULL)`.execute(deps.db);
  await sql`CREATE FUNCTION count_budget_take() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO budget_takes VALUES (NEW.connector_id); RETURN NEW; END $$`.execute(deps.db);
  await sql`CREATE TRIGGER count_budget_take AFTER INSERT OR UPDATE ON connector_call_budgets
    FOR EACH ROW EXECUTE FUNCTION count_budget_take()`.execute(deps.db);
});
afterAll(async () => {
  await psp?.stop();
  await engine?.stop();
});

async function takesOf(connectorId: string): Promise<number> {
  const result = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM budget_takes WHERE connector_id = ${connectorId}`.execute(deps.db);
  return result.rows[0]?.n ?? 0;
}

async function counted(connector: string, method: string, status: string): Promise<number> {
  const metric = await pspRequests.get();
  return (
    metric.values.find(
      (v) =>
        v.labels.connector === connector && v.labels.method === method && v.labels.status_class === status,
    )?.value ?? 0
  );
}

async function timedCount(connector: string): Promise<number> {
  const metric = await pspRequestSeconds.get();
  return metric.values
    .filter((v) => v.labels.connector === connector && v.metricName?.endsWith('_count'))
    .reduce((sum, v) => sum + v.value, 0);
}

async function install(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  return installConnector(deps, 'fetchprobe', {
    name,
    apiKey: API_KEY,
    endpoint: psp.url,
    pollingPeriod: '1h',
    ...extra,
  });
}

describe("the engine's connector fetch", () => {
  it('takes one call from the budget per HTTP request, not per page', async () => {
    const id = await install('budgeted', { callsPerSecond: 1000 });
    psp.requests.length = 0;
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    expect(psp.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
    expect(await takesOf(id)).toBe(3);
  });

  it('takes from the budget for other operations too (uninstall, writes, webhooks)', async () => {
    const id = await install('budgeted-uninstall', { callsPerSecond: 1000 });
    const row = await deps.db
      .selectFrom('connectors')
      .select(['provider', 'config_encrypted', 'calls_per_second'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.calls_per_second).toBe(1000);
    await openConnector(deps, row, id, deps.logger).uninstall({ webhookConfigs: [] });
    expect(await takesOf(id)).toBe(1);
  });

  it('takes nothing from any budget for a connector without a call rate', async () => {
    const id = await install('unbudgeted');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    expect(await takesOf(id)).toBe(0);
  });

  it('counts every exchange by method and status class, with its duration', async () => {
    const id = await install('metered');
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    expect(await counted(id, 'GET', '2xx')).toBe(2);
    expect(await counted(id, 'POST', '2xx')).toBe(1);
    expect(await timedCount(id)).toBe(3);
  });

  it('logs each exchange at debug with method, host, path, status and duration, and never the key', async () => {
    const id = await install('logged');
    logLines.length = 0;
    await runSchedule(deps, scheduleId(id, 'accounts', ''));
    const exchanges = logLines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.msg === 'PSP exchange' && entry.connectorId === id);
    expect(exchanges).toHaveLength(3);
    const host = new URL(psp.url).host;
    expect(exchanges.map(({ method, host, path, status }) => ({ method, host, path, status }))).toEqual([
      { method: 'GET', host, path: '/accounts?api_key=[REDACTED]&limit=2', status: 200 },
      { method: 'GET', host, path: '/keys/[REDACTED]/status?cursor=abc', status: 200 },
      { method: 'POST', host, path: '/audit?signature=[REDACTED]', status: 200 },
    ]);
    for (const entry of exchanges) {
      expect(entry.level).toBe(20);
      expect(typeof entry.durationMs).toBe('number');
      expect(Object.keys(entry)).not.toContain('headers');
    }
    expect(logLines.join('\n')).not.toContain(API_KEY);
    expect(logLines.join('\n')).not.toContain('deadbeef');
  });

  it('still refuses a host outside the allow list, before sending anything or taking a call', async () => {
    const id = await install('refused', { callsPerSecond: 1000 });
    const before = psp.requests.length;
    const connector = instantiate(
      registrationOf('fetchprobe'),
      { apiKey: API_KEY, endpoint: psp.url },
      id,
      deps.logger,
      { ...deps.connectors, outbound: { allow: EndpointAllowList.parse('api.fetchprobe.invalid') } },
      { db: deps.db, callsPerSecond: 1000 },
    );
    await expect(connector.uninstall({ webhookConfigs: [] })).rejects.toBeInstanceOf(InvalidConfigError);
    expect(psp.requests.length).toBe(before);
    expect(await takesOf(id)).toBe(0);
  });
});
