// A payout whose status never becomes final: polling stops at its deadline with the reason on the task
// and the initiation, which keeps PROCESSING (never FAILED on a guess). A retry resumes the same attempt
// under the same idempotency key, and the payment settling at the PSP then completes it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { CreateTransferRequest } from '../../src/connectors/sdk/contract.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import {
  readDummyPayMovements,
  readDummyPayRequests,
  setDummyPayBehaviour,
  setDummyPayPaymentStatus,
} from '../../src/connectors/dummypay/psp-files.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { stringifyJson } from '../../src/domain/json.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { present } from './sdk-helpers.js';

// A connector whose PSP acts but answers a payment Paybridge cannot store (an invalid asset).
let garbledCalls = 0;
class GarbledPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async createTransfer(request: CreateTransferRequest) {
    garbledCalls += 1;
    const pi = request.paymentInitiation;
    return {
      payment: {
        reference: `garbled-${request.idempotencyKey}`,
        createdAt: new Date(),
        type: 'TRANSFER' as const,
        amount: pi.amount,
        asset: 'not an asset',
        scheme: 'OTHER' as const,
        status: 'SUCCEEDED' as const,
        raw: {},
      },
    };
  }
}
registerConnector({
  provider: 'garbledpsp',
  capabilities: ['CREATE_TRANSFER'],
  config: z.object({}),
  pageSize: 10,
  create: () => new GarbledPsp(),
});

// A connector that breaks the contract: it answers a transfer with neither a payment nor a polling id.
let silentCalls = 0;
class SilentPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async createTransfer() {
    silentCalls += 1;
    return {};
  }
}
registerConnector({
  provider: 'silentpsp',
  capabilities: ['CREATE_TRANSFER'],
  config: z.object({}),
  pageSize: 10,
  create: () => new SilentPsp(),
});

let service: TestService;
let sdk: SDK;
let dir: string;
let connectorID: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-deadline-'));
  const opened = '2025-01-01T00:00:00Z';
  await writeFile(
    join(dir, 'accounts.json'),
    stringifyJson([{ id: 'main', opening_date: opened, currency: 'EUR' }]),
  );
  await writeFile(
    join(dir, 'external_accounts.json'),
    stringifyJson([{ id: 'supplier', created_at: opened, currency: 'EUR' }]),
  );
  await writeFile(
    join(dir, 'balances.json'),
    stringifyJson([{ account_id: 'main', amount_in_minors: 50_000, currency: 'EUR' }]),
  );
  await writeFile(join(dir, 'payments.json'), '[]');
  await setDummyPayBehaviour(dir, { settlement: 'polling' });
  service = await startTestService({
    PAYBRIDGE_INITIATION_RETRY_MIN: '100ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '300ms',
    PAYBRIDGE_INITIATION_DEADLINE: '2s',
  });
  sdk = new SDK({ serverURL: service.url });
  connectorID = present(
    (
      await sdk.payments.v3.installConnector({
        connector: 'dummypay',
        v3ConnectorConfig: { provider: 'Dummypay', name: 'deadline', directory: dir, pollingPeriod: '1h' },
      })
    ).v3InstallConnectorResponse,
    'install',
  ).data;
  await eventually(async () =>
    (await service.paybridge.deps.db.selectFrom('accounts').select('id').execute()).length === 2
      ? true
      : undefined,
  );
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('gives up polling visibly at the deadline without failing the payout, and a retry resumes it', async () => {
  const account = (reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });
  const data = present(
    (
      await sdk.payments.v3.initiatePayment({
        noValidation: true,
        v3InitiatePaymentRequest: {
          reference: 'slow-payout',
          connectorID,
          type: 'PAYOUT',
          amount: 20_000n,
          asset: 'EUR/2',
          description: 'never settles in time',
          sourceAccountID: account('main'),
          destinationAccountID: account('supplier'),
          scheduledAt: new Date('0001-01-01T00:00:00Z'),
        },
      })
    ).v3InitiatePaymentResponse,
    'initiate',
  ).data;
  const id = present(data.paymentInitiationID, 'id');
  const taskID = present(data.taskID, 'task');
  const getTask = async () =>
    present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
  const get = async () =>
    present(
      (await sdk.payments.v3.getPaymentInitiation({ paymentInitiationID: id }))
        .v3GetPaymentInitiationResponse,
      'get',
    ).data;

  const abandoned = await eventually(async () => {
    const task = await getTask();
    return task.status === 'FAILED' ? task : undefined;
  }, 20_000);
  expect(abandoned.error).toContain('deadline');
  const pi = await get();
  expect(pi.status).toBe('PROCESSING');
  expect(pi.error).toContain('deadline');
  const polls = (await readDummyPayRequests(dir)).filter((r) => r.kind === 'poll-payout');
  expect(polls.length).toBeGreaterThanOrEqual(3); // its own backoff, not the 1h polling period

  const [movement] = await readDummyPayMovements(dir);
  await setDummyPayPaymentStatus(dir, present(movement?.paymentReference, 'reference'), 'SUCCEEDED');
  const retried = present(
    (await sdk.payments.v3.retryPaymentInitiation({ paymentInitiationID: id }))
      .v3RetryPaymentInitiationResponse,
    'retry',
  ).data.taskID;
  expect(retried).toBe(taskID); // the same attempt, so the same key: the PSP cannot pay twice
  await eventually(async () => ((await get()).status === 'PROCESSED' ? true : undefined), 20_000);
  expect((await getTask()).status).toBe('SUCCEEDED');
  expect(await readDummyPayMovements(dir)).toHaveLength(1);
  const history = present(
    (await sdk.payments.v3.listPaymentInitiationAdjustments({ paymentInitiationID: id }))
      .v3PaymentInitiationAdjustmentsCursorResponse,
    'adjustments',
  ).cursor.data;
  // The give-up is in the history: a PROCESSING adjustment carrying the reason, then the outcome.
  expect(history.map((a) => [a.status, a.error?.includes('deadline') ?? false])).toEqual([
    ['PROCESSED', false],
    ['PROCESSING', true],
    ['PROCESSING', false],
    ['WAITING_FOR_VALIDATION', false],
  ]);
});

async function transferThrough(provider: string) {
  const db = service.paybridge.deps.db;
  const installed = await fetch(`${service.url}/v3/connectors/install/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: provider }),
  });
  const garbledId = ((await installed.json()) as { data: string }).data;
  const account = (reference: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(garbledId), reference });
  for (const reference of ['a', 'b']) {
    await db
      .insertInto('accounts')
      .values({
        id: account(reference),
        connector_id: garbledId,
        reference,
        type: 'INTERNAL',
        created_at: new Date().toISOString(),
        raw: '{}',
      })
      .execute();
  }
  const data = present(
    (
      await sdk.payments.v3.initiatePayment({
        noValidation: true,
        v3InitiatePaymentRequest: {
          reference: `${provider}-1`,
          connectorID: garbledId,
          type: 'TRANSFER',
          amount: 5n,
          asset: 'EUR/2',
          description: '',
          sourceAccountID: account('a'),
          destinationAccountID: account('b'),
          scheduledAt: new Date('0001-01-01T00:00:00Z'),
        },
      })
    ).v3InitiatePaymentResponse,
    'initiate',
  ).data;
  const taskID = present(data.taskID, 'task');
  const task = await eventually(async () => {
    const t = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
    return t.status === 'FAILED' ? t : undefined;
  }, 20_000);
  const pi = present(
    (
      await sdk.payments.v3.getPaymentInitiation({
        paymentInitiationID: present(data.paymentInitiationID, 'id'),
      })
    ).v3GetPaymentInitiationResponse,
    'get',
  ).data;
  return { task, pi };
}

it('retries a payment answer it cannot store, and gives up visibly at the deadline without FAILED', async () => {
  const { task, pi } = await transferThrough('garbledpsp');
  expect(task.error).toContain('invalid payment');
  expect(pi.status).toBe('PROCESSING');
  expect(pi.error).toContain('invalid payment');
  expect(garbledCalls).toBeGreaterThan(1); // asked again with the same key, not failed on the first answer
});

it('records an answer with neither a payment nor a polling id, and asks again rather than guessing', async () => {
  const { task, pi } = await transferThrough('silentpsp');
  expect(task.error).toContain('neither a payment nor a polling id');
  expect(pi.status).toBe('PROCESSING');
  expect(pi.error).toContain('neither a payment nor a polling id');
  expect(silentCalls).toBeGreaterThan(1);
});
