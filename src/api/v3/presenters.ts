// Rows to v3 wire objects, shaped as the official SDK parses them (absent, never null, where it wants optional).
import type { z } from 'zod';
import type { Capability } from '../../connectors/sdk/capabilities.js';
import type {
  AccountType,
  ConversionStatus,
  OrderDirection,
  OrderStatus,
  OrderType,
  PaymentStatus,
  PaymentType,
  TaskStatus,
  TimeInForce,
} from '../../domain/enums.js';
import { toAmount } from '../../domain/money.js';
import { formatDbTime } from '../../domain/time.js';
import type { AccountRow } from '../../storage/accounts.js';
import type { BalanceRow } from '../../storage/balances.js';
import type { ConnectorRow } from '../../storage/connectors.js';
import type { ConversionRow } from '../../storage/conversions.js';
import type { OrderAdjustmentRow, OrderRow } from '../../storage/orders.js';
import type { PaymentRow } from '../../storage/payments.js';
import type { InstanceRow, ScheduleRow } from '../../storage/schedules.js';
import type * as S from './schemas.js';

type Raw = Record<string, unknown>;

const time = (value: string) => formatDbTime(value);

export function presentAccount(row: AccountRow): z.input<typeof S.account> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    connector: {
      id: row.connector_id,
      reference: row.connector_reference,
      name: row.connector_name,
      createdAt: time(row.connector_created_at),
      provider: row.provider,
    },
    provider: row.provider,
    reference: row.reference,
    createdAt: time(row.created_at),
    type: row.type as AccountType,
    name: row.name,
    defaultAsset: row.default_asset,
    metadata: row.metadata ?? {},
    raw: row.raw as Raw,
  };
}

export function presentBalance(row: BalanceRow): z.input<typeof S.balance> {
  return {
    accountID: row.account_id,
    createdAt: time(row.created_at),
    lastUpdatedAt: time(row.last_updated_at),
    asset: row.asset,
    balance: toAmount(row.balance),
    psuID: '',
  };
}

export interface AdjustmentRow {
  id: string;
  reference: string;
  created_at: string;
  status: string;
  amount: string | null;
  asset: string | null;
  metadata: Record<string, string>;
  raw: unknown;
}

export function presentAdjustment(row: AdjustmentRow): z.input<typeof S.paymentAdjustment> {
  return {
    id: row.id,
    reference: row.reference,
    createdAt: time(row.created_at),
    status: row.status as PaymentStatus,
    ...(row.amount === null ? {} : { amount: toAmount(row.amount) }),
    ...(row.asset === null ? {} : { asset: row.asset }),
    metadata: row.metadata ?? {},
    raw: row.raw as Raw,
  };
}

export function presentPayment(
  row: PaymentRow,
  adjustments: AdjustmentRow[] | null,
): z.input<typeof S.payment> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    provider: row.provider,
    reference: row.reference,
    createdAt: time(row.created_at),
    type: row.type as PaymentType,
    initialAmount: toAmount(row.initial_amount),
    amount: toAmount(row.amount),
    asset: row.asset,
    scheme: row.scheme,
    status: row.status as PaymentStatus,
    sourceAccountID: row.source_account_id,
    destinationAccountID: row.destination_account_id,
    metadata: row.metadata ?? {},
    adjustments: adjustments === null ? null : adjustments.map(presentAdjustment),
  };
}

export function presentConnector(
  row: ConnectorRow,
  config: Record<string, unknown>,
  capabilities: Capability[],
): z.input<typeof S.connector> {
  return {
    id: row.id,
    reference: row.reference,
    name: row.name,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    provider: row.provider,
    config,
    scheduledForDeletion: row.scheduled_for_deletion,
    capabilities,
  };
}

export function presentSchedule(row: ScheduleRow): z.input<typeof S.schedule> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    createdAt: time(row.created_at),
    ...(row.paused_at ? { pausedAt: time(row.paused_at), pausedReason: row.paused_reason ?? '' } : {}),
    taskType: row.task_type,
    ...(row.next_run_at ? { nextRunAt: time(row.next_run_at) } : {}),
    consecutiveFailures: row.consecutive_failures,
    ...(row.last_run_id && row.last_run_at
      ? {
          lastRun: {
            id: row.last_run_id,
            createdAt: time(row.last_run_at),
            ...(row.last_run_terminated_at ? { terminatedAt: time(row.last_run_terminated_at) } : {}),
            ...(row.last_run_error ? { error: row.last_run_error } : {}),
            items: row.last_run_items ?? 0,
            skippedRecords: row.last_run_skipped ?? 0,
            warnings: row.last_run_warnings ?? [],
          },
        }
      : {}),
  };
}

export function presentInstance(row: InstanceRow): z.input<typeof S.instance> {
  return {
    id: row.id,
    scheduleID: row.schedule_id,
    connectorID: row.connector_id,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    terminated: row.terminated,
    ...(row.terminated_at ? { terminatedAt: time(row.terminated_at) } : {}),
    ...(row.error ? { error: row.error } : {}),
    // Not in Formance's model (the SDK ignores them): what the run did, the invalid records it skipped, and
    // what it warned about.
    pages: row.pages,
    items: row.items,
    skippedRecords: row.skipped,
    warnings: row.warnings,
  };
}

export interface TaskRow {
  id: string;
  connector_id: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  created_object_id: string | null;
  error: string | null;
}

export function presentTask(row: TaskRow): z.input<typeof S.task> {
  return {
    id: row.id,
    ...(row.connector_id ? { connectorID: row.connector_id } : {}),
    status: row.status as TaskStatus,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    ...(row.created_object_id ? { createdObjectID: row.created_object_id } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

/** `dummypay` → `Dummypay`: the literal the SDK's config union needs. */
export function titleCase(provider: string): string {
  return provider.charAt(0).toUpperCase() + provider.slice(1);
}

// Optional fields are left out when empty: the SDK takes null for most of them, but not for all.
const optionalAmount = <K extends string>(key: K, value: string | null) =>
  (value === null ? {} : { [key]: toAmount(value) }) as Partial<Record<K, bigint>>;
const optionalText = <K extends string>(key: K, value: string | null) =>
  (value === null ? {} : { [key]: value }) as Partial<Record<K, string>>;

export function presentOrderAdjustment(row: OrderAdjustmentRow): z.input<typeof S.orderAdjustment> {
  return {
    id: row.id,
    reference: row.reference,
    createdAt: time(row.created_at),
    status: row.status as OrderStatus,
    ...optionalAmount('baseQuantityFilled', row.base_quantity_filled),
    ...optionalAmount('fee', row.fee),
    ...optionalText('feeAsset', row.fee_asset),
    metadata: row.metadata ?? {},
    raw: row.raw as Raw,
  };
}

export function presentOrder(row: OrderRow, adjustments: OrderAdjustmentRow[]): z.input<typeof S.order> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    provider: row.provider,
    reference: row.reference,
    ...optionalText('clientOrderID', row.client_order_id),
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    direction: row.direction as OrderDirection,
    sourceAsset: row.source_asset,
    destinationAsset: row.destination_asset,
    type: row.type as OrderType,
    status: row.status as OrderStatus,
    baseQuantityOrdered: toAmount(row.base_quantity_ordered),
    baseQuantityFilled: row.base_quantity_filled === null ? null : toAmount(row.base_quantity_filled),
    ...optionalAmount('limitPrice', row.limit_price),
    ...optionalAmount('stopPrice', row.stop_price),
    timeInForce: row.time_in_force as TimeInForce,
    ...(row.expires_at === null ? {} : { expiresAt: time(row.expires_at) }),
    ...optionalAmount('quoteAmount', row.quote_amount),
    ...optionalText('quoteAsset', row.quote_asset),
    ...optionalAmount('fee', row.fee),
    ...optionalText('feeAsset', row.fee_asset),
    ...optionalAmount('averageFillPrice', row.average_fill_price),
    ...optionalText('priceAsset', row.price_asset),
    ...optionalText('error', row.error),
    sourceAccountID: row.source_account_id,
    destinationAccountID: row.destination_account_id,
    metadata: row.metadata ?? {},
    adjustments: adjustments.map(presentOrderAdjustment),
  };
}

export function presentConversion(row: ConversionRow): z.input<typeof S.conversion> {
  return {
    id: row.id,
    connectorID: row.connector_id,
    provider: row.provider,
    reference: row.reference,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
    sourceAsset: row.source_asset,
    destinationAsset: row.destination_asset,
    sourceAmount: toAmount(row.source_amount),
    ...optionalAmount('destinationAmount', row.destination_amount),
    ...optionalAmount('fee', row.fee),
    ...optionalText('feeAsset', row.fee_asset),
    status: row.status as ConversionStatus,
    ...optionalText('error', row.error),
    sourceAccountID: row.source_account_id,
    destinationAccountID: row.destination_account_id,
    metadata: row.metadata ?? {},
    raw: row.raw as Raw,
  };
}
