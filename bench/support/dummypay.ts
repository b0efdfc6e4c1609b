// A DummyPay directory for the benchmark (format: src/connectors/dummypay/MAPPING.md), and the same
// file-record → PspPayment mapping the connector applies, for the ceiling measurement.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PspPayment } from '../../src/connectors/sdk/contract.js';
import { assetFromCurrency } from '../../src/domain/assets.js';
import { PAYMENT_STATUSES, type PaymentStatus, type PaymentType } from '../../src/domain/enums.js';
import { stringifyJson } from '../../src/domain/json.js';
import { parseTimestamp } from '../../src/connectors/dummypay/mapping.js';

const CURRENCIES = ['EUR', 'USD', 'JPY', 'BTC/8'] as const;
const TYPES: readonly PaymentType[] = ['PAY-IN', 'PAYOUT', 'TRANSFER', 'OTHER'];
const FINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
const EPOCH = Date.parse('2024-01-01T00:00:00Z');
const HUGE_AMOUNT = 18446744073709551615n;

export interface BenchDirectory {
  payments: number;
  bytes: number;
}

/** Writes accounts, balances, external accounts and `payments` payments; same seed, same files. */
export async function writeBenchDirectory(
  dir: string,
  options: { accounts: number; externalAccounts: number; payments: number; seed?: number },
): Promise<BenchDirectory> {
  const random = mulberry32(options.seed ?? 1);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const time = (offsetMs: number) => new Date(EPOCH + offsetMs).toISOString();
  const pad = (i: number) => String(i).padStart(7, '0');

  const accounts = Array.from({ length: options.accounts }, (_, i) => ({
    id: `bench-account-${pad(i)}`,
    name: `bench account ${i}`,
    opening_date: time(i * 60_000),
    currency: CURRENCIES[i % CURRENCIES.length] as string,
  }));
  const balances = accounts.map((a, i) => ({
    account_id: a.id,
    amount_in_minors: BigInt(i * 100 + 23),
    currency: a.currency,
  }));
  const externalAccounts = Array.from({ length: options.externalAccounts }, (_, i) => ({
    id: `bench-external-${pad(i)}`,
    name: `bench external ${i}`,
    created_at: time(i * 60_000 + 30_000),
    currency: CURRENCIES[(i + 1) % CURRENCIES.length] as string,
  }));
  const internal = () => pick(accounts).id;
  const external = () => pick(externalAccounts).id;

  const payments: Record<string, unknown>[] = [];
  for (let i = 0; i < options.payments; i++) {
    const type = TYPES[i % TYPES.length] as PaymentType;
    const createdMs = 3_600_000 + Math.floor(i / 3) * 1000;
    const payment: Record<string, unknown> = {
      reference: `bench-payment-${pad(i)}`,
      type,
      amount: i % 50 === 1 ? HUGE_AMOUNT : BigInt(1 + Math.floor(random() * 1_000_000)),
      currency: pick(CURRENCIES),
      status: 'PENDING',
      created_at: time(createdMs),
    };
    if (random() >= 1 / 3) {
      payment.status = pick(FINAL_STATUSES);
      payment.updated_at = time(createdMs + 1000 + Math.floor(random() * 60) * 1000);
    }
    if (type === 'PAY-IN') payment.destination_account_id = internal();
    if (type === 'PAYOUT') {
      payment.source_account_id = internal();
      payment.destination_account_id = external();
    }
    if (type === 'TRANSFER') {
      payment.source_account_id = internal();
      payment.destination_account_id = internal();
    }
    payments.push(payment);
  }

  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'accounts.json'), stringifyJson(accounts));
  await writeFile(join(dir, 'balances.json'), stringifyJson(balances));
  await writeFile(join(dir, 'external_accounts.json'), stringifyJson(externalAccounts));
  const paymentsText = stringifyJson(payments);
  await writeFile(join(dir, 'payments.json'), paymentsText);
  return { payments: payments.length, bytes: Buffer.byteLength(paymentsText) };
}

/**
 * The connector's record → PspPayment rule (src/connectors/dummypay/payments.ts), for records already
 * parsed with parseJson. Throws on a record the connector would skip: the bench writes none.
 */
export function toPspPayment(raw: unknown): PspPayment {
  const r = raw as Record<string, unknown>;
  const type = TYPES.find((t) => t === r.type);
  const status = PAYMENT_STATUSES.find((s): s is PaymentStatus => s === r.status);
  const asset = assetFromCurrency(String(r.currency));
  const createdAt = parseTimestamp(String(r.created_at));
  const updatedAt = r.updated_at === undefined ? createdAt : parseTimestamp(String(r.updated_at));
  if (!type || !status || !asset || !createdAt || !updatedAt) {
    throw new Error(`bench fixture record cannot be mapped: ${stringifyJson(raw)}`);
  }
  const payment: PspPayment = {
    reference: String(r.reference),
    createdAt,
    updatedAt,
    type,
    amount: BigInt(r.amount as number | bigint),
    asset,
    scheme: 'OTHER',
    status,
    metadata: {},
    raw,
  };
  if (typeof r.source_account_id === 'string') payment.sourceAccountReference = r.source_account_id;
  if (typeof r.destination_account_id === 'string') {
    payment.destinationAccountReference = r.destination_account_id;
  }
  return payment;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
