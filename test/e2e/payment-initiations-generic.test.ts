// Payment initiations end to end through the official SDK, against the Generic connector and its
// simulator: the approval flow of a payout settled by polling, a transfer initiated without validation,
// and concurrent approvals that must make exactly one PSP call.
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

let psp: MockPsp;
let service: TestService;
let sdk: SDK;
let sim: MockPspTenant;
let connectorID: string;
let source: { sim: string; id: string };
let other: { sim: string; id: string };
let beneficiary: { sim: string; id: string };

const NOT_SCHEDULED = new Date('0001-01-01T00:00:00Z');

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  sim = new MockPspTenant(psp.url, 'initiations');
  const a = await sim.createAccount({ accountName: 'Main EUR', currency: 'EUR', initialBalance: '1000000' });
  const b = await sim.createAccount({ accountName: 'Savings EUR', currency: 'EUR', initialBalance: '0' });
  const c = await sim.createBeneficiary({ ownerName: 'Supplier Ltd' });
  const installed = await sdk.payments.v3.installConnector({
    connector: 'generic',
    v3ConnectorConfig: {
      provider: 'Generic',
      name: 'initiations',
      apiKey: sim.apiKey,
      endpoint: psp.url,
      pollingPeriod: '1h',
    },
  });
  connectorID = present(installed.v3InstallConnectorResponse, 'install').data;
  const accountId = (reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
  source = { sim: a.id, id: accountId(a.id) };
  other = { sim: b.id, id: accountId(b.id) };
  beneficiary = { sim: c.id, id: accountId(c.id) };
  // Initiations name accounts Paybridge knows: wait for the first poll to bring them in.
  await eventually(async () => {
    const rows = await service.paybridge.deps.db.selectFrom('accounts').select('id').execute();
    return rows.length === 3 ? true : undefined;
  });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const eventCount = async (type: string, entityId: string) =>
  (
    await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_events
      WHERE type = ${type} AND entity_id = ${entityId}`.execute(service.paybridge.deps.db)
  ).rows[0]?.n ?? 0;

async function initiate(reference: string, type: 'PAYOUT' | 'TRANSFER', noValidation = false) {
  const response = await sdk.payments.v3.initiatePayment({
    noValidation,
    v3InitiatePaymentRequest: {
      reference,
      connectorID,
      type,
      amount: 12_345n,
      asset: 'EUR/2',
      description: `${type.toLowerCase()} ${reference}`,
      sourceAccountID: source.id,
      destinationAccountID: type === 'PAYOUT' ? beneficiary.id : other.id,
      scheduledAt: NOT_SCHEDULED,
      metadata: { invoice: reference },
    },
  });
  return present(response.v3InitiatePaymentResponse, 'initiate').data;
}

async function initiation(id: string) {
  return present(
    (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id })).v3GetPaymentInitiationResponse,
    'initiation',
  ).data;
}

async function statusOnce(id: string, status: string) {
  return eventually(
    async () => {
      const pi = await initiation(id);
      return pi.status === status ? pi : undefined;
    },
    20_000,
    `${id} to be ${status}`,
  );
}

async function adjustmentStatuses(id: string) {
  const page = present(
    (await sdk.payments.v3.listPaymentInitiationAdjustments({ paymentInitiationID: id }))
      .v3PaymentInitiationAdjustmentsCursorResponse,
    'adjustments',
  ).cursor;
  return page.data.map((a) => a.status);
}

const payoutCalls = async () => (await sim.stats()).byEndpoint['POST /payouts'] ?? 0;

describe('a payout through the approval flow', () => {
  it('waits for approval, calls the PSP once, polls the pending payout and ends PROCESSED', async () => {
    const created = await initiate('payout-approval-1', 'PAYOUT');
    expect(created.taskID).toBe('');
    const id = present(created.paymentInitiationID, 'id');
    const waiting = await initiation(id);
    expect(waiting).toMatchObject({
      status: 'WAITING_FOR_VALIDATION',
      amount: 12_345n,
      asset: 'EUR/2',
      type: 'PAYOUT',
      sourceAccountID: source.id,
      destinationAccountID: beneficiary.id,
      metadata: { invoice: 'payout-approval-1' },
    });
    expect(waiting.scheduledAt.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    const callsBefore = await payoutCalls();

    const approved = present(
      (await sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }))
        .v3ApprovePaymentInitiationResponse,
      'approve',
    ).data;
    expect(approved.taskID).not.toBe('');

    // The simulator's payout stays PENDING until its bank "settles" it: the initiation polls it meanwhile.
    const payout = await eventually(async () =>
      (await sim.transactions()).find(
        (t) => t.type === 'PAYOUT' && t.metadata?.invoice === 'payout-approval-1',
      ),
    );
    expect(payout.status).toBe('PENDING');
    expect((await initiation(id)).status).toBe('PROCESSING');
    await sim.step(payout.id, 'succeed');
    await statusOnce(id, 'PROCESSED');
    expect(await payoutCalls()).toBe(callsBefore + 1);

    expect(await adjustmentStatuses(id)).toEqual(['PROCESSED', 'PROCESSING', 'WAITING_FOR_VALIDATION']);
    const paymentID = paymentIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: payout.id,
      type: 'PAYOUT',
    });
    const related = present(
      (await sdk.payments.v3.listPaymentInitiationRelatedPayments({ paymentInitiationID: id }))
        .v3PaymentInitiationRelatedPaymentsCursorResponse,
      'related',
    ).cursor.data;
    expect(related.map((p) => [p.id, p.status, p.amount])).toEqual([[paymentID, 'SUCCEEDED', 12_345n]]);
    const task = present(
      (await sdk.payments.v3.getTask({ taskID: approved.taskID })).v3GetTaskResponse,
      'task',
    ).data;
    expect(task).toMatchObject({ status: 'SUCCEEDED', createdObjectID: paymentID });

    expect(await eventCount('SAVED_PAYMENT_INITIATION', id)).toBe(1);
    expect(await eventCount('SAVED_PAYMENT_INITIATION_ADJUSTMENT', id)).toBe(3);
    expect(await eventCount('SAVED_PAYMENT_INITIATION_RELATED_PAYMENT', id)).toBe(1);
  });
});

describe('a transfer without validation', () => {
  it('starts at once and ends PROCESSED with the transfer as related payment', async () => {
    const created = await initiate('transfer-now-1', 'TRANSFER', true);
    expect(created.taskID).not.toBe('');
    const id = present(created.paymentInitiationID, 'id');
    await statusOnce(id, 'PROCESSED');
    expect(await adjustmentStatuses(id)).toEqual(['PROCESSED', 'PROCESSING', 'WAITING_FOR_VALIDATION']);
    const transfer = (await sim.transactions()).find((t) => t.metadata?.invoice === 'transfer-now-1');
    expect(transfer).toMatchObject({ type: 'TRANSFER', status: 'SUCCEEDED', amount: '12345' });
  });
});

describe('concurrent approvals', () => {
  it('lets exactly one of ten simultaneous approvals through, and makes one PSP call', async () => {
    const id = present((await initiate('payout-race-1', 'PAYOUT')).paymentInitiationID, 'id');
    const callsBefore = await payoutCalls();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id })),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    expect(accepted).toHaveLength(1);
    for (const refused of outcomes.filter((o) => o.status === 'rejected')) {
      await expectV3Error(Promise.reject(refused.reason), 400, 'VALIDATION');
    }
    const payout = await eventually(async () =>
      (await sim.transactions()).find((t) => t.metadata?.invoice === 'payout-race-1'),
    );
    await sim.step(payout.id, 'succeed');
    await statusOnce(id, 'PROCESSED');
    expect(await payoutCalls()).toBe(callsBefore + 1);
    // A late approval of a processed initiation is refused with a clear message.
    const late = await expectV3Error(
      sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );
    expect(late.errorMessage).toContain('PROCESSED');
  });
});
