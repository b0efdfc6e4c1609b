// Money movement at Increase: account transfers (TRANSFER), ACH, wire and real-time payments transfers (PAYOUT) on the rail the initiation names, and external accounts, each with Idempotency-Key.
import { createHash } from 'node:crypto';
import type { PaymentStatus, PaymentType } from '../../domain/enums.js';
import type { BankAccountDetails, PspPayment, PspPaymentInitiation } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { specMetadata, specMetadataKey } from '../sdk/money.js';
import { documented, type IncreaseClient, type TransferKind } from './client.js';
import { PROVIDER, schemeOf } from './mapping.js';
import { transferSchema, type IncreaseTransfer } from './objects.js';

/** Initiation metadata keys (MAPPING.md, "Writes"). */
export const KEYS = {
  rail: specMetadataKey(PROVIDER, 'rail'),
  statementDescriptor: specMetadataKey(PROVIDER, 'statement_descriptor'),
  creditorName: specMetadataKey(PROVIDER, 'creditor_name'),
  sourceAccountNumberId: specMetadataKey(PROVIDER, 'source_account_number_id'),
  routingNumber: specMetadataKey(PROVIDER, 'routing_number'),
  accountHolder: specMetadataKey(PROVIDER, 'account_holder'),
  funding: specMetadataKey(PROVIDER, 'funding'),
} as const;

export const RAILS = {
  ach: 'ach_transfer',
  wire: 'wire_transfer',
  real_time_payments: 'real_time_payments_transfer',
} as const;
export type Rail = keyof typeof RAILS;

/** Increase takes idempotency keys of up to 200 characters; a longer engine key is hashed (still stable). */
export function increaseKey(key: string): string {
  return key.length <= 200 ? key : `sha256-${createHash('sha256').update(key).digest('hex')}`;
}

/** Increase moves US dollars in cents. */
function usdCents(initiation: PspPaymentInitiation): number {
  if (initiation.asset !== 'USD/2') {
    throw new InvalidRequestError(`Increase moves US dollars only (USD/2), not ${initiation.asset}`);
  }
  if (initiation.amount <= 0n) throw new InvalidRequestError('the amount must be positive');
  if (initiation.amount > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidRequestError('the amount is too large');
  return Number(initiation.amount);
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value.trim() === '') throw new InvalidRequestError(`${what} is required`);
  return value;
}

const FINAL: Record<TransferKind, Record<string, PaymentStatus>> = {
  account_transfer: { complete: 'SUCCEEDED', canceled: 'CANCELLED' },
  ach_transfer: { submitted: 'SUCCEEDED', returned: 'FAILED', rejected: 'FAILED', canceled: 'CANCELLED' },
  wire_transfer: {
    submitted: 'SUCCEEDED',
    complete: 'SUCCEEDED',
    reversed: 'FAILED',
    rejected: 'FAILED',
    canceled: 'CANCELLED',
  },
  real_time_payments_transfer: { complete: 'SUCCEEDED', rejected: 'FAILED', canceled: 'CANCELLED' },
};

/**
 * A transfer as the payment polling will see it (same reference, the transfer id, and same type), or
 * undefined while Increase has not settled it (pending approval, review, submission).
 */
export function transferPayment(transfer: IncreaseTransfer): PspPayment | undefined {
  const status = FINAL[transfer.type][transfer.status];
  if (!status) return undefined;
  const type: PaymentType =
    transfer.type === 'account_transfer' ? 'TRANSFER' : transfer.amount < 0n ? 'PAY-IN' : 'PAYOUT';
  const destination = transfer.destination_account_id ?? transfer.external_account_id ?? undefined;
  return {
    reference: transfer.id,
    createdAt: new Date(transfer.created_at),
    type,
    amount: transfer.amount < 0n ? -transfer.amount : transfer.amount,
    asset: 'USD/2',
    scheme: schemeOf(transfer.type),
    status,
    ...(transfer.account_id ? { sourceAccountReference: transfer.account_id } : {}),
    ...(destination ? { destinationAccountReference: destination } : {}),
    metadata: specMetadata(PROVIDER, { movement_id: transfer.id, transfer_status: transfer.status }),
    raw: transfer,
  };
}

/** What a write answers: the payment when settled, otherwise a polling id `<kind>:<id>`. */
export function writeAnswer(transfer: IncreaseTransfer): { payment?: PspPayment; pollingId?: string } {
  const payment = transferPayment(transfer);
  return payment ? { payment } : { pollingId: `${transfer.type}:${transfer.id}` };
}

export async function createAccountTransfer(
  client: IncreaseClient,
  initiation: PspPaymentInitiation,
  idempotencyKey: string,
): Promise<IncreaseTransfer> {
  const amount = usdCents(initiation);
  const body = {
    account_id: required(initiation.sourceAccount?.reference, 'the source account (an Increase account id)'),
    destination_account_id: required(
      initiation.destinationAccount?.reference,
      'the destination account (an Increase account id)',
    ),
    amount,
    description: initiation.description || initiation.reference,
  };
  return documented(
    transferSchema,
    await client.createTransfer('account_transfer', body, increaseKey(idempotencyKey)),
    'an account transfer',
  );
}

/** The rail named by `com.increase.spec/rail` (default ach). */
export function railOf(initiation: PspPaymentInitiation): Rail {
  const rail = initiation.metadata[KEYS.rail] ?? 'ach';
  if (!Object.hasOwn(RAILS, rail)) {
    throw new InvalidRequestError(
      `${KEYS.rail} must be one of ${Object.keys(RAILS).join(', ')}, not '${rail.slice(0, 32)}'`,
    );
  }
  return rail as Rail;
}

export async function createPayout(
  client: IncreaseClient,
  initiation: PspPaymentInitiation,
  idempotencyKey: string,
): Promise<IncreaseTransfer> {
  const amount = usdCents(initiation);
  const rail = railOf(initiation);
  const meta = (key: string) => initiation.metadata[key];
  const externalAccount = required(
    initiation.destinationAccount?.reference,
    'the destination account (an Increase external account id)',
  );
  const description = initiation.description || initiation.reference;
  let body: Record<string, unknown>;
  switch (rail) {
    case 'ach':
      body = {
        account_id: required(
          initiation.sourceAccount?.reference,
          'the source account (an Increase account id)',
        ),
        external_account_id: externalAccount,
        amount,
        statement_descriptor: meta(KEYS.statementDescriptor) ?? description,
      };
      break;
    case 'wire':
      body = {
        account_id: required(
          initiation.sourceAccount?.reference,
          'the source account (an Increase account id)',
        ),
        external_account_id: externalAccount,
        amount,
        creditor: {
          name: required(meta(KEYS.creditorName) ?? initiation.destinationAccount?.name, KEYS.creditorName),
        },
        remittance: { category: 'unstructured', unstructured: { message: description } },
      };
      break;
    case 'real_time_payments':
      body = {
        source_account_number_id: required(meta(KEYS.sourceAccountNumberId), KEYS.sourceAccountNumberId),
        external_account_id: externalAccount,
        amount,
        creditor_name: required(
          meta(KEYS.creditorName) ?? initiation.destinationAccount?.name,
          KEYS.creditorName,
        ),
        unstructured_remittance_information: description,
      };
      break;
  }
  return documented(
    transferSchema,
    await client.createTransfer(RAILS[rail], body, increaseKey(idempotencyKey)),
    `a ${RAILS[rail]}`,
  );
}

/** Reads a transfer back by its polling id. */
export async function pollTransfer(client: IncreaseClient, pollingId: string): Promise<IncreaseTransfer> {
  const at = pollingId.indexOf(':');
  const kind = pollingId.slice(0, at);
  const id = pollingId.slice(at + 1);
  if (at < 0 || !['account_transfer', ...Object.values(RAILS)].includes(kind) || id === '') {
    throw new InvalidRequestError(`'${pollingId.slice(0, 64)}' is not an Increase polling id`);
  }
  return documented(transferSchema, await client.get(kind as TransferKind, id), `a ${kind}`);
}

/** The external account body: Increase needs a US routing number (metadata) and an account number. */
export function externalAccountBody(bankAccount: BankAccountDetails) {
  const holder = bankAccount.metadata[KEYS.accountHolder];
  const funding = bankAccount.metadata[KEYS.funding];
  if (holder !== undefined && !['business', 'individual', 'unknown'].includes(holder)) {
    throw new InvalidRequestError(`${KEYS.accountHolder} must be business, individual or unknown`);
  }
  if (funding !== undefined && !['checking', 'savings', 'general_ledger', 'other'].includes(funding)) {
    throw new InvalidRequestError(`${KEYS.funding} must be checking, savings, general_ledger or other`);
  }
  const routing = required(bankAccount.metadata[KEYS.routingNumber], KEYS.routingNumber);
  if (!/^\d{9}$/.test(routing))
    throw new InvalidRequestError(`${KEYS.routingNumber} must be 9 digits (an ABA routing number)`);
  return {
    account_number: required(bankAccount.accountNumber, 'the account number'),
    routing_number: routing,
    description: bankAccount.name || bankAccount.id,
    ...(holder ? { account_holder: holder as 'business' | 'individual' | 'unknown' } : {}),
    ...(funding ? { funding: funding as 'checking' | 'savings' | 'general_ledger' | 'other' } : {}),
  };
}
