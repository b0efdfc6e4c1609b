// A payout the PSP holds PENDING, as the engine records it while it polls: the running task says what the
// PSP reports and when Paybridge checks again; the polls back off under one deadline; nothing is added to
// the initiation's history or error per poll, and the PSP's statuses are recorded once each, on the payment.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { present } from '../e2e/sdk-helpers.js';
import { installGeneric } from '../support/generic-install.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

let psp: MockPsp;
let service: TestService;
let sdk: SDK;
let sim: MockPspTenant;
let connectorID: string;
let source: string;
let beneficiary: string;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  service = await startTestService({
    PAYBRIDGE_INITIATION_RETRY_MIN: '100ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '400ms',
  });
  sdk = new SDK({ serverURL: service.url });
  sim = new MockPspTenant(psp.url, 'psp-waits');
  const a = await sim.createAccount({ accountName: 'Main EUR', currency: 'EUR', initialBalance: '100000' });
  const b = await sim.createBeneficiary({ ownerName: 'Supplier Ltd' });
  const generic = await installGeneric(sdk, service, sim, {
    name: 'psp-waits',
    endpoint: psp.url,
    waitForAccounts: 2,
  });
  connectorID = generic.connectorID;
  source = generic.accountId(a.id);
  beneficiary = generic.accountId(b.id);
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const payoutPolls = async () =>
  Object.entries((await sim.stats()).byEndpoint)
    .filter(([endpoint]) => endpoint.startsWith('GET /payouts/'))
    .reduce((sum, [, n]) => sum + n, 0);

/** A payout from the main account to the beneficiary, sent at once (no validation step). */
const sendPayout = async (reference: string, amount: bigint, description: string) =>
  present(
    (
      await sdk.payments.v3.initiatePayment({
        noValidation: true,
        v3InitiatePaymentRequest: {
          reference,
          connectorID,
          type: 'PAYOUT',
          amount,
          asset: 'EUR/2',
          description,
          sourceAccountID: source,
          destinationAccountID: beneficiary,
          scheduledAt: new Date('0001-01-01T00:00:00Z'),
        },
      })
    ).v3InitiatePaymentResponse,
    'initiate',
  ).data;

it('notes on the running task what the PSP reports and the next check, once per status in the history', async () => {
  const created = await sendPayout('held-payout', 4_250n, 'held at the PSP');
  const id = present(created.paymentInitiationID, 'id');
  const taskID = present(created.taskID, 'task');
  const getTask = async () =>
    present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
  const getInitiation = async () =>
    present(
      (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
        .v3GetPaymentInitiationResponse,
      'get',
    ).data;
  const history = async () =>
    present(
      (await sdk.payments.v3.listPaymentInitiationAdjustments({ paymentInitiationID: id }))
        .v3PaymentInitiationAdjustmentsCursorResponse,
      'adjustments',
    ).cursor.data.map((a) => a.status);
  const step = () =>
    service.paybridge.deps.db
      .selectFrom('payment_initiations')
      .select(['tries', 'deadline_at', 'error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  // Several polls of the pending payout.
  await eventually(async () => ((await payoutPolls()) >= 1 ? true : undefined), 30_000, 'a first poll');
  const early = await step();
  await eventually(async () => ((await payoutPolls()) >= 4 ? true : undefined), 30_000, 'more polls');
  const later = await step();

  const task = await getTask();
  expect(task.status).toBe('PROCESSING');
  const note = /^waiting on the PSP: it reports the payout PENDING; next check at (\S+)$/.exec(
    task.error ?? '',
  );
  expect(note, task.error ?? undefined).not.toBeNull();
  expect(Number.isNaN(new Date(note?.[1] ?? '').getTime())).toBe(false);

  // The polls back off (their count of tries grows) under the deadline set when polling began.
  expect(later.tries).toBeGreaterThan(0);
  expect(later.deadline_at).not.toBeNull();
  expect(later.deadline_at).toEqual(early.deadline_at);
  // A payment pending at the PSP is no error of the initiation, and no poll adds to its history.
  expect(later.error).toBeNull();
  expect((await getInitiation()).error ?? '').toBe('');
  expect(await history()).toEqual(['PROCESSING', 'WAITING_FOR_VALIDATION']);

  const payout = present(
    (await sim.transactions()).find((t) => t.type === 'PAYOUT' && t.amount === '4250'),
    'simulator payout',
  );
  const paymentID = paymentIdCodec.encode({
    connectorId: connectorIdCodec.decode(connectorID),
    reference: payout.id,
    type: 'PAYOUT',
  });
  const paymentStatuses = async () =>
    present(
      (await sdk.payments.v3.getPayment({ paymentID })).v3GetPaymentResponse,
      'payment',
    ).data.adjustments?.map((a) => a.status);
  expect(await paymentStatuses()).toEqual(['PENDING']);

  await sim.step(payout.id, 'succeed');
  const done = await eventually(
    async () => {
      const current = await getTask();
      return current.status === 'PROCESSING' ? undefined : current;
    },
    30_000,
    'the task to end',
  );
  expect(done).toMatchObject({ status: 'SUCCEEDED', createdObjectID: paymentID });
  expect(done.error ?? '').toBe('');
  expect((await getInitiation()).status).toBe('PROCESSED');
  expect(await history()).toEqual(['PROCESSED', 'PROCESSING', 'WAITING_FOR_VALIDATION']);
  expect(await paymentStatuses()).toEqual(['SUCCEEDED', 'PENDING']);
});

it('names the payout and the status the PSP failed it with', async () => {
  const created = await sendPayout('refused-payout', 125n, 'failed at the PSP');
  const taskID = present(created.taskID, 'task');
  const payout = await eventually(async () =>
    (await sim.transactions()).find((t) => t.type === 'PAYOUT' && t.amount === '125'),
  );
  await sim.step(payout.id, 'fail');
  const task = await eventually(async () => {
    const current = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
    return current.status === 'PROCESSING' ? undefined : current;
  });
  expect(task).toMatchObject({ status: 'FAILED', error: 'the PSP reported the payout FAILED' });
});
