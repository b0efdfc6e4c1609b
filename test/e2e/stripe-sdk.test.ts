// The Stripe connector end to end: installed in the service against a fake Stripe, its fixtures ingested
// through the engine and read with the official SDK, money moved and reversed through payment initiations,
// webhook deliveries through the ingress, and an install with a refused key answered 400 with Stripe's reason.
import { SDK } from '@formance/formance-sdk';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import type { PaymentType } from '../../src/domain/enums.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import {
  FAKE_API_KEY,
  PLATFORM_ID,
  expectedCounts,
  loadFixtures,
  serveStripe,
  type StripeData,
} from '../../src/connectors/stripe/fake.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { balancesOnceThere, collectPages, present } from './sdk-helpers.js';

let psp: FakePsp;
let data: StripeData;
let service: TestService;
let sdk: SDK;
let connectorID: string;
const signer = new Stripe('sk_test_signing_only');
const CONNECTED_A = 'acct_1PbConnA0001';

const paymentId = (reference: string, type: PaymentType) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type });
const accountId = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

async function install(name: string, apiKey: string): Promise<Response> {
  return fetch(`${service.url}/v3/connectors/install/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, apiKey, endpoint: psp.url, pollingPeriod: '2s' }),
  });
}

beforeAll(async () => {
  psp = await FakePsp.start();
  data = loadFixtures();
  serveStripe(psp, data);
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The fake is on a loopback address: named here, its answers (Stripe's reasons) are shown in full.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
  const installed = await install('stripe-e2e', FAKE_API_KEY);
  expect(installed.status).toBe(202);
  connectorID = ((await installed.json()) as { data: string }).data;
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const payment = async (reference: string, type: PaymentType) =>
  present(
    (await sdk.payments.v3.getPayment({ paymentID: paymentId(reference, type) })).v3GetPaymentResponse,
    'payment',
  ).data;

describe('Stripe through the service', () => {
  it('refuses an install with a key Stripe refuses: 400 with Stripe’s reason', async () => {
    const refused = await install('stripe-wrong-key', 'sk_test_wrong0000000000');
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { errorCode: string; errorMessage: string };
    expect(body.errorCode).toBe('VALIDATION');
    expect(body.errorMessage).toContain('Invalid API Key provided');
    expect(body.errorMessage).not.toContain('sk_test_wrong0000000000');
  });

  it('ingests the platform, its connected accounts, their balances, external accounts and payments', async () => {
    const expected = expectedCounts(data);
    const accounts = await eventually(
      async () => {
        const all = await collectPages(
          async () =>
            present(
              (await sdk.payments.v3.listAccounts({ pageSize: 100 })).v3AccountsCursorResponse,
              'accounts',
            ).cursor,
          async (cursor) =>
            present((await sdk.payments.v3.listAccounts({ cursor })).v3AccountsCursorResponse, 'accounts')
              .cursor,
        );
        const mine = all.filter((a) => a.connectorID === connectorID);
        return mine.length >= expected.accounts ? mine : undefined;
      },
      30_000,
      'the accounts',
    );
    const byReference = new Map(accounts.map((a) => [a.reference, a]));
    expect(byReference.get(PLATFORM_ID)).toMatchObject({ type: 'INTERNAL', name: 'Paybridge Marketplace' });
    expect(byReference.get(CONNECTED_A)).toMatchObject({ type: 'INTERNAL', defaultAsset: 'EUR/2' });
    expect(byReference.get('ba_1PbA0001')).toMatchObject({ type: 'EXTERNAL' });
    expect(byReference.get('card_1PbA0002')).toMatchObject({ type: 'EXTERNAL' });

    await eventually(async () => {
      const listed = await collectPages(
        async () =>
          present(
            (await sdk.payments.v3.listPayments({ pageSize: 100 })).v3PaymentsCursorResponse,
            'payments',
          ).cursor,
        async (cursor) =>
          present((await sdk.payments.v3.listPayments({ cursor })).v3PaymentsCursorResponse, 'payments')
            .cursor,
      );
      return listed.filter((p) => p.connectorID === connectorID).length >= expected.payments
        ? true
        : undefined;
    }, 30_000);

    // A card charge of 25.00, refunded 10.00: the refund is an adjustment of the charge (which the engine
    // nets), never a payment of its own.
    const charge = await payment('ch_1Pb0001', 'PAY-IN');
    expect(charge).toMatchObject({ amount: 1500n, asset: 'EUR/2', scheme: 'CARD_VISA' });
    expect(charge.adjustments?.map((a) => [a.status, a.amount]).sort()).toEqual([
      ['REFUNDED', 1000n],
      ['SUCCEEDED', 2500n],
    ]);
    await expect(
      sdk.payments.v3.getPayment({ paymentID: paymentId('re_1Pb0005', 'PAY-IN') }),
    ).rejects.toThrow();
    // Zero-decimal and special-case currencies keep Stripe's own units.
    expect(await payment('ch_1Pb0004', 'PAY-IN')).toMatchObject({ amount: 5000n, asset: 'JPY/0' });
    expect(await payment('ch_1Pb0010', 'PAY-IN')).toMatchObject({ amount: 50000n, asset: 'ISK/2' });
    expect(await payment('ch_1Pb0003', 'PAY-IN')).toMatchObject({ status: 'DISPUTE' });
    expect(await payment('po_1Pb0008', 'PAYOUT')).toMatchObject({ status: 'PENDING', amount: 50000n });
    // 30.00 transferred, 5.00 of it reversed (an adjustment of the transfer).
    expect(await payment('tr_1Pb0007', 'TRANSFER')).toMatchObject({
      amount: 2500n,
      destinationAccountID: accountId(CONNECTED_A),
    });
    // The connected account's own balance transactions were read with Stripe-Account.
    expect(await payment('po_1PbA0002', 'PAYOUT')).toMatchObject({ status: 'SUCCEEDED' });
    psp.assertRequests('GET', '/v1/balance_transactions', {
      headers: { authorization: `Bearer ${FAKE_API_KEY}` },
    });
    expect(
      psp
        .requestsTo('GET', '/v1/balance_transactions')
        .some((r) => r.headers['stripe-account'] === CONNECTED_A),
    ).toBe(true);

    const balances = await balancesOnceThere(sdk, accountId(PLATFORM_ID), 2);
    expect(balances.map((b) => [b.asset, b.balance]).sort()).toEqual([
      ['EUR/2', 120000n],
      ['JPY/0', 5000n],
    ]);
  }, 60_000);

  it('creates both webhook endpoints, takes a signed delivery in, and refuses a forged one', async () => {
    const endpoints = await eventually(async () =>
      data.webhookEndpoints.length === 2 ? data.webhookEndpoints : undefined,
    );
    const base = `/api/payments/v3/connectors/webhooks/${connectorID}`;
    expect(endpoints.map((e) => new URL(String(e.url)).pathname).sort()).toEqual([
      `${base}/connect`,
      `${base}/platform`,
    ]);
    const connect = endpoints.find((e) => String(e.url).endsWith('/connect'));
    const charge = {
      ...((data.balanceTransactions[CONNECTED_A]?.[0]?.source as object) ?? {}),
      id: 'ch_1PbHook0001',
      object: 'charge',
      amount: 7777,
      currency: 'eur',
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
    const event = {
      id: 'evt_1PbHook0001',
      object: 'event',
      account: CONNECTED_A,
      created: Math.floor(Date.now() / 1000),
      data: { object: charge },
      livemode: false,
      pending_webhooks: 1,
      type: 'charge.succeeded',
    };
    const body = JSON.stringify(event);
    const deliver = (secret: string) =>
      fetch(`${service.url}${base}/connect`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: body, secret }),
        },
        body,
      });
    expect((await deliver('whsec_forged000000000000')).status).toBe(401);
    expect((await deliver(String(connect?.secret))).status).toBe(200);
    const hooked = await eventually(async () => {
      const found = await sdk.payments.v3
        .getPayment({ paymentID: paymentId('ch_1PbHook0001', 'PAY-IN') })
        .then((r) => r.v3GetPaymentResponse?.data)
        .catch(() => undefined);
      return found;
    }, 20_000);
    expect(hooked).toMatchObject({
      amount: 7777n,
      status: 'SUCCEEDED',
      destinationAccountID: accountId(CONNECTED_A),
    });
  }, 40_000);

  it('transfers to a connected account with the engine’s Idempotency-Key, reverses part of it, and pays out', async () => {
    await eventually(async () => {
      const rows = await service.paybridge.deps.db
        .selectFrom('accounts')
        .select('id')
        .where('connector_id', '=', connectorID)
        .execute();
      return rows.length > 0 ? true : undefined;
    });
    const initiated = present(
      (
        await sdk.payments.v3.initiatePayment({
          noValidation: true,
          v3InitiatePaymentRequest: {
            reference: 'stripe-transfer-1',
            connectorID,
            type: 'TRANSFER',
            amount: 1500n,
            asset: 'EUR/2',
            description: 'seller share',
            sourceAccountID: accountId(PLATFORM_ID),
            destinationAccountID: accountId(CONNECTED_A),
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
            metadata: { order: 'o-1' },
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate',
    ).data;
    const id = present(initiated.paymentInitiationID, 'id');
    const status = (want: string) =>
      eventually(
        async () => {
          const pi = present(
            (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
              .v3GetPaymentInitiationResponse,
            'initiation',
          ).data;
          return pi.status === want ? pi : undefined;
        },
        20_000,
        `the initiation to be ${want}`,
      );
    await status('PROCESSED');
    const [sent] = psp.assertRequests('POST', '/v1/transfers', {
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
      formBody: {
        amount: '1500',
        currency: 'eur',
        destination: CONNECTED_A,
        transfer_group: 'stripe-transfer-1',
      },
    });
    expect(psp.movements.filter((m) => m.route === 'POST /v1/transfers')).toHaveLength(1);
    expect(sent?.headers['stripe-account']).toBeUndefined();

    await sdk.payments.v3.reversePaymentInitiation({
      paymentInitiationID: id,
      v3ReversePaymentInitiationRequest: {
        reference: 'stripe-transfer-1-back',
        amount: 500n,
        asset: 'EUR/2',
        description: 'returned item',
        metadata: {},
      },
    });
    await status('REVERSED');
    psp.assertRequests('POST', '/v1/transfers/:id/reversals', {
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
      formBody: { amount: '500' },
    });

    const payout = present(
      (
        await sdk.payments.v3.initiatePayment({
          noValidation: true,
          v3InitiatePaymentRequest: {
            reference: 'stripe-payout-1',
            connectorID,
            type: 'PAYOUT',
            amount: 2000n,
            asset: 'EUR/2',
            description: 'weekly payout',
            sourceAccountID: accountId(CONNECTED_A),
            destinationAccountID: accountId('ba_1PbA0001'),
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
            metadata: {},
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate payout',
    ).data;
    const created = await eventually(async () => data.payouts[0]);
    expect(created).toMatchObject({
      amount: 2000,
      currency: 'eur',
      destination: 'ba_1PbA0001',
      account: CONNECTED_A,
    });
    psp.assertRequests('POST', '/v1/payouts', {
      headers: { 'stripe-account': CONNECTED_A },
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
    });
    // Pending at Stripe until the bank takes it; once paid, the initiation's polling settles it.
    created.status = 'paid';
    const payoutId = present(payout.paymentInitiationID, 'payout id');
    await eventually(
      async () => {
        const pi = present(
          (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: payoutId }))
            .v3GetPaymentInitiationResponse,
          'payout initiation',
        ).data;
        return pi.status === 'PROCESSED' ? pi : undefined;
      },
      30_000,
      'the payout to be PROCESSED',
    );
  }, 90_000);

  it('uninstall deletes both webhook endpoints at Stripe', async () => {
    expect(data.webhookEndpoints).toHaveLength(2);
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(
      async () => {
        const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
        return t.status === 'SUCCEEDED' ? true : undefined;
      },
      30_000,
      'the uninstall task',
    );
    expect(data.webhookEndpoints).toEqual([]);
    expect(psp.requestsTo('DELETE', '/v1/webhook_endpoints/:id')).toHaveLength(2);
  }, 40_000);
});
