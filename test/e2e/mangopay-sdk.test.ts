// Mangopay end to end through the official Formance SDK: install against the fake Mangopay, the fixtures ingested through the engine (wallets, bank accounts, balances, payments with refunds as adjustments), a transfer and a payout initiated once each, hooks created, a notification landing through the ingress, a forged one creating nothing, and wrong credentials refused with Mangopay's reason.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import type { PaymentType } from '../../src/domain/enums.js';
import { FakePsp } from '../../src/connectors/sdk/testing/index.js';
import {
  FAKE_API_KEY,
  FAKE_CLIENT_ID,
  fixtureData,
  serveMangopay,
  type MangopayData,
} from '../../src/connectors/mangopay/fake.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { balancesOnceThere, collectPages, expectV3Error, present } from './sdk-helpers.js';

const T = 1772323200;
let psp: FakePsp;
let data: MangopayData;
let service: TestService;
let sdk: SDK;
let connectorID: string;
let publicUrl: string;

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
const paymentID = (reference: string, type: PaymentType) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type });

async function payments() {
  return collectPages(
    async () =>
      present((await sdk.payments.v3.listPayments({ pageSize: 100 })).v3PaymentsCursorResponse, 'payments')
        .cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listPayments({ cursor })).v3PaymentsCursorResponse, 'payments').cursor,
  );
}

async function accounts() {
  return collectPages(
    async () =>
      present((await sdk.payments.v3.listAccounts({ pageSize: 100 })).v3AccountsCursorResponse, 'accounts')
        .cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listAccounts({ cursor })).v3AccountsCursorResponse, 'accounts').cursor,
  );
}

beforeAll(async () => {
  psp = await FakePsp.start();
  data = serveMangopay(psp, fixtureData());
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: publicUrl,
    // The operator names the fake's host, so Mangopay's answers reach API callers in full.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
  const installed = await sdk.payments.v3.installConnector({
    connector: 'mangopay',
    v3ConnectorConfig: {
      provider: 'Mangopay',
      name: 'mangopay-e2e',
      clientID: FAKE_CLIENT_ID,
      apiKey: FAKE_API_KEY,
      endpoint: psp.url,
      // One poll at install; what comes later must come through hooks (or a much later poll).
      pollingPeriod: '1h',
    },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  await eventually(async () => ((await payments()).length >= 5 ? true : undefined), 30_000, 'the first poll');
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

describe('Mangopay through the engine', () => {
  it('ingests wallets as internal accounts and bank accounts as external ones', async () => {
    const listed = await eventually(async () => {
      const all = await accounts();
      return all.length >= 7 ? all : undefined;
    });
    const byReference = new Map(listed.map((a) => [a.reference, a]));
    expect([...byReference.keys()].sort()).toEqual(
      ['bankacc_m_01', 'bankacc_m_02', 'bankacc_m_03', 'wlt_m_01', 'wlt_m_02', 'wlt_m_03', 'wlt_m_04'].sort(),
    );
    expect(byReference.get('wlt_m_02')).toMatchObject({ type: 'INTERNAL', defaultAsset: 'JPY/0' });
    expect(byReference.get('bankacc_m_01')).toMatchObject({ type: 'EXTERNAL', name: 'Ada Martin' });
    expect(JSON.stringify(byReference.get('bankacc_m_01')?.raw)).not.toContain('FR7630004000031234567890143');
  });

  it("reads each wallet's balance in minor units at its currency's exponent", async () => {
    const balances = await balancesOnceThere(sdk, accountID('wlt_m_02'));
    expect(balances[0]).toMatchObject({ asset: 'JPY/0', balance: 1500n });
  });

  it('ingests pay-ins, the transfer once, the payout, and refunds as adjustments that lower their pay-in', async () => {
    const all = await payments();
    expect(all.map((p) => [p.reference, p.type, p.status]).sort()).toEqual(
      [
        ['payin_m_01', 'PAY-IN', 'REFUNDED'],
        ['payin_m_02', 'PAY-IN', 'FAILED'],
        ['payin_m_03', 'PAY-IN', 'SUCCEEDED'],
        ['payout_m_01', 'PAYOUT', 'PENDING'],
        ['transfer_m_01', 'TRANSFER', 'SUCCEEDED'],
      ].sort(),
    );
    const payin = present(
      (await sdk.payments.v3.getPayment({ paymentID: paymentID('payin_m_01', 'PAY-IN') }))
        .v3GetPaymentResponse,
      'payment',
    ).data;
    expect(payin.initialAmount).toBe(10_000n);
    expect(payin.amount).toBe(10_000n - 400n - 100n);
    expect((payin.adjustments ?? []).map((a) => [a.reference, a.status]).sort()).toEqual(
      [
        ['payin_m_01', 'SUCCEEDED'],
        ['refund_m_01', 'REFUNDED'],
        ['refund_m_02', 'REFUNDED'],
      ].sort(),
    );
    const transfer = all.find((p) => p.reference === 'transfer_m_01');
    expect(transfer).toMatchObject({
      sourceAccountID: accountID('wlt_m_01'),
      destinationAccountID: accountID('wlt_m_03'),
      asset: 'EUR/2',
    });
  });

  it('creates one hook per event type pointing at the public webhook URL', async () => {
    await eventually(async () => (data.hooks.length === 20 ? true : undefined), 20_000, 'the hooks');
    const base = `${publicUrl}/api/payments/v3/connectors/webhooks/${connectorID}`;
    expect(data.hooks.find((h) => h.EventType === 'PAYIN_NORMAL_SUCCEEDED')).toMatchObject({
      Url: `${base}/payin_normal_succeeded`,
      Status: 'ENABLED',
    });
  });

  it('a notification lands through the ingress and brings in the pay-in the API then shows', async () => {
    await eventually(async () => (data.hooks.length === 20 ? true : undefined), 20_000, 'the hooks');
    const now = Math.floor(Date.now() / 1000);
    data.transactions.wlt_m_01?.push({
      Id: 'payin_m_hook',
      CreationDate: now,
      AuthorId: 'user_m_01',
      DebitedFunds: { Currency: 'EUR', Amount: 4200 },
      CreditedFunds: { Currency: 'EUR', Amount: 4200 },
      Fees: { Currency: 'EUR', Amount: 0 },
      Status: 'SUCCEEDED',
      ExecutionDate: now,
      Type: 'PAYIN',
      Nature: 'REGULAR',
      CreditedWalletId: 'wlt_m_01',
      DebitedWalletId: null,
    });
    const hook = (id: string) =>
      `${service.url}/api/payments/v3/connectors/webhooks/${connectorID}/payin_normal_succeeded` +
      `?EventType=PAYIN_NORMAL_SUCCEEDED&RessourceId=${id}&Date=${now}`;
    const real = await fetch(hook('payin_m_hook'));
    expect(real.status).toBe(200);
    // A forged notification for a pay-in Mangopay does not know: stored, refused by its verification, no data.
    const forged = await fetch(hook('payin_m_invented'));
    expect(forged.status).toBe(200);
    const payment = await eventually(async () => {
      const found = (await payments()).find((p) => p.reference === 'payin_m_hook');
      return found;
    }, 20_000);
    expect(payment).toMatchObject({ type: 'PAY-IN', status: 'SUCCEEDED', amount: 4200n, asset: 'EUR/2' });
    const deliveries = await eventually(async () => {
      const response = await fetch(`${service.url}/v3/connectors/${connectorID}/webhooks?pageSize=100`);
      const rows = ((await response.json()) as { cursor: { data: { status: string }[] } }).cursor.data;
      return rows.length === 2 && rows.every((r) => r.status !== 'RECEIVED') ? rows : undefined;
    }, 20_000);
    expect(deliveries.map((d) => d.status).sort()).toEqual(['PROCESSED', 'REJECTED']);
    expect((await payments()).some((p) => p.reference === 'payin_m_invented')).toBe(false);
  });

  it('initiates a wallet-to-wallet transfer that Mangopay performs once, with the engine’s idempotency key, and reverses it', async () => {
    const response = await sdk.payments.v3.initiatePayment({
      noValidation: true,
      v3InitiatePaymentRequest: {
        reference: 'e2e-transfer-1',
        connectorID,
        type: 'TRANSFER',
        amount: 1_000n,
        asset: 'EUR/2',
        description: 'e2e transfer',
        sourceAccountID: accountID('wlt_m_01'),
        destinationAccountID: accountID('wlt_m_03'),
        scheduledAt: new Date('0001-01-01T00:00:00Z'),
        metadata: {},
      },
    });
    const id = present(
      present(response.v3InitiatePaymentResponse, 'initiate').data.paymentInitiationID,
      'id',
    );
    await eventually(async () => {
      const pi = present(
        (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
          .v3GetPaymentInitiationResponse,
        'initiation',
      ).data;
      return pi.status === 'PROCESSED' ? pi : undefined;
    }, 20_000);
    const transfers = psp.movements.filter((m) => m.route.endsWith('/transfers'));
    expect(transfers).toHaveLength(1);
    expect(transfers[0]?.key).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(transfers[0]?.request.json()).toMatchObject({
      AuthorId: 'user_m_01',
      DebitedWalletId: 'wlt_m_01',
      CreditedWalletId: 'wlt_m_03',
      DebitedFunds: { Currency: 'EUR', Amount: 1000 },
      Tag: 'e2e-transfer-1',
    });

    // Mangopay refunds a transfer in full: the reversal becomes a REFUNDED adjustment of the transfer.
    const reversed = await sdk.payments.v3.reversePaymentInitiation({
      paymentInitiationID: id,
      v3ReversePaymentInitiationRequest: {
        reference: 'e2e-transfer-1-reversal',
        amount: 1_000n,
        asset: 'EUR/2',
        description: 'e2e reversal',
        metadata: {},
      },
    });
    expect(
      present(reversed.v3ReversePaymentInitiationResponse, 'reverse').data.paymentInitiationReversalID,
    ).toBeTruthy();
    await eventually(async () => {
      const pi = present(
        (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
          .v3GetPaymentInitiationResponse,
        'initiation',
      ).data;
      return pi.status === 'REVERSED' ? pi : undefined;
    }, 20_000);
    const refunds = psp.movements.filter((m) => m.route.endsWith('/transfers/:id/refunds'));
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.request.path).toBe(
      `/v2.01/${FAKE_CLIENT_ID}/transfers/${String((transfers[0]?.answer.json as { Id: string }).Id)}/refunds`,
    );
    const related = present(
      (await sdk.payments.v3.listPaymentInitiationRelatedPayments({ paymentInitiationID: id }))
        .v3PaymentInitiationRelatedPaymentsCursorResponse,
      'related',
    ).cursor.data;
    expect(related.map((p) => [p.type, p.amount, p.status])).toEqual([['TRANSFER', 0n, 'REFUNDED']]);
  });

  it('initiates a bank-wire payout, polled until Mangopay settles it', async () => {
    const response = await sdk.payments.v3.initiatePayment({
      noValidation: true,
      v3InitiatePaymentRequest: {
        reference: 'e2e-payout-1',
        connectorID,
        type: 'PAYOUT',
        amount: 700n,
        asset: 'EUR/2',
        description: 'e2e payout',
        sourceAccountID: accountID('wlt_m_01'),
        destinationAccountID: accountID('bankacc_m_01'),
        scheduledAt: new Date('0001-01-01T00:00:00Z'),
        metadata: {},
      },
    });
    const id = present(
      present(response.v3InitiatePaymentResponse, 'initiate').data.paymentInitiationID,
      'id',
    );
    const payout = await eventually(
      async () => psp.movements.find((m) => m.route.endsWith('/payouts/bankwire')),
      20_000,
    );
    const created = payout.answer.json as { Id: string };
    const stored = data.transactions.wlt_m_01?.find((t) => t.Id === created.Id);
    Object.assign(stored ?? {}, { Status: 'SUCCEEDED', ExecutionDate: T + 10_000, ResultCode: '000000' });
    await eventually(async () => {
      const pi = present(
        (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
          .v3GetPaymentInitiationResponse,
        'initiation',
      ).data;
      return pi.status === 'PROCESSED' ? pi : undefined;
    }, 30_000);
    expect(psp.movements.filter((m) => m.route.endsWith('/payouts/bankwire'))).toHaveLength(1);
  });

  it('refuses an install with wrong credentials with a 400 that gives Mangopay’s reason', async () => {
    const error = await expectV3Error(
      sdk.payments.v3.installConnector({
        connector: 'mangopay',
        v3ConnectorConfig: {
          provider: 'Mangopay',
          name: 'mangopay-wrong',
          clientID: FAKE_CLIENT_ID,
          apiKey: 'wrong-api-key',
          endpoint: psp.url,
        },
      }),
      400,
      'VALIDATION',
    );
    expect(error.errorMessage).toContain('Authentication failed: invalid client credentials');
  });
});
