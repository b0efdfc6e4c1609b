// End to end through the official Formance SDK: transactions stepped through their lifecycle in the
// simulator reach Paybridge as adjustments of the same payment, with the right statuses and amounts.
import { createServer, type Server } from 'node:http';
import { SDK } from '@formance/formance-sdk';
import type { V3Payment } from '@formance/formance-sdk/sdk/models/payments/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { MockPspTenant, type SimTransaction } from '../support/mock-psp.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { present, rawGet } from './sdk-helpers.js';

let psp: MockPsp;
let service: TestService;
let sdk: SDK;
let sim: MockPspTenant;
let connectorID: string;
let accountId: string;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  // The simulator and the test's fake hosts are on 127.0.0.1: listed, so install refusals show their reasons
  // in full, as they do for an operator who lists their internal integration service.
  service = await startTestService({ PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: '127.0.0.1' });
  sdk = new SDK({ serverURL: service.url });
  sim = new MockPspTenant(psp.url, 'lifecycle');
  accountId = (
    await sim.createAccount({ accountName: 'Shop EUR', currency: 'EUR', initialBalance: '100000' })
  ).id;
  const installed = await sdk.payments.v3.installConnector({
    connector: 'generic',
    v3ConnectorConfig: {
      provider: 'Generic',
      name: 'lifecycle',
      apiKey: sim.apiKey,
      endpoint: psp.url,
      pollingPeriod: '500ms',
    },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const TYPES: Record<string, 'PAY-IN' | 'PAYOUT' | 'TRANSFER'> = {
  PAYIN: 'PAY-IN',
  PAYOUT: 'PAYOUT',
  TRANSFER: 'TRANSFER',
};

/** The payment of a simulator transaction, once its status in Paybridge is `status`. */
function paymentOnce(t: SimTransaction, status: string): Promise<V3Payment> {
  const paymentID = paymentIdCodec.encode({
    connectorId: connectorIdCodec.decode(connectorID),
    reference: t.id,
    type: TYPES[t.type] ?? 'OTHER',
  });
  return eventually(
    async () => {
      const payment = present(
        (await sdk.payments.v3.getPayment({ paymentID })).v3GetPaymentResponse,
        'payment',
      ).data;
      return payment.status === status ? payment : undefined;
    },
    20_000,
    `${t.id} to be ${status}`,
  );
}

const history = (payment: V3Payment) =>
  (payment.adjustments ?? [])
    .map((a) => [a.status, a.amount === undefined ? undefined : String(a.amount)])
    .reverse();

describe('lifecycle steps in the simulator', () => {
  it('turn a pay-in through success, dispute, a won dispute and a partial refund into adjustments', async () => {
    const payin = await sim.createTransaction({
      type: 'PAYIN',
      amount: '1000',
      currency: 'EUR/2',
      destinationAccountID: accountId,
    });
    await paymentOnce(payin, 'PENDING');
    await sim.step(payin.id, 'succeed');
    await paymentOnce(payin, 'SUCCEEDED');
    await sim.step(payin.id, 'dispute');
    await paymentOnce(payin, 'DISPUTE');
    await sim.step(payin.id, 'win-dispute');
    await paymentOnce(payin, 'DISPUTE_WON');
    const { created: refund } = await sim.step(payin.id, 'refund', '300');
    const payment = await paymentOnce(payin, 'REFUNDED');

    expect(history(payment)).toEqual([
      ['PENDING', '1000'],
      ['SUCCEEDED', '1000'],
      ['DISPUTE', '1000'],
      ['DISPUTE_WON', '1000'],
      ['REFUNDED', '300'],
    ]);
    expect(payment.adjustments?.[0]?.reference).toBe(refund?.id);
    expect({ initial: String(payment.initialAmount), amount: String(payment.amount) }).toEqual({
      initial: '1000',
      amount: '700',
    });
  });

  it('turn an authorisation and its partial capture into one payment holding the captured amount', async () => {
    const authorised = await sim.createTransaction({
      type: 'PAYIN',
      amount: '5000',
      currency: 'EUR/2',
      status: 'AUTHORISATION',
      destinationAccountID: accountId,
    });
    const before = await paymentOnce(authorised, 'AUTHORISATION');
    expect(String(before.amount)).toBe('0');
    await sim.step(authorised.id, 'capture', '4000');
    const payment = await paymentOnce(authorised, 'CAPTURE');
    expect(history(payment)).toEqual([
      ['AUTHORISATION', '5000'],
      ['CAPTURE', '4000'],
    ]);
    expect({ initial: String(payment.initialAmount), amount: String(payment.amount) }).toEqual({
      initial: '5000',
      amount: '4000',
    });
  });

  it('shows a failed payout as failed, and the balances the simulator reports', async () => {
    const beneficiary = await sim.createBeneficiary({ ownerName: 'Supplier' });
    const payout = await sim.createTransaction({
      type: 'PAYOUT',
      amount: '2500',
      currency: 'EUR/2',
      sourceAccountID: accountId,
      destinationAccountID: beneficiary.id,
    });
    await paymentOnce(payout, 'PENDING');
    await sim.step(payout.id, 'fail');
    const payment = await paymentOnce(payout, 'FAILED');
    expect(history(payment)).toEqual([
      ['PENDING', '2500'],
      ['FAILED', '2500'],
    ]);

    const [account] = await sim.accounts();
    const expected = account?.balances.map((b) => `${b.currency} ${b.amount}`);
    const accountID = (
      await sdk.payments.v3.listAccounts({ pageSize: 100 })
    ).v3AccountsCursorResponse?.cursor.data.find((a) => a.reference === accountId)?.id;
    await eventually(
      async () => {
        const history = present(
          (await sdk.payments.v3.getAccountBalances({ accountID: accountID ?? '' })).v3BalancesCursorResponse,
          'balances',
        ).cursor.data;
        // The API keeps each balance's history: the current value is the newest interval per asset.
        const newest = new Map<string, bigint>();
        for (const b of [...history].sort((x, y) => x.lastUpdatedAt.getTime() - y.lastUpdatedAt.getTime())) {
          newest.set(b.asset, b.balance);
        }
        const current = [...newest].map(([asset, balance]) => `${asset} ${balance}`);
        return JSON.stringify(current) === JSON.stringify(expected) ? current : undefined;
      },
      20_000,
      'balances to match the simulator',
    );
  });
});

describe('installing the Generic connector', () => {
  // The SDK checks required fields itself, so a config it would refuse is sent over plain HTTP.
  const install = async (config: Record<string, unknown>) => {
    const response = await fetch(`${service.url}/api/payments/v3/connectors/install/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'broken', ...config }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { errorCode: string; errorMessage: string },
    };
  };

  it('refuses a config without an API key or with an endpoint that is not an http(s) URL, naming the field', async () => {
    const noKey = await install({ endpoint: psp.url });
    expect(noKey.status).toBe(400);
    expect(noKey.body.errorMessage).toContain('apiKey is required');
    const ftp = await install({ apiKey: 'k', endpoint: 'ftp://psp.example' });
    expect(ftp.status).toBe(400);
    expect(ftp.body.errorMessage).toContain('endpoint must be an http:// or https:// URL');
    expect([noKey.body.errorCode, ftp.body.errorCode]).toEqual(['VALIDATION', 'VALIDATION']);
  });

  /** What the service holds for any connector but the file's own: a refused install leaves all of it empty. */
  const storedForOthers = async () => {
    const counts = await sql<{ kind: string; n: number }>`
      SELECT 'connectors' AS kind, count(*)::int AS n FROM connectors WHERE id <> ${connectorID}
      UNION ALL SELECT 'schedules', count(*)::int FROM schedules WHERE connector_id <> ${connectorID}
      UNION ALL SELECT 'webhook_configs', count(*)::int FROM webhook_configs WHERE connector_id <> ${connectorID}
      UNION ALL SELECT 'call_budgets', count(*)::int FROM connector_call_budgets WHERE connector_id <> ${connectorID}
    `.execute(service.paybridge.deps.db);
    return Object.fromEntries(counts.rows.map((row) => [row.kind, row.n]));
  };
  const nothingStored = { connectors: 0, schedules: 0, webhook_configs: 0, call_budgets: 0 };

  it('refuses an endpoint nothing listens on, naming it, and installs nothing', async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const refused = await install({ apiKey: sim.apiKey, endpoint, webhooks: true });
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('VALIDATION');
    expect(refused.body.errorMessage).toContain(
      `the connector could not check its config with the PSP: cannot reach ${endpoint.slice('http://'.length)}`,
    );
    expect(await storedForOthers()).toEqual(nothingStored);
  });

  it('refuses an endpoint that answers with an HTML page, saying it is not the contract', async () => {
    let calls = 0;
    const website: Server = createServer((_request, response) => {
      calls += 1;
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><h1>Welcome</h1>');
    });
    await new Promise<void>((resolve) => website.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = website.address() as { port: number };
      const refused = await install({ apiKey: sim.apiKey, endpoint: `http://127.0.0.1:${port}/` });
      expect(refused.status).toBe(400);
      expect(refused.body.errorMessage).toContain(`http://127.0.0.1:${port}/accounts answered 200`);
      expect(refused.body.errorMessage).toContain('Generic contract');
      expect(calls).toBe(1);
    } finally {
      await new Promise((resolve) => website.close(resolve));
    }
    expect(await storedForOthers()).toEqual(nothingStored);
  });

  it('refuses a key the simulator refuses, with the simulator’s reason, and installs nothing', async () => {
    // The simulator opens a tenant for any key it can read; a blank one is the key it refuses.
    const refused = await install({ apiKey: '   ', endpoint: psp.url, webhooks: true });
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('VALIDATION');
    expect(refused.body.errorMessage).toContain("refused the connector's credentials (HTTP 401");
    expect(refused.body.errorMessage).toContain('send the API key as "Authorization: Bearer <key>"');
    expect(await storedForOthers()).toEqual(nothingStored);
  });

  it('installs once the config is right, after refusals', async () => {
    const installed = await install({ name: 'fixed', apiKey: `${sim.apiKey}-fixed`, endpoint: psp.url });
    expect(installed.status).toBe(202);
    const id = (installed.body as unknown as { data: string }).data;
    expect(connectorIdCodec.decode(id).provider).toBe('generic');
    const stored = await storedForOthers();
    expect(stored.connectors).toBe(1);
    expect(stored.schedules).toBeGreaterThan(0);
  });

  it('never returns the API key: the config comes back masked', async () => {
    const { status, body } = await rawGet(service.url, `/connectors/${connectorID}/config`);
    expect(status).toBe(200);
    const config = (body as { data: Record<string, unknown> }).data;
    expect(config.endpoint).toBe(psp.url);
    expect(config.apiKey).toBe('********');
  });
});
