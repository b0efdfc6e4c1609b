// GET /v3/connectors/{connectorID}/counts (Paybridge extension): what an uninstall or a reset would delete,
// counted by PostgreSQL, checked against a service holding known data for two DummyPay connectors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type ApiAnswer, apiCall } from '../support/api-call.js';
import { type DummyPayData, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

let service: TestService;
let dir: string;

interface Installed {
  id: string;
  data: DummyPayData;
}
let counted: Installed;
let other: Installed;

const call = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
  apiCall(`${service.url}/v3`, method, path, body);

function data(answer: ApiAnswer): unknown {
  if (answer.status >= 300) throw new Error(`HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body?.data;
}

/** Every item of a v3 list, page after page. */
async function listAll(path: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let cursor: string | undefined;
  for (;;) {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await call(
      'GET',
      cursor ? `${path}${separator}cursor=${cursor}` : `${path}${separator}pageSize=100`,
    );
    const page = answer.body?.cursor as { data: Record<string, unknown>[]; hasMore: boolean; next?: string };
    items.push(...page.data);
    if (!page.hasMore || !page.next) return items;
    cursor = page.next;
  }
}

const byConnector = (id: string) =>
  `query=${encodeURIComponent(JSON.stringify({ $match: { connector_id: id } }))}`;

async function install(name: string, accounts: number, payments: number, seed: number): Promise<Installed> {
  const folder = join(dir, name);
  const fixture = await writeDummyPayDirectory(folder, { accounts, payments, seed });
  const id = data(
    await call('POST', '/connectors/install/dummypay', { name, directory: folder, pollingPeriod: '30m' }),
  ) as string;
  // The first sync is over once every fixture payment and account is there.
  await eventually(
    async () => {
      const [stored, ingested] = await Promise.all([
        listAll(`/accounts?${byConnector(id)}`),
        listAll(`/payments?${byConnector(id)}`),
      ]);
      const want = fixture.accounts.length + fixture.externalAccounts.length;
      return stored.length === want && ingested.length === fixture.payments.length ? true : undefined;
    },
    60_000,
    `the first sync of ${name}`,
  );
  return { id, data: fixture };
}

async function waitForTask(taskID: string): Promise<void> {
  await eventually(
    async () => {
      const task = data(await call('GET', `/tasks/${encodeURIComponent(taskID)}`)) as { status: string };
      if (task.status === 'FAILED') throw new Error(`task ${taskID} failed`);
      return task.status === 'SUCCEEDED' ? true : undefined;
    },
    60_000,
    `task ${taskID}`,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-counts-'));
  service = await startTestService();
  counted = await install('counted', 6, 14, 3);
  other = await install('other', 3, 5, 4);
  const account = (installed: Installed, reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(installed.id), reference });
  const [first, second] = counted.data.accounts;
  const [external] = counted.data.externalAccounts;
  if (!first || !second || !external) throw new Error('fixture too small');

  // Two payouts: one approved at once (it reaches PROCESSED), one left waiting for validation.
  const payout = (reference: string) => ({
    reference,
    connectorID: counted.id,
    type: 'PAYOUT',
    amount: 1050,
    asset: 'EUR/2',
    destinationAccountID: account(counted, external.id),
    description: 'counts test',
  });
  const processed = data(
    await call('POST', '/payment-initiations?noValidation=true', payout('counts-processed')),
  ) as { paymentInitiationID: string };
  data(await call('POST', '/payment-initiations', payout('counts-waiting')));
  await eventually(
    async () => {
      const pi = data(
        await call('GET', `/payment-initiations/${encodeURIComponent(processed.paymentInitiationID)}`),
      ) as { status: string };
      return pi.status === 'PROCESSED' ? true : undefined;
    },
    60_000,
    'the approved payout to be processed',
  );

  // A bank account forwarded to the counted connector (one link), and a pool over accounts of both.
  const bankAccountID = data(
    await call('POST', '/bank-accounts', {
      name: 'counts-bank',
      country: 'FR',
      iban: 'FR7630006000011234567890189',
    }),
  ) as string;
  const forward = data(
    await call('POST', `/bank-accounts/${bankAccountID}/forward`, { connectorID: counted.id }),
  ) as { taskID: string };
  await waitForTask(forward.taskID);
  const [otherFirst] = other.data.accounts;
  data(
    await call('POST', '/pools', {
      name: 'counts-pool',
      accountIDs: [
        account(counted, first.id),
        account(counted, second.id),
        account(other, otherFirst?.id ?? ''),
      ],
    }),
  );
}, 240_000);

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the v3 lists show for a connector, counted the slow way (fine for a few dozen rows). */
async function countedByLists(installed: Installed) {
  const accounts = await listAll(`/accounts?${byConnector(installed.id)}`);
  const payments = await listAll(`/payments?${byConnector(installed.id)}`);
  let balances = 0;
  for (const account of accounts) {
    balances += (await listAll(`/accounts/${encodeURIComponent(String(account.id))}/balances`)).length;
  }
  // A payment's adjustments come with the payment read alone.
  let adjustments = 0;
  for (const payment of payments) {
    const one = data(await call('GET', `/payments/${encodeURIComponent(String(payment.id))}`)) as {
      adjustments?: unknown[];
    };
    adjustments += one.adjustments?.length ?? 0;
  }
  const schedules = await listAll(`/connectors/${installed.id}/schedules`);
  return {
    accounts: accounts.length,
    payments: payments.length,
    balances,
    adjustments,
    schedules: schedules.length,
  };
}

describe('GET /v3/connectors/{connectorID}/counts', () => {
  it("counts exactly the connector's own objects, initiations split by what happened to them", async () => {
    const counts = data(await call('GET', `/connectors/${counted.id}/counts`));
    const byLists = await countedByLists(counted);
    // The fixture's accounts, plus the one the forwarded bank account became at the PSP.
    expect(byLists.accounts).toBe(counted.data.accounts.length + counted.data.externalAccounts.length + 1);
    expect(counts).toEqual({
      accounts: byLists.accounts,
      balances: byLists.balances,
      // The fixture's payments, plus the one the processed payout produced at the PSP.
      payments: counted.data.payments.length + 1,
      paymentAdjustments: byLists.adjustments,
      paymentInitiations: { total: 2, processed: 1, inFlight: 0, waitingForValidation: 1 },
      bankAccountLinks: 1,
      poolMemberships: 2,
      orders: 0,
      conversions: 0,
      schedules: byLists.schedules,
      webhooks: 0,
    });
    expect(byLists.payments).toBe(counted.data.payments.length + 1);
  });

  it("does not count another connector's objects", async () => {
    const counts = data(await call('GET', `/connectors/${other.id}/counts`));
    const byLists = await countedByLists(other);
    expect(counts).toMatchObject({
      accounts: other.data.accounts.length + other.data.externalAccounts.length,
      balances: byLists.balances,
      payments: other.data.payments.length,
      paymentInitiations: { total: 0, processed: 0, inFlight: 0, waitingForValidation: 0 },
      bankAccountLinks: 0,
      poolMemberships: 1,
      schedules: byLists.schedules,
    });
  });

  it('answers 404 for a connector that does not exist and 400 INVALID_ID for an id that does not decode', async () => {
    const unknown = connectorIdCodec.encode({
      provider: 'dummypay',
      reference: '00000000-0000-4000-8000-000000000000',
    });
    const missing = await call('GET', `/connectors/${unknown}/counts`);
    expect(missing).toMatchObject({ status: 404, body: { errorCode: 'NOT_FOUND' } });
    const malformed = await call('GET', '/connectors/not-an-id/counts');
    expect(malformed).toMatchObject({ status: 400, body: { errorCode: 'INVALID_ID' } });
  });

  it('is documented in /openapi.json as a Paybridge extension', async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { description?: string } }>;
    };
    const operation = document.paths['/v3/connectors/{connectorID}/counts']?.get;
    expect(operation?.description).toMatch(/Paybridge extension/);
  });
});
