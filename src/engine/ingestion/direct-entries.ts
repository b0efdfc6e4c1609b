// Accounts and payments created through the API rather than fetched from a PSP (ALLOW_FORMANCE_* connectors), and payment metadata updates.
import { sql } from 'kysely';
import type { PaymentScheme, PaymentStatus, PaymentType } from '../../domain/enums.js';
import { accountIdCodec, paymentAdjustmentIdCodec, paymentIdCodec } from '../../domain/ids.js';
import { stringifyJson } from '../../domain/json.js';
import { formatTime } from '../../domain/time.js';
import { savedPayment } from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import { storedPayments } from '../../storage/payments.js';
import { requireCapability } from '../lifecycle/connectors.js';
import type { EngineDeps } from '../deps.js';
import { NotFoundError } from '../../domain/errors.js';
import { emptyWrites } from './items.js';
import { storeWrites } from './page-commit.js';

export interface AccountEntry {
  reference: string;
  connectorID: string;
  createdAt: Date;
  accountName: string;
  type: 'INTERNAL' | 'EXTERNAL';
  defaultAsset?: string;
  metadata: Record<string, string>;
  /** The request as sent: kept as the account's raw data. */
  raw: Record<string, unknown>;
}

/** Creates the account, or changes nothing when it exists already; returns its id. */
export async function createAccount(deps: EngineDeps, entry: AccountEntry): Promise<string> {
  const connector = await requireCapability(deps.db, entry.connectorID, 'ALLOW_FORMANCE_ACCOUNT_CREATION');
  const id = accountIdCodec.encode({ connectorId: connector, reference: entry.reference });
  const writes = emptyWrites();
  writes.accounts.push({
    id,
    connectorId: entry.connectorID,
    reference: entry.reference,
    type: entry.type,
    createdAt: formatTime(entry.createdAt),
    name: entry.accountName,
    defaultAsset: entry.defaultAsset ?? null,
    metadata: entry.metadata,
    raw: entry.raw,
  });
  await deps.db.transaction().execute((trx) => storeWrites(trx, connector, writes));
  return id;
}

export interface AdjustmentEntry {
  reference: string;
  createdAt: Date;
  status: PaymentStatus;
  amount?: bigint;
  asset?: string;
  metadata: Record<string, string>;
}

export interface PaymentEntry {
  reference: string;
  connectorID: string;
  createdAt: Date;
  type: PaymentType;
  initialAmount?: bigint;
  amount: bigint;
  asset: string;
  scheme: PaymentScheme;
  sourceAccountID?: string;
  destinationAccountID?: string;
  metadata: Record<string, string>;
  /** At least one: the payment's history, as ingestion would have recorded it. */
  adjustments: AdjustmentEntry[];
}

/**
 * Creates the payment with its adjustments through the ingestion write path: status and amount derive
 * from the adjustments (a refund subtracts, a capture adds), replaying the same request changes nothing,
 * and SAVED_PAYMENT events go out as for fetched payments. Returns the payment's id.
 */
export async function createPayment(deps: EngineDeps, entry: PaymentEntry): Promise<string> {
  const connector = await requireCapability(deps.db, entry.connectorID, 'ALLOW_FORMANCE_PAYMENT_CREATION');
  const paymentId = { connectorId: connector, reference: entry.reference, type: entry.type };
  const id = paymentIdCodec.encode(paymentId);
  const history = [...entry.adjustments].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const first = history[0];
  if (!first) throw new Error('a payment entry needs at least one adjustment');
  const writes = emptyWrites();
  writes.payments.push({
    id,
    connectorId: entry.connectorID,
    reference: entry.reference,
    type: entry.type,
    createdAt: formatTime(entry.createdAt),
    amount: entry.initialAmount ?? entry.amount,
    asset: entry.asset,
    scheme: entry.scheme,
    status: first.status,
    statusAt: formatTime(first.createdAt),
    sourceAccountId: entry.sourceAccountID ?? null,
    destinationAccountId: entry.destinationAccountID ?? null,
    metadata: entry.metadata,
    child: false,
  });
  for (const adjustment of history) {
    const createdAt = formatTime(adjustment.createdAt);
    writes.adjustments.push({
      id: paymentAdjustmentIdCodec.encode({
        paymentId,
        reference: adjustment.reference,
        createdAt,
        status: adjustment.status,
      }),
      paymentId: id,
      connectorId: entry.connectorID,
      reference: adjustment.reference,
      createdAt,
      status: adjustment.status,
      amount: adjustment.amount ?? null,
      asset: adjustment.asset ?? entry.asset,
      metadata: adjustment.metadata,
      raw: {},
    });
  }
  await deps.db.transaction().execute((trx) => storeWrites(trx, connector, writes));
  return id;
}

/** Adds (or overwrites) metadata keys of a payment; an actual change is a SAVED_PAYMENT event. */
export async function updatePaymentMetadata(
  deps: EngineDeps,
  paymentId: string,
  metadata: Record<string, string>,
): Promise<void> {
  paymentIdCodec.decode(paymentId);
  await deps.db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('payments')
      .select('id')
      .where('id', '=', paymentId)
      .executeTakeFirst();
    if (!exists) throw new NotFoundError('payment not found');
    const json = stringifyJson(metadata);
    const changed = await sql`
      UPDATE payments SET metadata = metadata || ${json}::jsonb, updated_at = now()
      WHERE id = ${paymentId} AND NOT metadata @> ${json}::jsonb
      RETURNING id`.execute(trx);
    if (changed.rows.length === 0) return;
    const [row] = await storedPayments(trx, [paymentId]);
    if (row) await recordEvents(trx, [savedPayment(row, `metadata:${row.updated_at}`, {})]);
  });
}
