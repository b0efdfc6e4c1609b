// Accounts and payments created through the API (connectors with ALLOW_FORMANCE_* capabilities), and
// payment metadata updates, through the official SDK: validation, idempotent replays, derived status
// and amount, both metadata body shapes, and the SAVED_* events.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

// A connector that fetches accounts but lets nobody create any through the API.
class ReadOnlyPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
}
registerConnector({
  provider: 'readonlypsp',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new ReadOnlyPsp(),
});

let service: TestService;
let sdk: SDK;
let dir: string;
let connectorID: string;
let readOnlyID: string;

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  dir = await mkdtemp(join(tmpdir(), 'pb-direct-'));
  await writeDummyPayDirectory(dir, { accounts: 0, payments: 0, externalAccounts: 0 });
  const installed = await sdk.payments.v3.installConnector({
    connector: 'dummypay',
    v3ConnectorConfig: { provider: 'Dummypay', name: 'direct', directory: dir, pollingPeriod: '1h' },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  const response = await fetch(`${service.url}/v3/connectors/install/readonlypsp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'read-only' }),
  });
  readOnlyID = ((await response.json()) as { data: string }).data;
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const eventsOf = async (type: string) =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events WHERE type = ${type}`.execute(
      service.paybridge.deps.db,
    )
  ).rows[0]?.n ?? 0;

describe('creating accounts through the API', () => {
  const account = () => ({
    reference: 'ledger-main',
    connectorID,
    createdAt: new Date('2025-06-01T10:00:00Z'),
    accountName: 'Ledger main',
    type: 'INTERNAL' as const,
    defaultAsset: 'EUR/2',
    metadata: { team: 'treasury' },
  });

  it('creates an account, and a replay of the same request changes nothing', async () => {
    const created = present(
      (await sdk.payments.v3.createAccount(account())).v3CreateAccountResponse,
      'create',
    ).data;
    expect(created).toMatchObject({
      reference: 'ledger-main',
      connectorID,
      type: 'INTERNAL',
      name: 'Ledger main',
      defaultAsset: 'EUR/2',
      metadata: { team: 'treasury' },
    });
    expect(await eventsOf('SAVED_ACCOUNT')).toBe(1);
    const again = present(
      (await sdk.payments.v3.createAccount(account())).v3CreateAccountResponse,
      'create',
    ).data;
    expect(again.id).toBe(created.id);
    expect(await eventsOf('SAVED_ACCOUNT')).toBe(1);
  });

  it('refuses a future createdAt, a short reference, and a connector without the capability', async () => {
    await expectV3Error(
      sdk.payments.v3.createAccount({ ...account(), createdAt: new Date(Date.now() + 3_600_000) }),
      400,
      'VALIDATION',
    );
    await expectV3Error(sdk.payments.v3.createAccount({ ...account(), reference: 'ab' }), 400, 'VALIDATION');
    await expectV3Error(
      sdk.payments.v3.createAccount({ ...account(), connectorID: readOnlyID }),
      400,
      'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
    );
  });
});

describe('creating payments through the API', () => {
  const payment = () => ({
    reference: 'invoice-42',
    connectorID,
    createdAt: new Date('2025-06-01T10:00:00Z'),
    type: 'PAY-IN' as const,
    initialAmount: 1000n,
    amount: 1000n,
    asset: 'EUR/2',
    scheme: 'SEPA',
    metadata: { invoice: '42' },
    adjustments: [
      {
        reference: 'invoice-42',
        createdAt: new Date('2025-06-01T10:00:00Z'),
        status: 'PENDING' as const,
        amount: 1000n,
        asset: 'EUR/2',
      },
      {
        reference: 'invoice-42',
        createdAt: new Date('2025-06-01T11:00:00Z'),
        status: 'SUCCEEDED' as const,
        amount: 1000n,
        asset: 'EUR/2',
      },
      {
        reference: 'refund-7',
        createdAt: new Date('2025-06-02T09:00:00Z'),
        status: 'REFUNDED' as const,
        amount: 300n,
        asset: 'EUR/2',
      },
    ],
  });

  it('derives status and amount from the adjustments, and a replay changes nothing', async () => {
    const created = present(
      (await sdk.payments.v3.createPayment(payment())).v3CreatePaymentResponse,
      'create',
    ).data;
    expect(created).toMatchObject({
      reference: 'invoice-42',
      status: 'REFUNDED',
      initialAmount: 1000n,
      amount: 700n,
    });
    expect(created.adjustments?.map((a) => a.status)).toEqual(['REFUNDED', 'SUCCEEDED', 'PENDING']);
    const events = await eventsOf('SAVED_PAYMENT');
    const again = present(
      (await sdk.payments.v3.createPayment(payment())).v3CreatePaymentResponse,
      'create',
    ).data;
    expect(again).toMatchObject({ id: created.id, status: 'REFUNDED', amount: 700n });
    expect(await eventsOf('SAVED_PAYMENT')).toBe(events);
  });

  it('refuses a payment without adjustments and one for a connector without the capability', async () => {
    await expectV3Error(
      sdk.payments.v3.createPayment({ ...payment(), reference: 'no-history', adjustments: [] }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      sdk.payments.v3.createPayment({ ...payment(), connectorID: readOnlyID }),
      400,
      'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
    );
  });

  it('updates metadata with the SDK body and with the flat body Formance reads', async () => {
    const [listed] = present(
      (await sdk.payments.v3.listPayments({ query: { $match: { reference: 'invoice-42' } } }))
        .v3PaymentsCursorResponse,
      'list',
    ).cursor.data;
    const paymentID = listed?.id ?? '';
    const viaSdk = await sdk.payments.v3.updatePaymentMetadata({
      paymentID,
      v3UpdatePaymentMetadataRequest: { metadata: { reviewed: 'yes' } },
    });
    expect(viaSdk.statusCode).toBe(204);
    const flat = await fetch(`${service.url}/v3/payments/${paymentID}/metadata`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ledger: 'posted' }),
    });
    expect(flat.status).toBe(204);
    const stored = present(
      (await sdk.payments.v3.getPayment({ paymentID })).v3GetPaymentResponse,
      'get',
    ).data;
    expect(stored.metadata).toEqual({ invoice: '42', reviewed: 'yes', ledger: 'posted' });
    const unknown = paymentIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: 'never-created',
      type: 'PAY-IN',
    });
    await expectV3Error(
      sdk.payments.v3.updatePaymentMetadata({
        paymentID: unknown,
        v3UpdatePaymentMetadataRequest: { metadata: { a: 'b' } },
      }),
      404,
      'NOT_FOUND',
    );
  });
});
