// Bank accounts: sealed details with their masked forms, related accounts, and reads that never decrypt.
import { sql } from 'kysely';
import { stringifyJson } from '../domain/json.js';
import type { Db } from './db.js';

export interface BankAccountWrite {
  id: string;
  name: string;
  accountNumber: { sealed: string; masked: string } | null;
  iban: { sealed: string; masked: string } | null;
  swiftBicCode: { sealed: string; masked: string } | null;
  country: string | null;
  metadata: Record<string, string>;
}

export function bankAccountsQuery(db: Db) {
  return db
    .selectFrom('bank_accounts')
    .select([
      'id',
      'created_at',
      'name',
      'account_number_masked',
      'iban_masked',
      'swift_bic_code_masked',
      'country',
      'metadata',
      'sort_id',
    ]);
}
export type BankAccountRow = Awaited<
  ReturnType<ReturnType<typeof bankAccountsQuery>['executeTakeFirstOrThrow']>
>;

export async function insertBankAccount(db: Db, b: BankAccountWrite): Promise<BankAccountRow> {
  await db
    .insertInto('bank_accounts')
    .values({
      id: b.id,
      name: b.name,
      account_number_sealed: b.accountNumber?.sealed ?? null,
      account_number_masked: b.accountNumber?.masked ?? null,
      iban_sealed: b.iban?.sealed ?? null,
      iban_masked: b.iban?.masked ?? null,
      swift_bic_code_sealed: b.swiftBicCode?.sealed ?? null,
      swift_bic_code_masked: b.swiftBicCode?.masked ?? null,
      country: b.country,
      metadata: stringifyJson(b.metadata),
    })
    .execute();
  return bankAccountsQuery(db).where('id', '=', b.id).executeTakeFirstOrThrow();
}

/** Merges `metadata` in; returns the row when something changed, undefined when nothing did. */
export async function mergeBankAccountMetadata(
  db: Db,
  id: string,
  metadata: Record<string, string>,
): Promise<BankAccountRow | undefined> {
  const json = stringifyJson(metadata);
  const changed = await sql<{ id: string }>`
    UPDATE bank_accounts SET metadata = metadata || ${json}::jsonb
    WHERE id = ${id} AND NOT metadata @> ${json}::jsonb
    RETURNING id`.execute(db);
  if (changed.rows.length === 0) return undefined;
  return bankAccountsQuery(db).where('id', '=', id).executeTakeFirstOrThrow();
}

export interface RelatedAccountRow {
  bank_account_id: string;
  account_id: string;
  connector_id: string;
  created_at: string;
}

/** The related accounts of several bank accounts at once, oldest first. */
export async function relatedAccountsOf(db: Db, ids: string[]): Promise<Map<string, RelatedAccountRow[]>> {
  const related = new Map<string, RelatedAccountRow[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return related;
  const rows = await db
    .selectFrom('bank_account_related_accounts')
    .select(['bank_account_id', 'account_id', 'connector_id', 'created_at'])
    .where('bank_account_id', 'in', ids)
    .orderBy('created_at')
    .execute();
  for (const row of rows) related.get(row.bank_account_id)?.push(row);
  return related;
}

export async function bankAccountExists(db: Db, id: string): Promise<boolean> {
  const row = await db.selectFrom('bank_accounts').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** A bank account with its sealed details: only for the worker, just before it calls a connector. */
export function findSealedBankAccount(db: Db, id: string) {
  return db.selectFrom('bank_accounts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The sealed details of the bank account an account was made from (a payout's destination), if any. */
export function sealedBankAccountOfAccount(db: Db, accountId: string) {
  return db
    .selectFrom('bank_account_related_accounts as r')
    .innerJoin('bank_accounts as b', 'b.id', 'r.bank_account_id')
    .select(['b.name', 'b.account_number_sealed', 'b.iban_sealed', 'b.swift_bic_code_sealed', 'b.country'])
    .where('r.account_id', '=', accountId)
    .executeTakeFirst();
}

/** Links an account at a connector to the bank account it was made from; true when the link is new. */
export async function linkRelatedAccount(
  db: Db,
  link: { bankAccountId: string; accountId: string; connectorId: string },
): Promise<boolean> {
  const linked = await db
    .insertInto('bank_account_related_accounts')
    .values({
      bank_account_id: link.bankAccountId,
      account_id: link.accountId,
      connector_id: link.connectorId,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('account_id')
    .executeTakeFirst();
  return linked !== undefined;
}
