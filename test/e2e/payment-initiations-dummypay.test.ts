// Payment initiations end to end through the official SDK against DummyPay, whose files are the PSP:
// reject, delete, scheduling, retry after a failure, reversals, unknown outcomes, polling, linking of a
// payment that arrives by another path, the lifecycle holes Formance leaves open, and the §1.10 rules.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readDummyPayMovements,
  readDummyPayRequests,
  setDummyPayBehaviour,
  setDummyPayPaymentStatus,
} from '../../src/connectors/dummypay/psp-files.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

const NOT_SCHEDULED = new Date('0001-01-01T00:00:00Z');

let service: TestService;
let sdk: SDK;
let dir: string;
let connectorID: string;
const account = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

async function writeJson(name: string, value: unknown) {
  await writeFile(join(dir, name), stringifyJson(value));
}
async function setBalance(accountId: string, amount: bigint) {
  const balances = parseJson(await readFile(join(dir, 'balances.json'), 'utf8')) as {
    account_id: string;
    amount_in_minors: bigint | number;
  }[];
  await writeJson(
    'balances.json',
    balances.map((b) => (b.account_id === accountId ? { ...b, amount_in_minors: amount } : b)),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-pi-'));
  const opened = '2025-01-01T00:00:00Z';
  await writeJson('accounts.json', [
    { id: 'main', name: 'Main', opening_date: opened, currency: 'EUR' },
    { id: 'reserve', name: 'Reserve', opening_date: opened, currency: 'EUR' },
    { id: 'poor', name: 'Poor', opening_date: opened, currency: 'EUR' },
  ]);
  await writeJson('external_accounts.json', [
    { id: 'supplier', name: 'Supplier', created_at: opened, currency: 'EUR' },
  ]);
  await writeJson('balances.json', [
    { account_id: 'main', amount_in_minors: 10_000_000, currency: 'EUR' },
    { account_id: 'reserve', amount_in_minors: 0, currency: 'EUR' },
    { account_id: 'poor', amount_in_minors: 100, currency: 'EUR' },
  ]);
  await writeJson('payments.json', []);
  service = await startTestService({
    PAYBRIDGE_INITIATION_RETRY_MIN: '100ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '500ms',
  });
  sdk = new SDK({ serverURL: service.url });
  connectorID = present(
    (
      await sdk.payments.v3.installConnector({
        connector: 'dummypay',
        v3ConnectorConfig: { provider: 'Dummypay', name: 'movements', directory: dir, pollingPeriod: '1s' },
      })
    ).v3InstallConnectorResponse,
    'install',
  ).data;
  await eventually(async () => {
    const rows = await service.paybridge.deps.db.selectFrom('accounts').select('id').execute();
    return rows.length === 4 ? true : undefined;
  });
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Initiation {
  reference: string;
  type?: 'TRANSFER' | 'PAYOUT';
  amount?: bigint;
  source?: string;
  destination?: string;
  scheduledAt?: Date;
}

async function initiate(i: Initiation, noValidation = false) {
  const type = i.type ?? 'TRANSFER';
  const data = present(
    (
      await sdk.payments.v3.initiatePayment({
        noValidation,
        v3InitiatePaymentRequest: {
          reference: i.reference,
          connectorID,
          type,
          amount: i.amount ?? 10_000n,
          asset: 'EUR/2',
          description: i.reference,
          sourceAccountID: account(i.source ?? 'main'),
          destinationAccountID: account(i.destination ?? (type === 'PAYOUT' ? 'supplier' : 'reserve')),
          scheduledAt: i.scheduledAt ?? NOT_SCHEDULED,
          metadata: {},
        },
      })
    ).v3InitiatePaymentResponse,
    'initiate',
  ).data;
  return { id: present(data.paymentInitiationID, 'id'), taskID: data.taskID ?? '' };
}

const get = async (id: string) =>
  present(
    (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id })).v3GetPaymentInitiationResponse,
    'get',
  ).data;

const approve = async (id: string) =>
  present(
    (await sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }))
      .v3ApprovePaymentInitiationResponse,
    'approve',
  ).data.taskID;

const retry = async (id: string) =>
  present(
    (await sdk.payments.v3.retryPaymentInitiation({ paymentInitiationID: id }))
      .v3RetryPaymentInitiationResponse,
    'retry',
  ).data.taskID;

const task = async (taskID: string) =>
  present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;

async function statusOnce(id: string, status: string, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const pi = await get(id);
      return pi.status === status ? pi : undefined;
    },
    timeoutMs,
    `${id} to be ${status}`,
  );
}

async function history(id: string) {
  const page = present(
    (await sdk.payments.v3.listPaymentInitiationAdjustments({ paymentInitiationID: id, pageSize: 100 }))
      .v3PaymentInitiationAdjustmentsCursorResponse,
    'adjustments',
  ).cursor;
  return page.data;
}
const statuses = async (id: string) => (await history(id)).map((a) => a.status);

/** The PSP calls DummyPay logged for movements whose reference mentions `reference` (via the ledger). */
async function callsFor(reference: string) {
  const movements = (await readDummyPayMovements(dir)).filter((m) => m.reference === reference);
  const keys = new Set(movements.map((m) => m.idempotencyKey));
  return { movements, keys };
}

describe('reject and delete', () => {
  it('rejects a waiting initiation once; nothing reaches the PSP', async () => {
    const { id } = await initiate({ reference: 'reject-1' });
    // The SDK accepts only the documented 204 here.
    await sdk.payments.v3.rejectPaymentInitiation({ paymentInitiationID: id });
    expect((await get(id)).status).toBe('REJECTED');
    expect(await statuses(id)).toEqual(['REJECTED', 'WAITING_FOR_VALIDATION']);
    await expectV3Error(
      sdk.payments.v3.rejectPaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      sdk.payments.v3.deletePaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );
    expect((await callsFor('reject-1')).movements).toHaveLength(0);
    const listed = present(
      (await sdk.payments.v3.listPaymentInitiations({ query: { $match: { status: 'REJECTED' } } }))
        .v3PaymentInitiationsCursorResponse,
      'list',
    ).cursor.data;
    expect(listed.map((pi) => [pi.id, pi.status])).toEqual([[id, 'REJECTED']]);
  });

  it('deletes a waiting initiation, and refuses to delete one that was approved', async () => {
    const { id } = await initiate({ reference: 'delete-1' });
    await sdk.payments.v3.deletePaymentInitiation({ paymentInitiationID: id });
    await expectV3Error(sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }), 404, 'NOT_FOUND');
    await expectV3Error(
      sdk.payments.v3.deletePaymentInitiation({ paymentInitiationID: id }),
      404,
      'NOT_FOUND',
    );

    const { id: approvedId } = await initiate({ reference: 'delete-2' });
    await approve(approvedId);
    await expectV3Error(
      sdk.payments.v3.deletePaymentInitiation({ paymentInitiationID: approvedId }),
      400,
      'VALIDATION',
    );
    await statusOnce(approvedId, 'PROCESSED');
  });
});

describe('racing actions', () => {
  it('lets exactly one of an approval, a rejection and a deletion sent together win', async () => {
    for (let round = 0; round < 5; round++) {
      const { id } = await initiate({ reference: `race-${round}` });
      const outcomes = await Promise.allSettled([
        sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }),
        sdk.payments.v3.rejectPaymentInitiation({ paymentInitiationID: id }),
        sdk.payments.v3.deletePaymentInitiation({ paymentInitiationID: id }),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const [approved, rejected, deleted] = outcomes.map((o) => o.status === 'fulfilled');
      if (deleted) {
        await expectV3Error(
          sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }),
          404,
          'NOT_FOUND',
        );
        continue;
      }
      const final = approved ? await statusOnce(id, 'PROCESSED') : await get(id);
      expect(final.status).toBe(approved ? 'PROCESSED' : 'REJECTED');
      expect(rejected).toBe(!approved);
      expect((await callsFor(`race-${round}`)).movements).toHaveLength(approved ? 1 : 0);
    }
  });
});

describe('scheduled initiations', () => {
  it('waits durably until scheduledAt, then processes', async () => {
    const scheduledAt = new Date(Date.now() + 3000);
    const { id } = await initiate({ reference: 'scheduled-1', scheduledAt });
    expect((await get(id)).scheduledAt.toISOString()).toBe(scheduledAt.toISOString());
    await approve(id);
    expect((await get(id)).status).toBe('SCHEDULED_FOR_PROCESSING');
    const [scheduled] = await history(id);
    expect(scheduled?.metadata).toEqual({ scheduledAt: scheduledAt.toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await callsFor('scheduled-1')).movements).toHaveLength(0); // not before its time
    const done = await statusOnce(id, 'PROCESSED');
    expect(Date.now()).toBeGreaterThanOrEqual(scheduledAt.getTime());
    expect(done.status).toBe('PROCESSED');
    expect(await statuses(id)).toEqual([
      'PROCESSED',
      'PROCESSING',
      'SCHEDULED_FOR_PROCESSING',
      'WAITING_FOR_VALIDATION',
    ]);
  });
});

describe('retry after a failure', () => {
  it('fails on insufficient funds, and a retry after a top-up succeeds under a new idempotency key', async () => {
    const { id } = await initiate({ reference: 'retry-1', source: 'poor', amount: 5_000n });
    const firstTask = await approve(id);
    const failed = await statusOnce(id, 'FAILED');
    expect(failed.error).toContain('insufficient funds');
    expect(await task(firstTask)).toMatchObject({ status: 'FAILED' });
    await expectV3Error(
      sdk.payments.v3.approvePaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );

    await setBalance('poor', 5_000n);
    const secondTask = await retry(id);
    expect(secondTask).not.toBe(firstTask);
    await statusOnce(id, 'PROCESSED');
    expect(await task(secondTask)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await statuses(id)).toEqual([
      'PROCESSED',
      'PROCESSING',
      'FAILED',
      'PROCESSING',
      'WAITING_FOR_VALIDATION',
    ]);
    const refused = (await readDummyPayRequests(dir)).filter(
      (r) => r.outcome === 'refused' && r.kind === 'transfer',
    );
    const { movements } = await callsFor('retry-1');
    expect(movements).toHaveLength(1);
    expect(refused.map((r) => r.idempotencyKey)).not.toContain(movements[0]?.idempotencyKey);
    await expectV3Error(
      sdk.payments.v3.retryPaymentInitiation({ paymentInitiationID: id }),
      400,
      'VALIDATION',
    );
  });

  it('keeps retrying beyond 50 adjustments (Formance loops forever there)', async () => {
    await setBalance('poor', 0n);
    const { id } = await initiate({ reference: 'retry-many', source: 'poor', amount: 1_000n });
    await approve(id);
    await statusOnce(id, 'FAILED');
    for (let i = 0; i < 26; i++) {
      await retry(id);
      await eventually(async () =>
        (await get(id)).status === 'FAILED' && (await history(id)).length === 3 + 2 * (i + 1)
          ? true
          : undefined,
      );
    }
    expect((await history(id)).length).toBe(55);
    await setBalance('poor', 1_000n);
    await retry(id);
    await statusOnce(id, 'PROCESSED');
  }, 60_000);
});

describe('reversals', () => {
  it('reverses part, then the rest, and refuses more, another asset, or a reused reference', async () => {
    const { id } = await initiate({ reference: 'reverse-1', amount: 10_000n }, true);
    // Not processed yet (or processing): reversing is refused.
    await statusOnce(id, 'PROCESSED');
    const reverse = (reference: string, amount: bigint, asset = 'EUR/2') =>
      sdk.payments.v3.reversePaymentInitiation({
        paymentInitiationID: id,
        v3ReversePaymentInitiationRequest: { reference, amount, asset, description: 'refund', metadata: {} },
      });
    await expectV3Error(reverse('reverse-1-usd', 100n, 'USD/2'), 400, 'VALIDATION');
    await expectV3Error(reverse('reverse-1-big', 10_001n), 400, 'VALIDATION');

    const partial = present(
      (await reverse('reverse-1-a', 4_000n)).v3ReversePaymentInitiationResponse,
      'reverse',
    ).data;
    expect(partial.paymentInitiationReversalID).toBeTruthy();
    await statusOnce(id, 'REVERSED');
    expect(await task(present(partial.taskID, 'task'))).toMatchObject({ status: 'SUCCEEDED' });
    const related = async () =>
      present(
        (await sdk.payments.v3.listPaymentInitiationRelatedPayments({ paymentInitiationID: id }))
          .v3PaymentInitiationRelatedPaymentsCursorResponse,
        'related',
      ).cursor.data;
    expect((await related()).map((p) => [p.amount, p.status])).toEqual([[6_000n, 'REFUNDED']]);

    await expectV3Error(reverse('reverse-1-a', 1_000n), 400, 'CONFLICT');
    await expectV3Error(reverse('reverse-1-b', 6_001n), 400, 'VALIDATION');
    await reverse('reverse-1-b', 6_000n);
    await eventually(async () => ((await related())[0]?.amount === 0n ? true : undefined));
    await statusOnce(id, 'REVERSED');
    await expectV3Error(reverse('reverse-1-c', 1n), 400, 'VALIDATION');
    expect(await statuses(id)).toEqual([
      'REVERSED',
      'REVERSE_PROCESSING',
      'REVERSED',
      'REVERSE_PROCESSING',
      'PROCESSED',
      'PROCESSING',
      'WAITING_FOR_VALIDATION',
    ]);
    // Every adjustment's id names the status the adjustment holds (Formance's initial reversal
    // adjustment says PROCESSING in its id and PROCESSED in its status).
    for (const adjustment of await history(id)) {
      const decoded = JSON.parse(Buffer.from(adjustment.id, 'base64url').toString('utf8')) as {
        Status: string;
      };
      expect(decoded.Status).toBe(adjustment.status);
    }
    // The PSP moved the money back once per reversal.
    const reversals = (await readDummyPayMovements(dir)).filter((m) => m.kind === 'reverse-transfer');
    expect(reversals.map((m) => m.amount?.toString()).sort()).toEqual(['4000', '6000']);
  });

  it('refuses to reverse an initiation that was not processed', async () => {
    const { id } = await initiate({ reference: 'reverse-2' });
    await expectV3Error(
      sdk.payments.v3.reversePaymentInitiation({
        paymentInitiationID: id,
        v3ReversePaymentInitiationRequest: {
          reference: 'reverse-2-a',
          amount: 1n,
          asset: 'EUR/2',
          description: '',
          metadata: {},
        },
      }),
      400,
      'VALIDATION',
    );
  });
});

describe('unknown outcomes and polling', () => {
  it('retries a lost answer with the same idempotency key: one movement, never FAILED', async () => {
    await setDummyPayBehaviour(dir, { loseAnswers: 1 });
    const { id } = await initiate({ reference: 'lost-1', type: 'PAYOUT' }, true);
    await statusOnce(id, 'PROCESSED');
    const { movements } = await callsFor('lost-1');
    expect(movements).toHaveLength(1);
    const key = movements[0]?.idempotencyKey;
    const calls = (await readDummyPayRequests(dir)).filter((r) => r.idempotencyKey === key);
    expect(calls.map((c) => c.outcome)).toEqual(['lost', 'replayed']);
    expect(await statuses(id)).toEqual(['PROCESSED', 'PROCESSING', 'WAITING_FOR_VALIDATION']);
  });

  it('polls a pending payout with its own backoff (not the polling period) until it settles', async () => {
    await setDummyPayBehaviour(dir, { settlement: 'polling' });
    const { id } = await initiate({ reference: 'poll-1', type: 'PAYOUT' }, true);
    const reference = await eventually(async () => (await callsFor('poll-1')).movements[0]?.paymentReference);
    await eventually(async () => {
      const polls = (await readDummyPayRequests(dir)).filter((r) => r.pollingId === reference);
      return polls.length >= 2 ? true : undefined;
    });
    expect((await get(id)).status).toBe('PROCESSING');
    await setDummyPayPaymentStatus(dir, reference as string, 'SUCCEEDED');
    await statusOnce(id, 'PROCESSED');
    // Each adjustment is stamped when Paybridge wrote it, so the outcome sorts after PROCESSING.
    const adjustments = await history(id);
    expect(adjustments.map((a) => a.status)).toEqual(['PROCESSED', 'PROCESSING', 'WAITING_FOR_VALIDATION']);
    const times = adjustments.map((a) => a.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    await setDummyPayBehaviour(dir, {});
  });

  it('stops polling visibly when the PSP refuses the poll, without marking FAILED on a guess', async () => {
    await setDummyPayBehaviour(dir, { settlement: 'polling' });
    const { id, taskID } = await initiate({ reference: 'poll-2', type: 'PAYOUT' }, true);
    const reference = await eventually(async () => (await callsFor('poll-2')).movements[0]?.paymentReference);
    await setDummyPayBehaviour(dir, {});
    // The PSP loses the record: polls are refused from now on. The payout may still have happened.
    const payments = parseJson(await readFile(join(dir, 'payments.json'), 'utf8')) as { reference: string }[];
    await writeJson(
      'payments.json',
      payments.filter((p) => p.reference !== reference),
    );
    const failedTask = await eventually(async () => {
      const t = await task(taskID);
      return t.status === 'FAILED' ? t : undefined;
    });
    expect(failedTask.error).toContain('refused the status poll');
    // Formance leaves the initiation PROCESSING with nothing said; here the history and the events say it.
    const pi = await get(id);
    expect(pi.status).toBe('PROCESSING');
    expect(pi.error).toContain('refused the status poll');
    const [latest] = await history(id);
    expect(latest).toMatchObject({ status: 'PROCESSING' });
    expect(latest?.error).toContain('refused the status poll');
    expect(await statuses(id)).not.toContain('FAILED');
  });

  it('settles an initiation from a payment that arrives by another write path', async () => {
    await setDummyPayBehaviour(dir, { settlement: 'polling' });
    const { id } = await initiate({ reference: 'link-1', type: 'PAYOUT' }, true);
    const reference = await eventually(async () => (await callsFor('link-1')).movements[0]?.paymentReference);
    await setDummyPayBehaviour(dir, {});
    // The same write path that polling pages and webhooks use: the payment created through the API.
    await sdk.payments.v3.createPayment({
      reference: reference as string,
      connectorID,
      createdAt: new Date(Date.now() - 1000),
      type: 'PAYOUT',
      initialAmount: 10_000n,
      amount: 10_000n,
      asset: 'EUR/2',
      scheme: 'OTHER',
      adjustments: [
        {
          reference: `${reference as string}-settled`,
          createdAt: new Date(),
          status: 'SUCCEEDED',
          amount: 10_000n,
          asset: 'EUR/2',
        },
      ],
    });
    await statusOnce(id, 'PROCESSED');
  });
});

describe('events', () => {
  it('writes the initiation, each adjustment and each related payment to the outbox', async () => {
    const { id } = await initiate({ reference: 'events-1' }, true);
    await statusOnce(id, 'PROCESSED');
    const rows = await sql<{ type: string; payload: Record<string, unknown> }>`
      SELECT type, payload FROM outbox_events WHERE entity_id = ${id} ORDER BY seq`.execute(
      service.paybridge.deps.db,
    );
    expect(rows.rows.map((r) => r.type)).toEqual([
      'SAVED_PAYMENT_INITIATION',
      'SAVED_PAYMENT_INITIATION_ADJUSTMENT',
      'SAVED_PAYMENT_INITIATION_ADJUSTMENT',
      'SAVED_PAYMENT_INITIATION_RELATED_PAYMENT',
      'SAVED_PAYMENT_INITIATION_ADJUSTMENT',
    ]);
    expect(rows.rows[0]?.payload).toMatchObject({
      id,
      connectorId: connectorID,
      reference: 'events-1',
      type: 'TRANSFER',
    });
    expect(rows.rows.at(-1)?.payload).toMatchObject({ paymentInitiationId: id, status: 'PROCESSED' });
  });
});

describe('validation (api-v3 §1.10)', () => {
  const valid = () => ({
    reference: 'valid-ref',
    connectorID,
    type: 'TRANSFER',
    amount: 100,
    asset: 'EUR/2',
    description: '',
    sourceAccountID: account('main'),
    destinationAccountID: account('reserve'),
    scheduledAt: NOT_SCHEDULED.toISOString(),
  });
  const post = (body: unknown) =>
    fetch(`${service.url}/v3/payment-initiations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it.each([
    ['a reference shorter than 3', { reference: 'ab' }, 'VALIDATION'],
    ['a reference longer than 1000', { reference: 'x'.repeat(1001) }, 'VALIDATION'],
    ['a missing connectorID', { connectorID: undefined }, 'VALIDATION'],
    ['a connectorID that does not decode', { connectorID: 'nope' }, 'VALIDATION'],
    ['type UNKNOWN', { type: 'UNKNOWN' }, 'VALIDATION'],
    ['another type', { type: 'PAY-IN' }, 'VALIDATION'],
    ['amount 0', { amount: 0 }, 'VALIDATION'],
    ['a negative amount', { amount: -5 }, 'VALIDATION'],
    ['a fractional amount', { amount: 1.5 }, 'VALIDATION'],
    ['a bad asset', { asset: 'EURO' }, 'VALIDATION'],
    ['a missing destinationAccountID', { destinationAccountID: undefined }, 'VALIDATION'],
    ['a destinationAccountID that does not decode', { destinationAccountID: 'eyJ4Ijp0cnVlfQ' }, 'VALIDATION'],
    ['a description over 10000 characters', { description: 'd'.repeat(10_001) }, 'VALIDATION'],
    ['a scheduledAt in the past', { scheduledAt: '2020-01-01T00:00:00Z' }, 'VALIDATION'],
    ['a scheduledAt of now', { scheduledAt: new Date().toISOString() }, 'VALIDATION'],
  ])('refuses %s', async (_what, change, code) => {
    const response = await post({ ...valid(), ...change });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe(code);
  });

  it('refuses a duplicate reference on the same connector with CONFLICT', async () => {
    await initiate({ reference: 'duplicate-1' });
    const response = await post({ ...valid(), reference: 'duplicate-1' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errorCode: string }).errorCode).toBe('CONFLICT');
  });

  it('refuses reversal bodies that break the rules', async () => {
    const { id } = await initiate({ reference: 'reverse-rules' }, true);
    await statusOnce(id, 'PROCESSED');
    const reverse = (body: Record<string, unknown>) =>
      fetch(`${service.url}/v3/payment-initiations/${id}/reverse`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reference: 'rev-rule', amount: 1, asset: 'EUR/2', description: '', ...body }),
      });
    for (const change of [{ reference: 'ab' }, { amount: 0 }, { asset: 'USD/2' }, { asset: 'bad' }]) {
      const response = await reverse(change);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { errorCode: string }).errorCode).toBe('VALIDATION');
    }
  });
});
