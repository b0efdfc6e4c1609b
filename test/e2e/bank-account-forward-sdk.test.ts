// Forwarding bank accounts to a connector through the official SDK, directly and through a payment
// service user: the connector creates the account at the PSP (once, under an idempotency key), Paybridge
// stores it as an EXTERNAL account linked to the bank account, and the details travel in no job
// payload, PSP file or event.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type {
  CreateBankAccountRequest,
  CreateTransferRequest,
  PspPaymentInitiation,
} from '../../src/connectors/sdk/contract.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { BANK_DETAIL } from '../../src/engine/money-movement/initiation-runner.js';
import { readDummyPayMovements, readDummyPayRequests } from '../../src/connectors/dummypay/psp-files.js';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { startRecordingPsp } from '../support/recording-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

const IBAN = 'FR7630006000011234567890189';
const ACCOUNT_NUMBER = '1234567890189';
const BIC = 'AGRIFRPPXXX';

// A PSP that keeps what it is sent, to check what a payout to a forwarded bank account carries.
const received: PspPaymentInitiation[] = [];
class CapturePsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async createBankAccount(request: CreateBankAccountRequest) {
    return {
      relatedAccount: {
        reference: `capture-${request.bankAccount.id}`,
        createdAt: request.bankAccount.createdAt,
        name: request.bankAccount.name,
        raw: {},
      },
    };
  }
  override async createPayout(request: CreateTransferRequest) {
    received.push(request.paymentInitiation);
    const pi = request.paymentInitiation;
    return {
      payment: {
        reference: `capture-payout-${request.idempotencyKey}`,
        createdAt: new Date(),
        type: 'PAYOUT' as const,
        amount: pi.amount,
        asset: pi.asset,
        scheme: 'OTHER' as const,
        status: 'SUCCEEDED' as const,
        ...(pi.destinationAccount ? { destinationAccountReference: pi.destinationAccount.reference } : {}),
        raw: {},
      },
    };
  }
}
registerConnector({
  provider: 'capturepsp',
  capabilities: ['CREATE_BANK_ACCOUNT', 'CREATE_PAYOUT'],
  config: z.object({}),
  pageSize: 10,
  create: () => new CapturePsp(),
});

let service: TestService;
let sdk: SDK;
let dir: string;
let connectorID: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-forward-'));
  for (const file of ['accounts.json', 'balances.json', 'external_accounts.json', 'payments.json']) {
    await writeFile(join(dir, file), '[]');
  }
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
  connectorID = present(
    (
      await sdk.payments.v3.installConnector({
        connector: 'dummypay',
        v3ConnectorConfig: { provider: 'Dummypay', name: 'forward', directory: dir, pollingPeriod: '1h' },
      })
    ).v3InstallConnectorResponse,
    'install',
  ).data;
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function createBankAccount(name: string) {
  return present(
    (
      await sdk.payments.v3.createBankAccount({
        name,
        iban: IBAN,
        accountNumber: ACCOUNT_NUMBER,
        swiftBicCode: BIC,
        country: 'FR',
      })
    ).v3CreateBankAccountResponse,
    'create',
  ).data;
}

async function taskOnce(taskID: string, status: string) {
  return eventually(
    async () => {
      const task = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
      return task.status === status ? task : undefined;
    },
    20_000,
    `task ${taskID} to be ${status}`,
  );
}

describe('forwarding a bank account', () => {
  it('creates the EXTERNAL account at the connector and links it', async () => {
    const bankAccountID = await createBankAccount('Fournisseur SA');
    const forwarded = await sdk.payments.v3.forwardBankAccount({
      bankAccountID,
      v3ForwardBankAccountRequest: { connectorID },
    });
    expect(forwarded.statusCode).toBe(202);
    const taskID = present(forwarded.v3ForwardBankAccountResponse, 'forward').data.taskID;
    const task = await taskOnce(taskID, 'SUCCEEDED');
    const accountID = accountIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: `dummypay-${bankAccountID}`,
    });
    expect(task.createdObjectID).toBe(accountID);

    const account = present(
      (await sdk.payments.v3.getAccount({ accountID })).v3GetAccountResponse,
      'account',
    ).data;
    expect(account).toMatchObject({ type: 'EXTERNAL', connectorID, name: 'Fournisseur SA' });
    const bankAccount = present(
      (await sdk.payments.v3.getBankAccount({ bankAccountID })).v3GetBankAccountResponse,
      'bank account',
    ).data;
    expect(bankAccount.relatedAccounts?.map((r) => r.accountID)).toEqual([accountID]);

    const events = await sql<{ payload: { relatedAccounts: { accountID: string }[] } }>`
      SELECT payload FROM outbox_events WHERE type = 'SAVED_BANK_ACCOUNT' AND entity_id = ${bankAccountID}
      ORDER BY seq`.execute(service.paybridge.deps.db);
    expect(events.rows.map((e) => e.payload.relatedAccounts.map((r) => r.accountID))).toEqual([
      [],
      [accountID],
    ]);

    // Forwarding again creates nothing new at the PSP: the same idempotency key finds the same account.
    const again = present(
      (
        await sdk.payments.v3.forwardBankAccount({
          bankAccountID,
          v3ForwardBankAccountRequest: { connectorID },
        })
      ).v3ForwardBankAccountResponse,
      'forward',
    ).data.taskID;
    await taskOnce(again, 'SUCCEEDED');
    const calls = (await readDummyPayRequests(dir)).filter((r) => r.kind === 'bank-account');
    expect(calls.map((c) => c.outcome)).toEqual(['created', 'replayed']);
    expect(await readDummyPayMovements(dir)).toHaveLength(1);
  });

  it('never writes the details to a job payload, a PSP file, an event or a plain column', async () => {
    const needles = [IBAN, ACCOUNT_NUMBER, BIC];
    const db = service.paybridge.deps.db;
    // Finished jobs stay in the table (until the housekeeping's retention), so the forwards' rows are here.
    const jobs = await sql`SELECT * FROM background_jobs`.execute(db);
    const jobText = JSON.stringify(jobs.rows);
    expect(jobText).toContain('bank-account-forward'); // the forward's jobs are there to be searched
    const files = await Promise.all((await readdir(dir)).map((f) => readFile(join(dir, f), 'utf8')));
    const events = JSON.stringify((await sql`SELECT payload FROM outbox_events`.execute(db)).rows);
    const tasks = JSON.stringify((await sql`SELECT * FROM tasks`.execute(db)).rows);
    for (const needle of needles) {
      expect(jobText).not.toContain(needle);
      for (const file of files) expect(file).not.toContain(needle);
      expect(events).not.toContain(needle);
      expect(tasks).not.toContain(needle);
    }
  });

  it('refuses an unknown bank account, a bad connector id, and a connector that cannot create accounts', async () => {
    await expectV3Error(
      sdk.payments.v3.forwardBankAccount({
        bankAccountID: '6d1b0c3e-7d2f-4b1e-9d43-2f4d1f1f0a11',
        v3ForwardBankAccountRequest: { connectorID },
      }),
      404,
      'NOT_FOUND',
    );
    const bankAccountID = await createBankAccount('Refused');
    await expectV3Error(
      sdk.payments.v3.forwardBankAccount({
        bankAccountID,
        v3ForwardBankAccountRequest: { connectorID: 'nope' },
      }),
      400,
      'VALIDATION',
    );
    // Generic checks its endpoint at install: a PSP that answers every listing with nothing.
    const integration = await startRecordingPsp();
    const generic = await fetch(`${service.url}/v3/connectors/install/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'no-bank-accounts',
        apiKey: 'k',
        endpoint: integration.url,
        pollingPeriod: '1h',
      }),
    });
    expect(generic.status).toBe(202);
    const genericID = ((await generic.json()) as { data: string }).data;
    await integration.stop();
    await expectV3Error(
      sdk.payments.v3.forwardBankAccount({
        bankAccountID,
        v3ForwardBankAccountRequest: { connectorID: genericID },
      }),
      400,
      'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
    );
  });
});

describe('forwarding the bank account of a payment service user', () => {
  it('forwards an account the user owns, and refuses one it does not', async () => {
    const owned = await createBankAccount('Owned');
    const stranger = await createBankAccount('Stranger');
    const paymentServiceUserID = present(
      (await sdk.payments.v3.createPaymentServiceUser({ name: 'Jane Doe', bankAccountIDs: [owned] }))
        .v3CreatePaymentServiceUserResponse,
      'psu',
    ).data;
    const forwarded = await sdk.payments.v3.forwardPaymentServiceUserBankAccount({
      paymentServiceUserID,
      bankAccountID: owned,
      v3ForwardPaymentServiceUserBankAccountRequest: { connectorID },
    });
    expect(forwarded.statusCode).toBe(202);
    const taskID = present(forwarded.v3ForwardPaymentServiceUserBankAccountResponse, 'forward').data.taskID;
    await taskOnce(taskID, 'SUCCEEDED');
    await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserBankAccount({
        paymentServiceUserID,
        bankAccountID: stranger,
        v3ForwardPaymentServiceUserBankAccountRequest: { connectorID },
      }),
      400,
      'VALIDATION',
    );
  });
});

describe('a payout to a forwarded bank account', () => {
  it('hands the connector the decrypted details, and stores them nowhere on the way', async () => {
    const installed = await fetch(`${service.url}/v3/connectors/install/capturepsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'capture' }),
    });
    const captureID = ((await installed.json()) as { data: string }).data;
    const bankAccountID = await createBankAccount('Payee Ltd');
    const forwarded = present(
      (
        await sdk.payments.v3.forwardBankAccount({
          bankAccountID,
          v3ForwardBankAccountRequest: { connectorID: captureID },
        })
      ).v3ForwardBankAccountResponse,
      'forward',
    ).data.taskID;
    const destination = present((await taskOnce(forwarded, 'SUCCEEDED')).createdObjectID, 'account');
    const initiated = present(
      (
        await sdk.payments.v3.initiatePayment({
          noValidation: true,
          v3InitiatePaymentRequest: {
            reference: 'payout-to-bank-account',
            connectorID: captureID,
            type: 'PAYOUT',
            amount: 4_200n,
            asset: 'EUR/2',
            description: 'supplier invoice',
            destinationAccountID: destination,
            scheduledAt: new Date('0001-01-01T00:00:00Z'),
          },
        })
      ).v3InitiatePaymentResponse,
      'initiate',
    ).data;
    await taskOnce(present(initiated.taskID, 'task'), 'SUCCEEDED');
    expect(received).toHaveLength(1);
    expect(received[0]?.destinationAccount?.metadata).toMatchObject({
      [BANK_DETAIL.iban]: IBAN,
      [BANK_DETAIL.accountNumber]: ACCOUNT_NUMBER,
      [BANK_DETAIL.swiftBicCode]: BIC,
      [BANK_DETAIL.country]: 'FR',
      [BANK_DETAIL.name]: 'Payee Ltd',
    });
    const db = service.paybridge.deps.db;
    const stored = JSON.stringify([
      (await sql`SELECT * FROM payment_initiations`.execute(db)).rows,
      (await sql`SELECT * FROM payment_initiation_adjustments`.execute(db)).rows,
      (await sql`SELECT * FROM payments`.execute(db)).rows,
      (await sql`SELECT * FROM accounts`.execute(db)).rows,
      (await sql`SELECT payload FROM outbox_events`.execute(db)).rows,
      (await sql`SELECT * FROM background_jobs`.execute(db)).rows,
    ]);
    for (const needle of [IBAN, ACCOUNT_NUMBER, BIC]) expect(stored).not.toContain(needle);
  });
});
