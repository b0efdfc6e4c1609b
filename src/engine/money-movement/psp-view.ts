// An initiation as the connector sees it: its accounts, and for a destination made from a bank account,
// that account's details, opened just before the call and going no further.
import type { PspAccount, PspPaymentInitiation } from '../../connectors/sdk/contract.js';
import type { Keyring } from '../../security/encryption.js';
import { sealedBankAccountOfAccount } from '../../storage/bank-accounts.js';
import type { Db } from '../../storage/db.js';
import { initiationAccounts, type InitiationRow } from '../../storage/payment-initiations.js';
import { BANK_DETAIL } from './psp-writes.js';

export async function pspView(
  deps: { db: Db; keyring: Keyring },
  row: InitiationRow,
): Promise<PspPaymentInitiation> {
  const ids = [row.source_account_id, row.destination_account_id].filter((id): id is string => id !== null);
  const accounts = await initiationAccounts(deps.db, ids);
  const bank = row.destination_account_id
    ? await sealedBankAccountOfAccount(deps.db, row.destination_account_id)
    : undefined;
  const open = (sealed: string | null | undefined) => (sealed ? deps.keyring.decrypt(sealed) : undefined);
  const asPsp = (
    id: string | null,
    extra: Record<string, string | undefined> = {},
  ): PspAccount | undefined => {
    const account = accounts.find((a) => a.id === id);
    if (!account) return undefined;
    const details = Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    return {
      reference: account.reference,
      createdAt: new Date(account.created_at),
      ...(account.name ? { name: account.name } : {}),
      ...(account.default_asset ? { defaultAsset: account.default_asset } : {}),
      metadata: { ...(account.metadata ?? {}), ...details },
      raw: account.raw,
    };
  };
  const source = asPsp(row.source_account_id);
  const destination = asPsp(
    row.destination_account_id,
    bank
      ? {
          [BANK_DETAIL.name]: bank.name,
          [BANK_DETAIL.accountNumber]: open(bank.account_number_sealed),
          [BANK_DETAIL.iban]: open(bank.iban_sealed),
          [BANK_DETAIL.swiftBicCode]: open(bank.swift_bic_code_sealed),
          [BANK_DETAIL.country]: bank.country ?? undefined,
        }
      : {},
  );
  return {
    reference: row.reference,
    createdAt: new Date(row.created_at),
    description: row.description,
    ...(source ? { sourceAccount: source } : {}),
    ...(destination ? { destinationAccount: destination } : {}),
    amount: BigInt(row.amount),
    asset: row.asset,
    metadata: row.metadata ?? {},
  };
}
