// Increase end to end: the service installs the connector against a fake Increase; accounts, balances, external
// accounts and the three money lists are ingested through the engine and read with the official
// @formance/formance-sdk (a pending ACH transfer and its posted transaction as one payment, a declined card payment
// FAILED); an account transfer and an ACH payout move money with the engine's Idempotency-Key; a signed event
// lands through the ingress and a forged one is refused; a wrong key fails the install with Increase's reason;
// uninstall deletes the event subscription.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentType } from '../../src/domain/enums.js';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import {
  configFor,
  EXPECTED,
  newWorld,
  serveIncrease,
  settle,
  type IncreaseWorld,
  type Obj,
} from '../../src/connectors/increase/fake.js';
import { ACCOUNT_A, ACCOUNT_B, standardHeaders } from '../../src/connectors/increase/test-support.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { accountsOnceThere, allPayments, present, rawGet } from './sdk-helpers.js';

let psp: FakePsp;
let world: IncreaseWorld;
let service: TestService;
let sdk: SDK;
let connectorID: string;

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
const paymentID = (reference: string, type: PaymentType) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type });
const payment = async (reference: string, type: PaymentType) =>
  present(
    (await sdk.payments.v3.getPayment({ paymentID: paymentID(reference, type) })).v3GetPaymentResponse,
    'payment',
  ).data;

const install = (config: Record<string, string>) =>
  fetch(`${service.url}/api/payments/v3/connectors/install/increase`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Polled once at install, then hourly: what arrives later in this file arrives through webhooks or writes.
    body: JSON.stringify({ name: 'increase-e2e', pollingPeriod: '1h', ...config }),
  });

beforeAll(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveIncrease(psp, world);
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The operator names the (local) PSP host, so Increase's reasons reach API callers unredacted.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
}, 60_000);

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

describe('Increase through the official SDK', () => {
  it('refuses an install with a wrong key, answering 400 with Increase’s reason', async () => {
    const response = await install({ ...configFor(psp), apiKey: 'not-an-increase-key' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorMessage?: string };
    expect(body.errorMessage).toContain('Invalid API key');
    expect(JSON.stringify(body)).not.toContain('not-an-increase-key');
  });

  it('installs and ingests accounts, balances, external accounts and one payment per movement', async () => {
    const response = await install(configFor(psp));
    expect(response.status).toBe(202);
    connectorID = ((await response.json()) as { data: string }).data;

    const accounts = await accountsOnceThere(sdk, EXPECTED.accounts, connectorID);
    const byRef = new Map(accounts.map((a) => [a.reference, a]));
    expect(byRef.get(ACCOUNT_A)).toMatchObject({
      type: 'INTERNAL',
      defaultAsset: 'USD/2',
      name: 'Operating',
    });
    expect(byRef.get('external_account_ukk55lr923a3ac0pp7iv')).toMatchObject({
      type: 'EXTERNAL',
      name: 'Landlord',
    });

    // Read past the SDK, which parses numbers as doubles: the balance is above 2^53 and must stay exact.
    const balance = await eventually(async () => {
      const { body } = await rawGet(service.url, `/accounts/${accountID(ACCOUNT_A)}/balances`);
      return (body as { cursor: { data: { asset: string; balance: bigint }[] } }).cursor.data[0];
    });
    expect(balance).toMatchObject({ asset: 'USD/2', balance: 9_007_199_254_740_993n });

    const payments = await eventually(
      async () => {
        const rows = (await allPayments(sdk)).filter((p) => p.connectorID === connectorID);
        const settled = rows.find((p) => p.reference === 'ach_transfer_uoxatyh3lt5evrsdvo7q');
        return rows.length === EXPECTED.payments && settled?.status === 'SUCCEEDED' ? rows : undefined;
      },
      30_000,
      'ten payments',
    );
    expect(payments).toHaveLength(EXPECTED.payments);

    // Pending, then posted: one payment with both observations.
    const ach = await payment('ach_transfer_uoxatyh3lt5evrsdvo7q', 'PAYOUT');
    expect(ach).toMatchObject({
      status: 'SUCCEEDED',
      amount: 12_345n,
      scheme: 'ACH',
      sourceAccountID: accountID(ACCOUNT_A),
    });
    expect((ach.adjustments ?? []).map((a) => a.status).sort()).toEqual(['PENDING', 'SUCCEEDED']);
    // Both legs of the account transfer: one TRANSFER between the two accounts.
    expect(await payment('account_transfer_7k9qe1ysdgqztnt63l7n', 'TRANSFER')).toMatchObject({
      amount: 5000n,
      sourceAccountID: accountID(ACCOUNT_A),
      destinationAccountID: accountID(ACCOUNT_B),
    });
    expect((await payment('card_payment_m4n6b8v0c2x4z6l8k0j2', 'PAYOUT')).status).toBe('FAILED');
    expect((await payment('real_time_payments_transfer_iyuhl5kdn7ssmup83mvq', 'PAYOUT')).status).toBe(
      'PENDING',
    );
    expect((await payment('transaction_m1n3b5v7c9x1z3l5k7j9', 'OTHER')).status).toBe('SUCCEEDED');
  }, 60_000);

  it('subscribes at the public URL, takes a signed event through the ingress, and refuses a forged one', async () => {
    const subscription = await eventually(async () =>
      world.eventSubscriptions.find((s) => s.status === 'active'),
    );
    const path = `/api/payments/v3/connectors/webhooks/${connectorID}/events`;
    expect(new URL(String(subscription.url)).pathname).toBe(path);

    const template = world.transactions.find((t) => t.id === 'transaction_x1c3v5b7n9m1q3w5e7r9') as Obj;
    world.transactions.push({
      ...structuredClone(template),
      id: 'transaction_hook0000000000000001',
      amount: 4321,
      created_at: new Date().toISOString(),
      source: {
        category: 'inbound_wire_transfer',
        inbound_wire_transfer: { amount: 4321, transfer_id: 'inbound_wire_transfer_hook000000001' },
      },
    });
    const body = JSON.stringify({
      id: 'event_hook0000000000000001',
      associated_object_id: 'transaction_hook0000000000000001',
      associated_object_type: 'transaction',
      category: 'transaction.created',
      created_at: new Date().toISOString(),
      type: 'event',
    });
    const deliver = (secret: string) =>
      fetch(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...standardHeaders(secret, body, new Date()) },
        body,
      });
    expect((await deliver('a-forged-secret')).status).toBe(401);
    expect((await deliver(String(subscription.shared_secret))).status).toBe(200);
    // Increase delivers again: the event id keeps it one.
    expect((await deliver(String(subscription.shared_secret))).status).toBe(200);
    const hooked = await eventually(
      () =>
        sdk.payments.v3
          .getPayment({ paymentID: paymentID('inbound_wire_transfer_hook000000001', 'PAY-IN') })
          .then((r) => r.v3GetPaymentResponse?.data)
          .catch(() => undefined),
      20_000,
      'the payment from the webhook',
    );
    expect(hooked).toMatchObject({
      amount: 4321n,
      status: 'SUCCEEDED',
      destinationAccountID: accountID(ACCOUNT_A),
    });
    expect(psp.requestsTo('GET', '/transactions/:id').map((r) => r.params.id)).toContain(
      'transaction_hook0000000000000001',
    );
  }, 40_000);

  it('moves money with the engine’s Idempotency-Key: an account transfer, and an ACH payout polled until submitted', async () => {
    const initiate = async (
      reference: string,
      type: 'TRANSFER' | 'PAYOUT',
      destination: string,
      metadata = {},
    ) =>
      present(
        present(
          (
            await sdk.payments.v3.initiatePayment({
              noValidation: true,
              v3InitiatePaymentRequest: {
                reference,
                connectorID,
                type,
                amount: 2500n,
                asset: 'USD/2',
                description: 'Invoice 42',
                sourceAccountID: accountID(ACCOUNT_A),
                destinationAccountID: accountID(destination),
                scheduledAt: new Date('0001-01-01T00:00:00Z'),
                metadata,
              },
            })
          ).v3InitiatePaymentResponse,
          'initiate',
        ).data.paymentInitiationID,
        'initiation id',
      );
    const status = (id: string, want: string) =>
      eventually(
        async () => {
          const pi = present(
            (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
              .v3GetPaymentInitiationResponse,
            'initiation',
          ).data;
          return pi.status === want ? pi : undefined;
        },
        30_000,
        `the initiation to be ${want}`,
      );

    const transfer = await initiate('increase-transfer-1', 'TRANSFER', ACCOUNT_B);
    await status(transfer, 'PROCESSED');
    psp.assertRequests('POST', '/account_transfers', {
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
      jsonBody: { account_id: ACCOUNT_A, destination_account_id: ACCOUNT_B, amount: 2500 },
    });

    const payout = await initiate('increase-payout-1', 'PAYOUT', 'external_account_ukk55lr923a3ac0pp7iv', {
      'com.increase.spec/rail': 'ach',
    });
    const created = await eventually(async () => world.transfers.find((t) => t.type === 'ach_transfer'));
    psp.assertRequests('POST', '/ach_transfers', {
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
    });
    settle(world, created.id);
    await status(payout, 'PROCESSED');
    expect(psp.movements.filter((m) => m.route === 'POST /ach_transfers')).toHaveLength(1);
    expect((await payment(created.id, 'PAYOUT')).status).toBe('SUCCEEDED');

    // Increase cannot undo a settled transfer: the reversal fails, it is not faked.
    await sdk.payments.v3.reversePaymentInitiation({
      paymentInitiationID: transfer,
      v3ReversePaymentInitiationRequest: {
        reference: 'increase-transfer-1-back',
        amount: 2500n,
        asset: 'USD/2',
        description: 'undo',
        metadata: {},
      },
    });
    await status(transfer, 'REVERSE_FAILED');
    expect(psp.writes().filter((r) => r.path.includes('cancel') || r.path.includes('revers'))).toEqual([]);
  }, 90_000);

  it('forwards a bank account as an Increase external account, with the routing number from its metadata', async () => {
    const bankAccountID = present(
      (
        await sdk.payments.v3.createBankAccount({
          name: 'Ada Lovelace',
          accountNumber: '000123456789',
          country: 'US',
          metadata: { 'com.increase.spec/routing_number': '101050001' },
        })
      ).v3CreateBankAccountResponse,
      'bank account',
    ).data;
    const taskID = present(
      (
        await sdk.payments.v3.forwardBankAccount({
          bankAccountID,
          v3ForwardBankAccountRequest: { connectorID },
        })
      ).v3ForwardBankAccountResponse,
      'forward',
    ).data.taskID;
    const task = await eventually(
      async () => {
        const t = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
        return t.status === 'SUCCEEDED' ? t : undefined;
      },
      30_000,
      'the forward task',
    );
    const [sent] = psp.assertRequests('POST', '/external_accounts', {
      idempotencyKey: { location: { header: 'Idempotency-Key' } },
      jsonBody: { account_number: '000123456789', routing_number: '101050001', description: 'Ada Lovelace' },
    });
    const created = world.externalAccounts.find((a) => a.account_number === '000123456789');
    expect(created?.idempotency_key).toBe(sent?.headers['idempotency-key']);
    expect(task.createdObjectID).toBe(accountID(String(created?.id)));
  }, 40_000);

  it('uninstall deletes the event subscription at Increase', async () => {
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
    expect(world.eventSubscriptions.filter((s) => s.status !== 'deleted')).toEqual([]);
  }, 40_000);
});
