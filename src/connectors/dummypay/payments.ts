// Payments: pages through payments.json and maps each record to a PspPayment.
import type { Logger } from 'pino';
import { assetFromCurrency } from '../../domain/assets.js';
import { PAYMENT_STATUSES, type PaymentStatus, type PaymentType } from '../../domain/enums.js';
import type { FetchNextRequest, FetchNextResponse, PspPayment } from '../sdk/contract.js';
import { PAYMENTS_FILE, type DummyPayClient, type PaymentRecord } from './client.js';
import { mapEntries, parseTimestamp, type Mapped } from './mapping.js';
import { takePage } from './paging.js';

// UNKNOWN is a Formance type too, but the file format only knows these four.
const FILE_PAYMENT_TYPES: readonly PaymentType[] = ['PAY-IN', 'PAYOUT', 'TRANSFER', 'OTHER'];

export async function fetchNextPayments(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspPayment>> {
  const page = takePage(await client.listPayments(), request.state, request.pageSize);
  const { items, skipped } = mapEntries(page.entries, toPspPayment, logger, PAYMENTS_FILE);
  return { items, skipped, newState: page.newState, hasMore: page.hasMore };
}

/** The one mapping of a payments.json record, shared by the fetch path and the write answers. */
export function toPspPayment(record: PaymentRecord, raw: unknown): Mapped<PspPayment> {
  const type = FILE_PAYMENT_TYPES.find((known) => known === record.type);
  if (!type) return { skip: `unknown payment type "${record.type}"` };
  const status = PAYMENT_STATUSES.find((known): known is PaymentStatus => known === record.status);
  if (!status) return { skip: `unknown payment status "${record.status}"` };
  const asset = assetFromCurrency(record.currency);
  if (!asset) return { skip: `unknown currency "${record.currency}"` };
  if (record.amount < 0n) return { skip: `negative amount ${record.amount}` };
  const createdAt = parseTimestamp(record.created_at);
  if (!createdAt) return { skip: `created_at "${record.created_at}" is not an RFC 3339 timestamp` };
  let updatedAt = createdAt;
  if (record.updated_at !== undefined) {
    const parsed = parseTimestamp(record.updated_at);
    if (!parsed) return { skip: `updated_at "${record.updated_at}" is not an RFC 3339 timestamp` };
    updatedAt = parsed;
  }

  const payment: PspPayment = {
    reference: record.reference,
    createdAt,
    updatedAt,
    type,
    amount: record.amount,
    asset,
    scheme: 'OTHER',
    status,
    metadata: {},
    raw,
  };
  if (record.parent_reference !== undefined) payment.parentReference = record.parent_reference;
  if (record.source_account_id !== undefined) payment.sourceAccountReference = record.source_account_id;
  if (record.destination_account_id !== undefined) {
    payment.destinationAccountReference = record.destination_account_id;
  }
  return { item: payment };
}
