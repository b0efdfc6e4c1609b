// Opt-in live tier against Currencycloud's demo environment: response shapes and list ordering, as Formance's contract tests check them. Needs CURRENCYCLOUD_SANDBOX_LOGIN_ID and CURRENCYCLOUD_SANDBOX_API_KEY.
import { describe, expect, it } from 'vitest';
import { systemClock } from '../sdk/context.js';
import { CurrencycloudClient } from './client.js';
import { CURRENCYCLOUD_PRODUCTION, CURRENCYCLOUD_SANDBOX } from './config.js';
import { ccMoney } from './currencies.js';
import { accountSchema, balanceSchema, beneficiarySchema, transactionSchema } from './mapping.js';

const loginID = process.env.CURRENCYCLOUD_SANDBOX_LOGIN_ID;
const apiKey = process.env.CURRENCYCLOUD_SANDBOX_API_KEY;
const endpoint = process.env.CURRENCYCLOUD_SANDBOX_ENDPOINT ?? CURRENCYCLOUD_SANDBOX;

/** The demo environment only: the tier refuses to run against Currencycloud's production host. */
function sandboxClient(): CurrencycloudClient {
  if (new URL(endpoint).host === new URL(CURRENCYCLOUD_PRODUCTION).host) {
    throw new Error(`the live tier runs against Currencycloud's demo environment only, not ${endpoint}`);
  }
  return new CurrencycloudClient(
    (input, init) => fetch(input, init),
    endpoint,
    { loginID: loginID ?? '', apiKey: apiKey ?? '' },
    systemClock,
  );
}

const nonDecreasing = (values: string[]) => {
  const times = values.map((v) => Date.parse(v));
  expect(times).toEqual([...times].sort((a, b) => a - b));
};

if (!loginID || !apiKey) {
  it.skip('Currencycloud live demo tier (skipped: set CURRENCYCLOUD_SANDBOX_LOGIN_ID and CURRENCYCLOUD_SANDBOX_API_KEY to run it)', () =>
    undefined);
} else {
  describe('Currencycloud demo environment', { timeout: 300_000 }, () => {
    const client = sandboxClient();
    const ORDER = { order: 'created_at', order_asc_desc: 'asc' } as const;

    it('logs in once and reads the house account', async () => {
      accountSchema.parse(await client.get('/accounts/current'));
      expect(client.logins).toBe(1);
    });

    it('lists accounts oldest first', async () => {
      const body = (await client.find('/accounts/find', { ...ORDER, per_page: 25 })) as {
        accounts: unknown[];
      };
      const accounts = body.accounts.map((a) => accountSchema.parse(a));
      expect(accounts.length).toBeGreaterThan(0);
      nonDecreasing(accounts.map((a) => a.created_at));
    });

    it('lists every account balance as an exact decimal in an ISO currency, oldest first', async () => {
      const body = (await client.get('/balances/find', { scope: 'all', ...ORDER, per_page: 25 })) as {
        balances: unknown[];
      };
      const balances = body.balances.map((b) => balanceSchema.parse(b));
      for (const balance of balances) expect(() => ccMoney(balance.amount, balance.currency)).not.toThrow();
      nonDecreasing(balances.map((b) => b.created_at));
    });

    it('lists beneficiaries oldest first', async () => {
      const body = (await client.find('/beneficiaries/find', { scope: 'all', ...ORDER, per_page: 25 })) as {
        beneficiaries: unknown[];
      };
      nonDecreasing(body.beneficiaries.map((b) => beneficiarySchema.parse(b).created_at));
    });

    it('walks transactions by created_at with stable pages, and honours a date-only updated_at_from', async () => {
      const seen: string[] = [];
      const created: string[] = [];
      for (let page = 1; page <= 20; page++) {
        const body = (await client.get('/transactions/find', {
          scope: 'all',
          ...ORDER,
          page,
          per_page: 25,
        })) as {
          transactions: unknown[];
          pagination: { next_page: number };
        };
        for (const raw of body.transactions) {
          const transaction = transactionSchema.parse(raw);
          expect(() => ccMoney(transaction.amount, transaction.currency)).not.toThrow();
          seen.push(transaction.id);
          created.push(transaction.created_at);
        }
        if (body.pagination.next_page <= 0) break;
      }
      expect(new Set(seen).size).toBe(seen.length);
      nonDecreasing(created);
      const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      const recent = (await client.get('/transactions/find', {
        scope: 'all',
        updated_at_from: day,
        ...ORDER,
      })) as {
        transactions: unknown[];
      };
      for (const raw of recent.transactions)
        expect(Date.parse(transactionSchema.parse(raw).updated_at)).toBeGreaterThanOrEqual(
          Date.parse(`${day}T00:00:00Z`) - 86_400_000,
        );
    });
  });
}
