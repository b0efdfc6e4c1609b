// Writes a DummyPay directory (the fake PSP's four JSON files) from a seed, for end-to-end tests and benchmarks.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseJson, stringifyJson } from '../../src/domain/json.js';

export interface DummyPayAccountRecord {
  id: string;
  name: string;
  opening_date: string;
  currency: string;
}

export interface DummyPayBalanceRecord {
  account_id: string;
  amount_in_minors: bigint;
  currency: string;
}

export interface DummyPayExternalAccountRecord {
  id: string;
  name: string;
  created_at: string;
  currency: string;
}

export type DummyPayPaymentType = 'PAY-IN' | 'PAYOUT' | 'TRANSFER' | 'OTHER';

export interface DummyPayPaymentRecord {
  reference: string;
  type: DummyPayPaymentType;
  amount: bigint;
  currency: string;
  status: string;
  created_at: string;
  updated_at?: string;
  source_account_id?: string;
  destination_account_id?: string;
}

export interface DummyPayData {
  accounts: DummyPayAccountRecord[];
  balances: DummyPayBalanceRecord[];
  externalAccounts: DummyPayExternalAccountRecord[];
  payments: DummyPayPaymentRecord[];
}

export interface DummyPayDirectoryOptions {
  accounts: number;
  payments: number;
  /** Defaults to half the accounts, rounded up. */
  externalAccounts?: number;
  /** Same seed, same files. Defaults to 1. */
  seed?: number;
}

/** Both above 2^53: a double would round them, so they catch any lossy step between file and database. */
export const HUGE_AMOUNT = 18446744073709551615n;
export const JUST_ABOVE_2_53 = 9007199254740993n;

// `BTC/8` is already in asset form, and exercises the pass-through of explicit precisions.
const CURRENCIES = ['EUR', 'USD', 'JPY', 'BTC/8'] as const;
const PAYMENT_TYPES: readonly DummyPayPaymentType[] = ['PAY-IN', 'PAYOUT', 'TRANSFER', 'OTHER'];
const FINAL_STATUSES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
const EPOCH = Date.parse('2024-01-01T00:00:00Z');
// Payments are created in groups of this size sharing one created_at, so page boundaries fall inside ties.
const PAYMENTS_PER_TIMESTAMP = 3;

export async function writeDummyPayDirectory(
  dir: string,
  options: DummyPayDirectoryOptions,
): Promise<DummyPayData> {
  const random = mulberry32(options.seed ?? 1);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;

  const accounts: DummyPayAccountRecord[] = [];
  for (let i = 0; i < options.accounts; i++) {
    accounts.push({
      id: `dummy-account-${pad(i)}`,
      name: `dummy-account-${i}`,
      opening_date: timestamp(i * 60_000),
      currency: CURRENCIES[i % CURRENCIES.length] as string,
    });
  }

  // One balance per account in its own currency; every third account also holds a second currency.
  const balances: DummyPayBalanceRecord[] = [];
  accounts.forEach((account, i) => {
    const amount = i === 0 ? JUST_ABOVE_2_53 : i === 1 ? HUGE_AMOUNT : BigInt(i * 100 + 23);
    balances.push({ account_id: account.id, amount_in_minors: amount, currency: account.currency });
    if (i % 3 === 2) {
      const other = CURRENCIES[(i + 1) % CURRENCIES.length] as string;
      balances.push({ account_id: account.id, amount_in_minors: BigInt(i * 1000), currency: other });
    }
  });

  const externalCount = options.externalAccounts ?? Math.ceil(options.accounts / 2);
  const externalAccounts: DummyPayExternalAccountRecord[] = [];
  for (let i = 0; i < externalCount; i++) {
    externalAccounts.push({
      id: `dummy-external-${pad(i)}`,
      name: `dummy-external-${i}`,
      created_at: timestamp(i * 60_000 + 30_000),
      currency: CURRENCIES[(i + 1) % CURRENCIES.length] as string,
    });
  }

  const payments: DummyPayPaymentRecord[] = [];
  for (let i = 0; i < options.payments; i++) {
    const type = PAYMENT_TYPES[i % PAYMENT_TYPES.length] as DummyPayPaymentType;
    const createdMs = 3_600_000 + Math.floor(i / PAYMENTS_PER_TIMESTAMP) * 1000;
    const payment: DummyPayPaymentRecord = {
      reference: `dummy-payment-${pad(i)}`,
      type,
      amount: paymentAmount(i, random),
      currency: pick(CURRENCIES),
      status: 'PENDING',
      created_at: timestamp(createdMs),
    };
    // About a third stay PENDING with no updated_at; the others settled a little later.
    if (random() >= 1 / 3) {
      payment.status = pick(FINAL_STATUSES);
      payment.updated_at = timestamp(createdMs + 1000 + Math.floor(random() * 60) * 1000);
    }
    const [source, destination] = endpointsFor(type, accounts, externalAccounts, pick);
    if (source !== undefined) payment.source_account_id = source;
    if (destination !== undefined) payment.destination_account_id = destination;
    payments.push(payment);
  }

  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, 'accounts.json'), accounts);
  await writeAtomically(join(dir, 'balances.json'), balances);
  await writeAtomically(join(dir, 'external_accounts.json'), externalAccounts);
  await writeAtomically(join(dir, 'payments.json'), payments);
  return { accounts, balances, externalAccounts, payments };
}

/** Changes one payment's status and updated_at in payments.json, leaving every other record as it was. */
export async function updatePaymentStatus(
  dir: string,
  reference: string,
  status: string,
  updatedAt: Date | string,
): Promise<void> {
  const path = join(dir, 'payments.json');
  const records = parseJson(await readFile(path, 'utf8'));
  if (!Array.isArray(records)) throw new Error(`${path} does not hold an array`);
  const payment: unknown = records.find(
    (record: unknown) => isObject(record) && record.reference === reference,
  );
  if (!isObject(payment)) throw new Error(`${path} has no payment with reference ${reference}`);
  payment.status = status;
  payment.updated_at = typeof updatedAt === 'string' ? updatedAt : updatedAt.toISOString();
  await writeAtomically(path, records);
}

let temporaryFiles = 0;

// A connector polling the directory must never read a half-written file: write aside, then rename.
async function writeAtomically(path: string, value: unknown): Promise<void> {
  const temporary = `${path}.${process.pid}.${++temporaryFiles}.tmp`;
  await writeFile(temporary, stringifyJson(value));
  await rename(temporary, path);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Every fiftieth payment (from the second on) carries each huge amount; the rest are up to 10^6 minors.
function paymentAmount(index: number, random: () => number): bigint {
  if (index % 50 === 1) return HUGE_AMOUNT;
  if (index % 50 === 2) return JUST_ABOVE_2_53;
  return BigInt(1 + Math.floor(random() * 1_000_000));
}

/** Which account ids a payment of this type names: [source, destination]. OTHER names neither. */
function endpointsFor(
  type: DummyPayPaymentType,
  accounts: readonly DummyPayAccountRecord[],
  externalAccounts: readonly DummyPayExternalAccountRecord[],
  pick: <T>(values: readonly T[]) => T,
): [string | undefined, string | undefined] {
  const internal = () => (accounts.length > 0 ? pick(accounts).id : undefined);
  const external = () => (externalAccounts.length > 0 ? pick(externalAccounts).id : undefined);
  switch (type) {
    case 'PAY-IN':
      return [undefined, internal()];
    case 'PAYOUT':
      return [internal(), external()];
    case 'TRANSFER':
      return [internal(), internal()];
    case 'OTHER':
      return [undefined, undefined];
  }
}

function timestamp(offsetMs: number): string {
  return new Date(EPOCH + offsetMs).toISOString();
}

function pad(index: number): string {
  return String(index).padStart(6, '0');
}

/** A small, fast, seedable PRNG (mulberry32); plenty for test data, useless for anything secret. */
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

export interface DummyPayExchangeOptions {
  orders: number;
  conversions: number;
}

/**
 * Writes orders.json and conversions.json: orders cycle through the order statuses, types and both
 * directions (half of them partly or fully filled, with a fee), conversions through the conversion
 * statuses (completed ones with their destination amount). Records share created_at in pairs, so page
 * boundaries fall inside ties.
 */
export async function writeDummyPayExchange(
  dir: string,
  options: DummyPayExchangeOptions,
): Promise<{ orders: Record<string, unknown>[]; conversions: Record<string, unknown>[] }> {
  const statuses = ['PENDING', 'OPEN', 'PARTIALLY_FILLED', 'FILLED', 'CANCELLED', 'FAILED', 'EXPIRED'];
  const types = ['MARKET', 'LIMIT', 'STOP_LIMIT'];
  const orders = Array.from({ length: options.orders }, (_, i) => {
    const status = statuses[i % statuses.length] as string;
    const filled = status === 'FILLED' ? 1_000_000n : status === 'PARTIALLY_FILLED' ? 250_000n : undefined;
    return {
      id: `dummy-order-${pad(i)}`,
      created_at: timestamp(7_200_000 + Math.floor(i / 2) * 1000),
      direction: i % 2 === 0 ? 'BUY' : 'SELL',
      source_currency: i % 2 === 0 ? 'EUR' : 'BTC/8',
      destination_currency: i % 2 === 0 ? 'BTC/8' : 'EUR',
      type: types[i % types.length],
      status,
      time_in_force: 'GOOD_UNTIL_CANCELLED',
      base_quantity_ordered: 1_000_000n,
      ...(filled === undefined
        ? {}
        : { base_quantity_filled: filled, fee: 10n + BigInt(i), fee_currency: 'EUR' }),
      ...(i % 3 === 1 ? { limit_price: 6_000_000n, price_currency: 'EUR' } : {}),
    };
  });
  const conversionStatuses = ['PENDING', 'COMPLETED', 'FAILED'];
  const conversions = Array.from({ length: options.conversions }, (_, i) => {
    const status = conversionStatuses[i % conversionStatuses.length] as string;
    return {
      id: `dummy-conversion-${pad(i)}`,
      created_at: timestamp(10_800_000 + Math.floor(i / 2) * 1000),
      source_currency: 'USD',
      destination_currency: 'EUR',
      source_amount: BigInt(1000 * (i + 1)),
      ...(status === 'COMPLETED' ? { destination_amount: BigInt(920 * (i + 1)) } : {}),
      status,
    };
  });
  await mkdir(dir, { recursive: true });
  await writeAtomically(join(dir, 'orders.json'), orders);
  await writeAtomically(join(dir, 'conversions.json'), conversions);
  return { orders, conversions };
}
