// Bank accounts: their details sealed with the keyring as they arrive, and a SAVED_BANK_ACCOUNT event per change.
import { randomUUID } from 'node:crypto';
import { maskAccountNumber, maskBic, maskIban } from '../domain/masking.js';
import { formatDbTime } from '../domain/time.js';
import { savedBankAccount } from '../events/events.js';
import { recordEvents } from '../events/outbox.js';
import { notFoundError } from '../api/errors.js';
import {
  type BankAccountRow,
  insertBankAccount,
  mergeBankAccountMetadata,
  relatedAccountsOf,
} from '../storage/bank-accounts.js';
import type { Db } from '../storage/db.js';
import type { EngineDeps } from './deps.js';

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
    const exists = await trx.selectFrom('bank_accounts').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw notFoundError('bank account not found');
    const row = await mergeBankAccountMetadata(trx, id, metadata);
    if (row) await emitSaved(trx, row);
  });
}
