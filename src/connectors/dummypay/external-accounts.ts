// External accounts: pages through external_accounts.json; records map exactly like accounts.
import type { Logger } from 'pino';
import type { FetchNextRequest, FetchNextResponse, PspAccount } from '../sdk/contract.js';
import { toPspAccount } from './accounts.js';
import { EXTERNAL_ACCOUNTS_FILE, type DummyPayClient } from './client.js';
import { mapEntries } from './mapping.js';
import { takePage } from './paging.js';

export async function fetchNextExternalAccounts(
  client: DummyPayClient,
  logger: Logger,
  request: FetchNextRequest,
): Promise<FetchNextResponse<PspAccount>> {
  const page = takePage(await client.listExternalAccounts(), request.state, request.pageSize);
  const { items, skipped } = mapEntries(
    page.entries,
    (record, raw) => toPspAccount({ ...record, createdAt: record.created_at }, raw),
    logger,
    EXTERNAL_ACCOUNTS_FILE,
  );
  return { items, skipped, newState: page.newState, hasMore: page.hasMore };
}
