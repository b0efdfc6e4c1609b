// Accounts: pages through accounts.json and maps each record to a PspAccount.
import type { Logger } from 'pino';
import { assetFromCurrency } from '../../domain/assets.js';
import type { FetchNextRequest, FetchNextResponse, PspAccount } from '../sdk/contract.js';
import { ACCOUNTS_FILE, type DummyPayClient } from './client.js';
import { mapEntries, parseTimestamp, type Mapped } from './mapping.js';
import { takePage } from './paging.js';

export async function fetchNextAccounts(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const page = takePage(await client.listAccounts(), request.state, request.pageSize);
  const { items, skipped } = mapEntries(
    page.entries,
    (record, raw) => toPspAccount({ ...record, createdAt: record.opening_date }, raw),
    logger,
    ACCOUNTS_FILE,
  );
  return { items, skipped, newState: page.newState, hasMore: page.hasMore };
}

/** Accounts and external accounts share one shape; only the name of their date field differs. */
export interface AccountFields {
  id: string;
  name?: string;
  createdAt: string;
  currency: string;
}

export function toPspAccount(fields: AccountFields, raw: unknown): Mapped<PspAccount> {
  const createdAt = parseTimestamp(fields.createdAt);
  if (!createdAt) return { skip: `date "${fields.createdAt}" is not an RFC 3339 timestamp` };
  const defaultAsset = assetFromCurrency(fields.currency);
  if (!defaultAsset) return { skip: `unknown currency "${fields.currency}"` };
  const account: PspAccount = { reference: fields.id, createdAt, defaultAsset, metadata: {}, raw };
  if (fields.name !== undefined) account.name = fields.name;
  return { item: account };
}
