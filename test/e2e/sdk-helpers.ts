// Helpers for end-to-end tests that drive Paybridge through the official Formance SDK (and, where the SDK
// cannot be exact, through plain fetch with the bigint-safe JSON parser).
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SDK } from '@formance/formance-sdk';
import {
  type V3Account,
  V3ErrorResponse,
  type V3Payment,
} from '@formance/formance-sdk/sdk/models/payments/index.js';
import { expect } from 'vitest';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { eventually } from '../support/service.js';

/** One page of any v3 cursor response, as the SDK and the wire both shape it. */
export interface CursorPage<T> {
  pageSize: number;
  hasMore: boolean;
  previous?: string | undefined;
  next?: string | undefined;
  data: T[];
}

/**
 * Walks a cursor list to its end: `first` fetches page one, `following` each next page from its cursor.
 * Checks on the way that `next` is present exactly when `hasMore` is true.
 */
export async function collectPages<T>(
  first: () => Promise<CursorPage<T>>,
  following: (cursor: string) => Promise<CursorPage<T>>,
  maxPages = 1000,
): Promise<T[]> {
  const rows: T[] = [];
  let page = await first();
  for (let pages = 1; ; pages++) {
    rows.push(...page.data);
    if (!page.hasMore) {
      expect(page.next).toBeUndefined();
      return rows;
    }
    expect(typeof page.next).toBe('string');
    if (pages >= maxPages) throw new Error(`more than ${maxPages} pages`);
    page = await following(page.next as string);
  }
}

/** The SDK's non-optional view of a response field (the SDK types every body as possibly absent). */
export function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`SDK response has no ${what}`);
  return value;
}

/** Awaits a call that must fail with the SDK's typed v3 error, and checks its HTTP status and errorCode. */
export async function expectV3Error(
  call: Promise<unknown>,
  statusCode: number,
  errorCode: string,
): Promise<V3ErrorResponse> {
  const outcome = await call.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a ${statusCode} ${errorCode} error, got a success`);
  const error = outcome.error;
  if (!(error instanceof V3ErrorResponse)) {
    throw new Error(`expected the SDK's V3ErrorResponse, got ${String(error)}`, { cause: error });
  }
  expect({ statusCode: error.statusCode, errorCode: error.errorCode }).toEqual({ statusCode, errorCode });
  expect(typeof error.errorMessage).toBe('string');
  return error;
}

/**
 * GETs a v3 path (relative to `/api/payments/v3`, the prefix the SDK uses) and parses the body with the
 * bigint-safe parser, so amounts above 2^53 come back exact (as bigint).
 */
export async function rawGet(baseUrl: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${baseUrl}/api/payments/v3${path}`, {
    headers: { accept: 'application/json' },
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : parseJson(text) };
}

/** rawGet for a cursor list, checking the status and the envelope. */
export async function rawPage<T>(baseUrl: string, path: string): Promise<CursorPage<T>> {
  const { status, body } = await rawGet(baseUrl, path);
  if (status !== 200) throw new Error(`GET ${path}: ${status} ${stringifyJson(body)}`);
  const cursor = (body as { cursor?: CursorPage<T> }).cursor;
  if (!cursor || !Array.isArray(cursor.data)) throw new Error(`GET ${path}: no cursor in the response`);
  return cursor;
}

/** A JSON integer as parseJson returns it (number when safe, bigint otherwise), as a bigint. */
export function exact(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new Error(`not a JSON integer: ${String(value)}`);
}

/**
 * What the SDK can deliver for an exact integer: it reads JSON with JSON.parse (a double) and then
 * converts to bigint, so values above 2^53 come out rounded to the nearest double.
 */
export function throughDouble(value: bigint): bigint {
  return BigInt(Number(value));
}

/** A JSON value as the SDK sees it after JSON.parse: bigints become (possibly rounded) numbers. */
export function asSdkSees(value: unknown): unknown {
  return JSON.parse(stringifyJson(value)) as unknown;
}

/** Appends a record to payments.json, written aside then renamed so a poll never reads half a file. */
export async function appendPayment(dir: string, record: Record<string, unknown>): Promise<void> {
  const path = join(dir, 'payments.json');
  const records = parseJson(await readFile(path, 'utf8'));
  if (!Array.isArray(records)) throw new Error(`${path} does not hold an array`);
  records.push(record);
  const temporary = `${path}.${process.pid}.append.tmp`;
  await writeFile(temporary, stringifyJson(records));
  await rename(temporary, path);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Every account the API holds, read through the SDK page by page. */
export const allAccounts = (sdk: SDK) =>
  collectPages<V3Account>(
    async () =>
      present((await sdk.payments.v3.listAccounts({ pageSize: 100 })).v3AccountsCursorResponse, 'accounts')
        .cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listAccounts({ cursor })).v3AccountsCursorResponse, 'accounts').cursor,
  );

/** Every payment the API holds, read through the SDK page by page. */
export const allPayments = (sdk: SDK) =>
  collectPages<V3Payment>(
    async () =>
      present((await sdk.payments.v3.listPayments({ pageSize: 100 })).v3PaymentsCursorResponse, 'payments')
        .cursor,
    async (cursor) =>
      present((await sdk.payments.v3.listPayments({ cursor })).v3PaymentsCursorResponse, 'payments').cursor,
  );

/** Waits until the API holds exactly `count` accounts (of one connector, when named), and answers them. */
export const accountsOnceThere = (sdk: SDK, count: number, connectorID?: string) =>
  eventually(
    async () => {
      const rows = (await allAccounts(sdk)).filter((a) => !connectorID || a.connectorID === connectorID);
      return rows.length === count ? rows : undefined;
    },
    30_000,
    `${count} accounts`,
  );

/** Waits until an account has at least `count` balances (one per asset), and answers them. */
export const balancesOnceThere = (sdk: SDK, accountID: string, count = 1) =>
  eventually(
    async () => {
      const data = present(
        (await sdk.payments.v3.getAccountBalances({ accountID, pageSize: 100 })).v3BalancesCursorResponse,
        'balances',
      ).cursor.data;
      return data.length >= count ? data : undefined;
    },
    30_000,
    `${count} balances of ${accountID}`,
  );
