// Wise end to end: the service installs the connector against a fake Wise, ingests profiles, balance
// accounts, balances, recipients and transfers through the engine, read back through the official
// @formance/formance-sdk; a payout goes quote → transfer → funding and settles by polling; a reversal
// meets Wise's rule (no cancel once the money left); a signed webhook lands through the ingress and a
// forged one is refused; a wrong token fails the install with Wise's reason; uninstall deletes the
// subscriptions.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import { configFor, newWorld, serveWise, signBody, type WiseWorld } from '../../src/connectors/wise/fake.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { accountsOnceThere, allPayments, balancesOnceThere, present } from './sdk-helpers.js';

let psp: FakePsp;
let world: WiseWorld;
let service: TestService;
let sdk: SDK;
let connectorID: string;

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
const paymentID = (reference: string) =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type: 'PAYOUT' });

const install = (config: Record<string, string>) =>
  fetch(`${service.url}/api/payments/v3/connectors/install/wise`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // The SDK's V3WiseConfig has no `endpoint` (Formance hard-codes Wise's host), so the install goes as the
    // console form sends it; everything after is read through the SDK.
    body: JSON.stringify({ name: 'wise-e2e', pollingPeriod: '1h', ...config }),
  });

const payment = async (reference: string) =>
  present(
    (await sdk.payments.v3.getPayment({ paymentID: paymentID(reference) })).v3GetPaymentResponse,
    'payment',
  ).data;

beforeAll(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveWise(psp, world);
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    // The operator names the (local) PSP host, so its answers reach API callers unredacted, as Wise's would.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

describe('Wise through the official SDK', () => {
  it('refuses an install with a wrong token, answering 400 with Wise’s reason', async () => {
    const response = await install({ ...configFor(psp, world), apiKey: 'not-a-wise-token' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorMessage?: string };
    expect(body.errorMessage).toContain('Invalid token');
    expect(JSON.stringify(body)).not.toContain('not-a-wise-token');
  });

  it('installs and ingests balance accounts, balances, recipients and transfers', async () => {
    const response = await install(configFor(psp, world));
    expect(response.status).toBe(202);
    connectorID = ((await response.json()) as { data: string }).data;

    const accounts = await accountsOnceThere(sdk, 9);
    const byRef = new Map(accounts.map((a) => [a.reference, a]));
    expect(byRef.get('200002')).toMatchObject({ type: 'INTERNAL', defaultAsset: 'JPY/0', connectorID });
    expect(byRef.get('200001')?.metadata).toMatchObject({ 'com.wise.spec/profile_id': '30000001' });
    expect(byRef.get('40000004')).toMatchObject({ type: 'EXTERNAL', name: 'Katherine Johnson' });

    const balances = await balancesOnceThere(sdk, accountID('200004'));
    expect(balances[0]).toMatchObject({ asset: 'BHD/3', balance: 12_345n });

    const payments = await eventually(
      async () => {
        const rows = await allPayments(sdk);
        return rows.length === 12 ? rows : undefined;
      },
      30_000,
      'twelve payments',
    );
    const first = payments.find((p) => p.reference === '50000001');
    expect(first).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 10_050n,
      asset: 'EUR/2',
      sourceAccountID: accountID('200001'),
      destinationAccountID: accountID('40000001'),
    });
    expect(payments.find((p) => p.reference === '50000012')).toMatchObject({
      asset: 'BHD/3',
      amount: 1_234n,
    });
    expect(payments.find((p) => p.reference === '50000010')?.status).toBe('OTHER');

    // Subscriptions for both events on both profiles, at the service's public webhook URL.
    await eventually(async () => (Object.values(world.subscriptions).flat().length === 4 ? true : undefined));
    for (const subscription of Object.values(world.subscriptions).flat()) {
      expect(String((subscription.delivery as { url: string }).url)).toMatch(
        new RegExp(`/api/payments/v3/connectors/webhooks/${connectorID}/profiles/\\d+/`),
      );
    }
  }, 60_000);

  it('takes a signed transfers#state-change delivery through the ingress, and refuses a forged one', async () => {
    const transfer = world.transfers.find((t) => t.id === 50000002);
    if (!transfer) throw new Error('fixture transfer 50000002 is missing');
    transfer.status = 'outgoing_payment_sent';
    const now = new Date().toISOString();
    const body = JSON.stringify({
      data: {
        resource: { type: 'transfer', id: 50000002, profile_id: 30000001, account_id: 40000002 },
        current_state: 'outgoing_payment_sent',
        previous_state: 'processing',
        occurred_at: now,
      },
      subscription_id: 'sub',
      event_type: 'transfers#state-change',
      schema_version: '2.0.0',
      sent_at: now,
    });
    const url = `${service.url}/api/payments/v3/connectors/webhooks/${connectorID}/profiles/30000001/transfers-state-change`;
    const post = (signature: string, extra: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-signature-sha256': signature, ...extra },
        body,
      });
    const forged = await post(signBody(body, newWorld().privateKey), { 'x-test-notification': 'true' });
    expect(forged.status).toBe(401);
    const delivered = await post(signBody(body, world.privateKey), { 'x-delivery-id': 'delivery-1' });
    expect(delivered.status).toBe(200);
    // The polling period is an hour: only the webhook can have brought the new state.
    await eventually(
      async () => ((await payment('50000002')).status === 'SUCCEEDED' ? true : undefined),
      30_000,
    );
  }, 60_000);

  it('pays out through quote, transfer and funding, settles by polling, and cannot cancel once the money left', async () => {
    const transfersBefore = world.transfers.length;
    const initiated = present(
      (
        await sdk.payments.v3.initiatePayment({
          noValidation: true,
          v3InitiatePaymentRequest: {
            reference: 'wise-payout-1',
            connectorID,
            type: 'PAYOUT',
            amount: 4_200n,
            asset: 'EUR/2',
            description: 'Invoice 77',
            sourceAccountID: accountID('200001'),
            destinationAccountID: accountID('40000002'),
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
            metadata: {},
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate',
    ).data;
    const id = present(initiated.paymentInitiationID, 'initiation id');
    const status = async () =>
      present(
        (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
          .v3GetPaymentInitiationResponse,
        'initiation',
      ).data.status;
    const created = await eventually(async () => world.transfers[transfersBefore], 30_000, 'the transfer');
    expect(world.transfers).toHaveLength(transfersBefore + 1);
    expect(created).toMatchObject({ status: 'processing', sourceValue: 42, targetAccount: 40000002 });
    expect(String(created.customerTransactionId)).toMatch(/^[0-9a-f-]{36}$/);
    expect(psp.requestsTo('POST', '/v3/profiles/30000001/transfers/:id/payments')).toHaveLength(1);
    expect(await status()).toBe('PROCESSING');

    created.status = 'outgoing_payment_sent';
    await eventually(async () => ((await status()) === 'PROCESSED' ? true : undefined), 60_000, 'PROCESSED');
    expect((await payment(String(created.id))).status).toBe('SUCCEEDED');

    // Wise cancels only until the money leaves; the engine reverses only processed payouts, which at
    // Wise have left: the reversal is refused with Wise's rule, and nothing is cancelled.
    await sdk.payments.v3.reversePaymentInitiation({
      paymentInitiationID: id,
      v3ReversePaymentInitiationRequest: {
        reference: 'wise-payout-1-cancel',
        amount: 4_200n,
        asset: 'EUR/2',
        description: 'cancel',
        metadata: {},
      },
    });
    await eventually(
      async () => ((await status()) === 'REVERSE_FAILED' ? true : undefined),
      60_000,
      'REVERSE_FAILED',
    );
    expect(created.status).toBe('outgoing_payment_sent');
    expect(psp.requestsTo('PUT', '/v1/transfers/:id/cancel')).toEqual([]);
  }, 120_000);

  it('deletes the subscriptions at uninstall', async () => {
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? true : undefined;
    }, 30_000);
    expect(Object.values(world.subscriptions).flat()).toEqual([]);
  });
});
