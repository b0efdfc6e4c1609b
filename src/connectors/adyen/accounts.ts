// Merchant accounts of the company as accounts: every pass pages through Adyen's list and yields only what is new or changed.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../sdk/context.js';
import type { FetchNextResponse, PspAccount, SkippedRecord } from '../sdk/contract.js';
import { specMetadata } from '../sdk/money.js';
import type { AdyenClient } from './client.js';
import { adyenAsset } from './currencies.js';
import { PROVIDER } from './notifications.js';

/**
 * The Management API lists merchants by page number, in its own order (by id), with no filter and no
 * timestamp. A pass therefore walks every page; `seen` keeps a digest of each merchant as last yielded,
 * (and when it was first seen), so a pass yields only merchants that are new or changed. A merchant inserted before the current page
 * during a pass shifts the list: the page boundary then repeats an item (skipped as seen) and the new one
 * comes in the next pass, which starts from page 1 again. Nothing is lost, little is re-yielded.
 */
export const accountsState = z.object({
  page: z.number().int().min(1),
  seen: z.record(z.string(), z.string()),
});
export type AccountsState = z.infer<typeof accountsState>;

const merchant = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  companyId: z.string().optional(),
  description: z.string().optional(),
  merchantCity: z.string().optional(),
  pricingPlan: z.string().optional(),
  primarySettlementCurrency: z.string().optional(),
  reference: z.string().optional(),
  shopWebAddress: z.string().optional(),
  status: z.string().optional(),
});
type Merchant = z.infer<typeof merchant>;

/** Statuses the Management API documents for a merchant account. */
export const MERCHANT_STATUSES = ['PreActive', 'Active', 'InactiveWithModifications', 'Inactive', 'Closed'];

const digest = (raw: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('base64url')
    .slice(0, 16);

export function toAccount(m: Merchant, seenAt: Date): PspAccount {
  const asset = adyenAsset(m.primarySettlementCurrency);
  return {
    reference: m.id,
    // Adyen gives no creation date: the first time Paybridge saw the merchant stands in for it.
    createdAt: seenAt,
    ...(m.name ? { name: m.name } : {}),
    ...(asset ? { defaultAsset: asset } : {}),
    metadata: specMetadata(PROVIDER, {
      companyId: m.companyId,
      status: m.status,
      merchantCity: m.merchantCity,
      description: m.description,
      reference: m.reference,
      pricingPlan: m.pricingPlan,
      shopWebAddress: m.shopWebAddress,
      primarySettlementCurrency: m.primarySettlementCurrency,
    }),
    raw: m,
  };
}

export async function fetchMerchants(
  client: AdyenClient,
  clock: Clock,
  state: unknown,
  pageSize: number,
): Promise<FetchNextResponse<PspAccount>> {
  const parsed = accountsState.safeParse(state);
  const current: AccountsState = parsed.success ? parsed.data : { page: 1, seen: {} };
  const answer = await client.merchants(current.page, Math.min(pageSize, 100));
  const items: PspAccount[] = [];
  const skipped: SkippedRecord[] = [];
  const warnings = new Set<string>();
  const now = clock.now();
  const seen = { ...current.seen };
  for (const [i, raw] of answer.data.entries()) {
    const m = merchant.safeParse(raw);
    if (!m.success) {
      skipped.push({ reference: `page ${current.page} item ${i}`, reason: 'a merchant without an id' });
      continue;
    }
    if (m.data.primarySettlementCurrency && !adyenAsset(m.data.primarySettlementCurrency)) {
      warnings.add(`unknown settlement currency '${m.data.primarySettlementCurrency.slice(0, 8)}' left out`);
    }
    if (m.data.status && !MERCHANT_STATUSES.includes(m.data.status)) {
      warnings.add(`unknown merchant status '${m.data.status.slice(0, 32)}' kept in metadata`);
    }
    // `<digest> <first seen, ms>`: a changed merchant keeps the time it was first seen as createdAt.
    const [previous, firstSeen] = (seen[m.data.id] ?? '').split(' ');
    const hash = digest(raw);
    if (previous === hash) continue;
    const since = firstSeen && /^\d+$/.test(firstSeen) ? new Date(Number(firstSeen)) : now;
    seen[m.data.id] = `${hash} ${since.getTime()}`;
    items.push(toAccount(m.data, since));
  }
  // The last page: either fewer than asked, or the page Adyen says is the last one.
  const last = answer.data.length === 0 || current.page >= answer.pagesTotal;
  return {
    items,
    ...(skipped.length > 0 ? { skipped } : {}),
    ...(warnings.size > 0 ? { warnings: [...warnings] } : {}),
    newState: { page: last ? 1 : current.page + 1, seen } satisfies AccountsState,
    hasMore: !last,
  };
}
