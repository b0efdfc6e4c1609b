// Balances: a child of each fetched account; returns that account's entries of balances.json.
import type { Logger } from 'pino';
import { z } from 'zod';
import { assetFromCurrency } from '../../domain/assets.js';
import { parseJson } from '../../domain/json.js';
import type { FetchNextRequest, FetchNextResponse, FromPayload, PspBalance } from '../sdk/contract.js';
import { InvalidRequestError, MissingFromPayloadError } from '../sdk/errors.js';
import { BALANCES_FILE, type BalanceRecord, type DummyPayClient } from './client.js';
import { mapEntries, type Mapped } from './mapping.js';

// The parent is a PspAccount serialised to JSON; only its reference matters here.
const parentAccount = z.object({ reference: z.string().min(1) });

export async function fetchNextBalances(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
  now: Date,
): Promise<FetchNextResponse<PspBalance>> {
  if (!request.fromPayload) throw new MissingFromPayloadError();
  const accountReference = parentAccountReference(request.fromPayload);
  // Every balance of one poll carries the same second, as Formance's DummyPay stamps them.
  const createdAt = new Date(Math.floor(now.getTime() / 1000) * 1000);

  const entries = (await client.listBalances()).filter(
    (entry) => entry.record.account_id === accountReference,
  );
  const { items, skipped } = mapEntries(
    entries,
    (record) => toPspBalance(record, createdAt),
    logger,
    BALANCES_FILE,
  );
  // The whole list for one account fits in a single answer, so there is nothing to page and no state.
  return { items, skipped, newState: {}, hasMore: false };
}

function parentAccountReference(fromPayload: FromPayload): string {
  let payload = fromPayload.payload;
  // Tolerate the payload arriving as JSON text as well as an already-parsed object.
  if (typeof payload === 'string') {
    try {
      payload = parseJson(payload);
    } catch {
      throw new InvalidRequestError('dummypay balances: the parent account payload is not valid JSON');
    }
  }
  const parsed = parentAccount.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `dummypay balances: the parent account payload has no reference (${parsed.error.message})`,
    );
  }
  return parsed.data.reference;
}

function toPspBalance(record: BalanceRecord, createdAt: Date): Mapped<PspBalance> {
  const asset = assetFromCurrency(record.currency);
  if (!asset) return { skip: `unknown currency "${record.currency}"` };
  return { item: { accountReference: record.account_id, createdAt, amount: record.amount_in_minors, asset } };
}
