// Column end to end: the service installs the connector against a fake Column, ingests bank accounts,
// balances, counterparties and transfers of every rail through the engine, read back through the official
// @formance/formance-sdk; a book transfer and an ACH payout (then its reversal) go out under idempotency
// keys; a signed webhook lands through the ingress and a forged one is refused; a wrong key fails the
// install with Column's reason; uninstall deletes the webhook endpoint.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signedEvent,
  configFor,
  newWorld,
  serveColumn,
  type ColumnWorld,
} from '../../src/connectors/column/fake.js';
import { FakePsp } from '../../src/connectors/sdk/testing/fake-psp.js';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import {
  accountsOnceThere,
  allPayments,
  balancesOnceThere,
  exact,
  present,
  rawPage,
  throughDouble,
} from './sdk-helpers.js';

let psp: FakePsp;
let world: ColumnWorld;
let service: TestService;
let sdk: SDK;
let connectorID: string;

// Column delivers only to https URLs: the service is told its public URL is one (a TLS proxy in front of
// it, as in production); deliveries are posted to its plain listener at the same path.
const PUBLIC_URL = 'https://paybridge-e2e.example';

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
const paymentID = (reference: string, type: 'PAY-IN' | 'PAYOUT' | 'TRANSFER') =>
  paymentIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference, type });

beforeAll(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveColumn(psp, world);
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: PUBLIC_URL,
    // The operator names the (local) PSP host, so its answers reach API callers unredacted, as Column's would.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: new URL(psp.url).host,
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const initiation = async (id: string) =>
  present(
    (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id })).v3GetPaymentInitiationResponse,
    'initiation',
  ).data.status;

describe('Column through the official SDK', () => {
  it("refuses an install with a wrong key, answering 400 with Column's reason", async () => {
    const response = await fetch(`${service.url}/api/payments/v3/connectors/install/column`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'column-bad', ...configFor(psp, world), apiKey: 'test_not_the_key' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errorMessage?: string };
    expect(body.errorMessage).toContain('Invalid API key provided');
    expect(JSON.stringify(body)).not.toContain('test_not_the_key');
  });

  it('installs and ingests bank accounts, balances, counterparties and transfers of every rail', async () => {
    const installed = await sdk.payments.v3.installConnector({
      connector: 'column',
      v3ConnectorConfig: {
        provider: 'Column',
        name: 'column-e2e',
        apiKey: world.apiKey,
        endpoint: psp.url,
        pollingPeriod: '1h',
      },
    });
    connectorID = present(installed.v3InstallConnectorResponse, 'install').data;

    const accounts = await accountsOnceThere(sdk, 6);
    const byRef = new Map(accounts.map((a) => [a.reference, a]));
    expect(byRef.get('bacc_2qQk0001OperatingUSD')).toMatchObject({ type: 'INTERNAL', defaultAsset: 'USD/2' });
    expect(byRef.get('cpty_2qQm0003Berlin')).toMatchObject({ type: 'EXTERNAL', name: 'Acme GmbH' });

    const balances = await balancesOnceThere(sdk, accountID('bacc_2qQk0002PayrollUSD'));
    // The SDK reads JSON through doubles: the exact value is checked on the wire.
    expect(balances[0]).toMatchObject({ asset: 'USD/2', balance: throughDouble(9_007_199_254_740_993n) });
    const wire = await rawPage<{ balance: unknown }>(
      service.url,
      `/accounts/${accountID('bacc_2qQk0002PayrollUSD')}/balances`,
    );
    expect(exact(wire.data[0]?.balance)).toBe(9_007_199_254_740_993n);

    const payments = await eventually(
      async () => {
        const rows = await allPayments(sdk);
        return rows.length === 11 ? rows : undefined;
      },
      30_000,
      'eleven payments',
    );
    const byPayment = new Map(payments.map((p) => [p.reference, p]));
    expect(byPayment.get('acht_2qQo0002')).toMatchObject({
      type: 'PAY-IN',
      status: 'SUCCEEDED',
      amount: 25_050n,
      sourceAccountID: accountID('cpty_2qQm0002Payroll'),
      destinationAccountID: accountID('bacc_2qQk0001OperatingUSD'),
    });
    expect(byPayment.get('book_2qQn0002')).toMatchObject({ type: 'TRANSFER', status: 'PENDING' });
    expect(byPayment.get('acht_2qQo0004')?.status).toBe('OTHER');

    // One webhook endpoint, at the service's public (https) webhook URL.
    await eventually(
      async () => (world.webhookEndpoints.length === 1 ? true : undefined),
      30_000,
      'the endpoint',
    );
    expect(String(world.webhookEndpoints[0]?.url)).toBe(
      `${PUBLIC_URL}/api/payments/v3/connectors/webhooks/${connectorID}/events`,
    );
  }, 60_000);

  it('takes a signed event through the ingress, and refuses a forged one', async () => {
    const endpoint = world.webhookEndpoints[0];
    const path = new URL(String(endpoint?.url)).pathname;
    const ach = world.transfers.find((t) => t.object.id === 'acht_2qQo0001')?.object;
    const post = (event: { body: string; headers: Record<string, string> }) =>
      fetch(`${service.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...event.headers },
        body: event.body,
      });
    const data = { ...ach, status: 'RETURNED' };
    expect((await post(signedEvent('whsec_forged', 'ach.outgoing_transfer.returned', data))).status).toBe(
      401,
    );
    const event = signedEvent(String(endpoint?.secret), 'ach.outgoing_transfer.returned', data, 'evnt_e2e_1');
    expect((await post(event)).status).toBe(200);
    // The polling period is an hour: only the webhook can have brought the return.
    await eventually(
      async () => {
        const payment = present(
          (await sdk.payments.v3.getPayment({ paymentID: paymentID('acht_2qQo0001', 'PAYOUT') }))
            .v3GetPaymentResponse,
          'payment',
        ).data;
        return payment.status === 'FAILED' ? true : undefined;
      },
      30_000,
      'the returned ACH payout',
    );
  }, 60_000);

  it('books a transfer, and pays out by ACH then reverses it, each moving money once', async () => {
    const initiate = async (request: {
      reference: string;
      type: 'TRANSFER' | 'PAYOUT';
      destination: string;
      metadata: Record<string, string>;
    }) =>
      present(
        present(
          (
            await sdk.payments.v3.initiatePayment({
              noValidation: true,
              v3InitiatePaymentRequest: {
                reference: request.reference,
                connectorID,
                type: request.type,
                amount: 4_200n,
                asset: 'USD/2',
                description: 'Invoice 77',
                sourceAccountID: accountID('bacc_2qQk0001OperatingUSD'),
                destinationAccountID: accountID(request.destination),
                scheduledAt: new Date('0001-01-01T00:00:00Z'),
                metadata: request.metadata,
              },
            })
          ).v3InitiatePaymentResponse,
          'initiate',
        ).data.paymentInitiationID,
        'initiation id',
      );

    const book = await initiate({
      reference: 'column-book-1',
      type: 'TRANSFER',
      destination: 'bacc_2qQk0002PayrollUSD',
      metadata: {},
    });
    await eventually(
      async () => ((await initiation(book)) === 'PROCESSED' ? true : undefined),
      30_000,
      'book',
    );

    const before = world.transfers.length;
    const payout = await initiate({
      reference: 'column-ach-1',
      type: 'PAYOUT',
      destination: 'cpty_2qQm0001Chase',
      metadata: { 'com.column.spec/rail': 'ach', 'com.column.spec/same_day': 'true' },
    });
    const sent = await eventually(async () => world.transfers[before]?.object, 30_000, 'the ACH transfer');
    expect(sent).toMatchObject({ type: 'CREDIT', amount: 4_200, same_day: true, status: 'INITIATED' });
    expect(await initiation(payout)).toBe('PROCESSING');
    // Column completes it; the engine's poll of the payout sees it.
    sent.status = 'COMPLETED';
    await eventually(
      async () => ((await initiation(payout)) === 'PROCESSED' ? true : undefined),
      60_000,
      'PROCESSED',
    );

    await sdk.payments.v3.reversePaymentInitiation({
      paymentInitiationID: payout,
      v3ReversePaymentInitiationRequest: {
        reference: 'column-ach-1-reversal',
        amount: 4_200n,
        asset: 'USD/2',
        description: 'sent twice',
        metadata: { 'com.column.spec/reversal_reason': 'duplicated_entry' },
      },
    });
    await eventually(
      async () => ((await initiation(payout)) === 'REVERSED' ? true : undefined),
      60_000,
      'REVERSED',
    );
    const reversals = psp.requestsTo('POST', '/transfers/ach/:id/reverse');
    expect(reversals.map((r) => r.params.id)).toEqual([sent.id]);
    // Each write carried an Idempotency-Key, and every key moved money once.
    const keys = psp.movements.map((m) => m.key);
    expect(keys.every((k) => k.length > 0)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    expect(psp.movements.map((m) => m.route)).toEqual([
      'POST /transfers/book',
      'POST /transfers/ach',
      'POST /transfers/ach/:id/reverse',
    ]);
  }, 120_000);

  it('deletes the webhook endpoint at uninstall', async () => {
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? true : undefined;
    }, 30_000);
    expect(world.webhookEndpoints).toEqual([]);
  });
});
