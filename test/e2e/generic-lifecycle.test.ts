// End to end through the official Formance SDK: transactions stepped through their lifecycle in the
// simulator reach Paybridge as adjustments of the same payment, with the right statuses and amounts.
import { SDK } from '@formance/formance-sdk';
import type { V3Payment } from '@formance/formance-sdk/sdk/models/payments/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { MockPspTenant, type SimTransaction } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { present, rawGet } from './sdk-helpers.js';

let psp: MockPsp;
let service: TestService;
let sdk: SDK;
let sim: MockPspTenant;
let connectorID: string;
let accountId: string;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  service = await startTestService();
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

  it('never returns the API key: the config comes back masked', async () => {
    const { status, body } = await rawGet(service.url, `/connectors/${connectorID}/config`);
    expect(status).toBe(200);
    const config = (body as { data: Record<string, unknown> }).data;
    expect(config.endpoint).toBe(psp.url);
    expect(config.apiKey).toBe('********');
  });
});
