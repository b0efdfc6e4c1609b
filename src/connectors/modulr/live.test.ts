// Opt-in live tier against Modulr's sandbox: signed requests, response shapes and list ordering, as Formance's contract tests check them. Needs MODULR_SANDBOX_API_KEY and MODULR_SANDBOX_API_SECRET.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../sdk/context.js';
import { ModulrClient } from './client.js';
import { type HmacAlgorithm, HMAC_ALGORITHMS, MODULR_SANDBOX } from './config.js';
import {
  accountSchema,
  beneficiarySchema,
  money,
  modulrFilterTime,
  modulrTime,
  pageSchema,
  paymentSchema,
  transactionSchema,
} from './mapping.js';

const apiKey = process.env.MODULR_SANDBOX_API_KEY;
const apiSecret = process.env.MODULR_SANDBOX_API_SECRET;
const endpoint = process.env.MODULR_SANDBOX_ENDPOINT ?? MODULR_SANDBOX;
const customerId = process.env.MODULR_SANDBOX_CUSTOMER_ID;
const algorithm = (process.env.MODULR_SANDBOX_HMAC_ALGORITHM ?? 'hmac-sha1') as HmacAlgorithm;

/** Sandbox keys only: the tier refuses any host that is not one of Modulr's sandboxes. */
function sandboxClient(): ModulrClient {
  if (!/(^|\.)api-sandbox\.modulrfinance\.com$/.test(new URL(endpoint).hostname)) {
    throw new Error(`the live tier runs against Modulr's sandbox only, not ${endpoint}`);
  }
  if (!HMAC_ALGORITHMS.includes(algorithm)) throw new Error(`unknown algorithm ${algorithm}`);
  return new ModulrClient(
    (input, init) => fetch(input, init),
    endpoint,
    { apiKey: apiKey ?? '', apiSecret: apiSecret ?? '', algorithm },
    systemClock,
  );
}

const contentOf = (body: unknown) => pageSchema.parse(body).content;

if (!apiKey || !apiSecret) {
  it.skip('Modulr live sandbox tier (skipped: set MODULR_SANDBOX_API_KEY and MODULR_SANDBOX_API_SECRET to run it)', () =>
    undefined);
} else {
  describe('Modulr sandbox', { timeout: 300_000 }, () => {
    const client = sandboxClient();
    let accounts: { id: string }[] = [];

    it('lists accounts oldest first, with exact balances in ISO currencies', async () => {
      const body = await client.get(customerId ? `/customers/${customerId}/accounts` : '/accounts', {
        page: 0,
        size: 50,
        sortField: 'createdDate',
        sortOrder: 'asc',
      });
      const parsed = contentOf(body).map((a) => accountSchema.parse(a));
      expect(parsed.length).toBeGreaterThan(0);
      for (const account of parsed) expect(() => money(account.balance, account.currency)).not.toThrow();
      const created = parsed.map((a) => modulrTime(a.createdDate).getTime());
      expect(created).toEqual([...created].sort((a, b) => a - b));
      accounts = parsed;
    });

    it('lists beneficiaries with the fields the mapping relies on', async () => {
      const body = await client.get('/beneficiaries', { customerId, page: 0, size: 50 });
      for (const raw of contentOf(body)) beneficiarySchema.parse(raw);
    });

    it('lists transactions newest first by postedDate across pages, with exact amounts', async () => {
      for (const account of accounts.slice(0, 3)) {
        const posted: number[] = [];
        const to = modulrFilterTime(new Date());
        for (let page = 0; page < 5; page++) {
          const body = await client.get(`/accounts/${account.id}/transactions`, {
            toPostedDate: to,
            page,
            size: 20,
          });
          const content = contentOf(body);
          for (const raw of content) {
            const transaction = transactionSchema.parse(raw);
            expect(() => money(transaction.amount, transaction.currency)).not.toThrow();
            posted.push(modulrTime(transaction.postedDate).getTime());
          }
          if (content.length < 20) break;
        }
        expect(posted).toEqual([...posted].sort((a, b) => b - a));
      }
    });

    it('lists payouts oldest created first with readable statuses and amounts', async () => {
      const body = await client.get('/payments', {
        type: 'PAYOUT',
        fromCreatedDate: modulrFilterTime(new Date(Date.now() - 90 * 86_400_000)),
        sortField: 'createdDate',
        sortOrder: 'asc',
        page: 0,
        size: 50,
      });
      const created = contentOf(body).map((raw) => {
        const payment = paymentSchema.parse(raw);
        expect(() => money(payment.details.amount, payment.details.currency)).not.toThrow();
        return modulrTime(payment.createdDate).getTime();
      });
      expect(created).toEqual([...created].sort((a, b) => a - b));
    });
  });
}
