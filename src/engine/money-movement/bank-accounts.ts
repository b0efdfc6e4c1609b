// Bank accounts: their details sealed with the keyring as they arrive, and a SAVED_BANK_ACCOUNT event per change.
import { randomUUID } from 'node:crypto';
import { maskAccountNumber, maskBic, maskIban } from '../../domain/masking.js';
import { formatDbTime } from '../../domain/time.js';
import { savedBankAccount } from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import type { BankAccountDetails, PspAccount } from '../../connectors/sdk/contract.js';
import { accountIdCodec, connectorIdCodec, taskIdCodec } from '../../domain/ids.js';
import {
  bankAccountExists,
  type BankAccountRow,
  bankAccountsQuery,
  findSealedBankAccount,
  insertBankAccount,
  linkRelatedAccount,
  mergeBankAccountMetadata,
  relatedAccountsOf,
} from '../../storage/bank-accounts.js';
import { type ClaimedJob, requestJob, type RetryLater } from '../../storage/background-jobs.js';
import { findConnectorRow } from '../../storage/connectors.js';
import type { Db } from '../../storage/db.js';
import { createTask, finishTask } from '../../storage/tasks.js';
import { openConnector } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { requireCapability } from '../lifecycle/connectors.js';
import { NotFoundError } from '../../domain/errors.js';
import { idempotencyKey } from './initiation-runner.js';
import { retryTaskOrFail } from './task-retry.js';
import { mapAccounts } from '../ingestion/items.js';
import { signalWork } from '../execution/wakeups.js';
import { storeWrites } from '../ingestion/page-commit.js';

export interface BankAccountEntry {
  name: string;
  accountNumber?: string;
  iban?: string;
  swiftBicCode?: string;
  country?: string;
  metadata: Record<string, string>;
}

async function emitSaved(db: Db, row: BankAccountRow): Promise<void> {
  const related = (await relatedAccountsOf(db, [row.id])).get(row.id) ?? [];
  await recordEvents(db, [
    savedBankAccount(
      row,
      related.map((r) => ({
        accountID: r.account_id,
        connectorID: r.connector_id,
        createdAt: formatDbTime(r.created_at),
      })),
    ),
  ]);
}

/** Stores a bank account; the plaintext details go no further than this function. Returns its id. */
export async function createBankAccount(deps: EngineDeps, entry: BankAccountEntry): Promise<string> {
  const seal = (value: string | undefined, mask: (v: string) => string) =>
    value === undefined ? null : { sealed: deps.keyring.encrypt(value), masked: mask(value) };
  const id = randomUUID();
  await deps.db.transaction().execute(async (trx) => {
    const row = await insertBankAccount(trx, {
      id,
      name: entry.name,
      accountNumber: seal(entry.accountNumber, maskAccountNumber),
      iban: seal(entry.iban, maskIban),
      swiftBicCode: seal(entry.swiftBicCode, maskBic),
      country: entry.country ?? null,
      metadata: entry.metadata,
    });
    await emitSaved(trx, row);
  });
  return id;
}

/** Merges metadata keys in; a real change is a SAVED_BANK_ACCOUNT event. */
export async function updateBankAccountMetadata(
  deps: EngineDeps,
  id: string,
  metadata: Record<string, string>,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await bankAccountExists(trx, id))) throw new NotFoundError('bank account not found');
    const row = await mergeBankAccountMetadata(trx, id, metadata);
    if (row) await emitSaved(trx, row);
  });
}

/**
 * Sends a bank account to a connector, which creates it at the PSP: a task and a job holding only ids,
 * in one transaction. The details are decrypted by the worker, just before the call. Returns the task.
 */
export async function forwardBankAccount(
  deps: EngineDeps,
  bankAccountId: string,
  connectorId: string,
): Promise<string> {
  if (!(await bankAccountExists(deps.db, bankAccountId))) throw new NotFoundError('bank account not found');
  const id = await requireCapability(deps.db, connectorId, 'CREATE_BANK_ACCOUNT');
  const taskId = taskIdCodec.encode(
    id,
    `create-bank-account-${id.provider}-${id.reference}-${bankAccountId}`,
  );
  await deps.db.transaction().execute(async (trx) => {
    await createTask(trx, { id: taskId, connectorId });
    await requestJob(trx, { kind: 'bank-account-forward', id: taskId, bankAccountId, connectorId });
    await signalWork(trx, 'jobs');
  });
  return taskId;
}

type ForwardJob = Extract<ClaimedJob, { kind: 'bank-account-forward' }>;

/**
 * The worker side of a forward. The connector creates the account at the PSP under an idempotency key
 * derived from the bank account and the connector, so a retry (or a second forward) never creates two.
 * The account it returns is stored as an EXTERNAL account and linked, and the task records it. A
 * refusal fails the task; an unknown outcome is retried with backoff until the deadline.
 */
export async function runBankAccountForward(
  deps: EngineDeps,
  job: ForwardJob,
): Promise<RetryLater | undefined> {
  const connectorRow = await findConnectorRow(deps.db, job.connectorId);
  const bank = await findSealedBankAccount(deps.db, job.bankAccountId);
  if (!connectorRow || connectorRow.scheduled_for_deletion || !bank) {
    await finishTask(deps.db, job.id, {
      status: 'FAILED',
      error: !bank ? 'the bank account was deleted' : 'the connector was uninstalled',
    });
    return undefined;
  }
  const open = (sealed: string | null) => (sealed ? deps.keyring.decrypt(sealed) : undefined);
  const details: BankAccountDetails = {
    id: bank.id,
    createdAt: new Date(bank.created_at),
    name: bank.name,
    metadata: bank.metadata ?? {},
  };
  const accountNumber = open(bank.account_number_sealed);
  const iban = open(bank.iban_sealed);
  const swiftBicCode = open(bank.swift_bic_code_sealed);
  if (accountNumber) details.accountNumber = accountNumber;
  if (iban) details.iban = iban;
  if (swiftBicCode) details.swiftBicCode = swiftBicCode;
  if (bank.country) details.country = bank.country;

  const connector = openConnector(deps, connectorRow, job.connectorId, deps.logger);
  let related: PspAccount;
  try {
    related = (
      await connector.createBankAccount({
        bankAccount: details,
        idempotencyKey: idempotencyKey(job.bankAccountId, job.connectorId, 'bank-account'),
      })
    ).relatedAccount;
  } catch (error) {
    return retryTaskOrFail(deps, job, 'bank account forward', error);
  }
  const connectorKey = connectorIdCodec.decode(job.connectorId);
  const writes = mapAccounts(connectorKey, 'EXTERNAL', [related]);
  const problem = writes.skipped[0];
  if (problem) {
    await finishTask(deps.db, job.id, {
      status: 'FAILED',
      error: `the connector returned an invalid account: ${problem.reason}`,
    });
    return undefined;
  }
  const accountId = accountIdCodec.encode({ connectorId: connectorKey, reference: related.reference });
  await deps.db.transaction().execute(async (trx) => {
    await storeWrites(trx, connectorKey, writes);
    if (await linkRelatedAccount(trx, { bankAccountId: bank.id, accountId, connectorId: job.connectorId })) {
      const row = await bankAccountsQuery(trx).where('id', '=', bank.id).executeTakeFirstOrThrow();
      await emitSaved(trx, row);
    }
    await finishTask(trx, job.id, { status: 'SUCCEEDED', createdObjectId: accountId });
  });
  return undefined;
}
