// The opt-in live tier: against Mangopay's real sandbox when MANGOPAY_SANDBOX_CLIENT_ID and MANGOPAY_SANDBOX_API_KEY are set, checking the shapes and the list order the connector relies on. Never against production.
import { describe, expect, it } from 'vitest';
import { MangopayClient } from './client.js';
import { MANGOPAY_PRODUCTION, MANGOPAY_SANDBOX, mangopayConfig } from './config.js';
import { mangopayBankAccount, mangopayTransaction, mangopayUser, mangopayWallet } from './mapping.js';
import { mangopayConnector } from './test-support.js';

const clientID = process.env.MANGOPAY_SANDBOX_CLIENT_ID ?? '';
const apiKey = process.env.MANGOPAY_SANDBOX_API_KEY ?? '';
const endpoint = process.env.MANGOPAY_SANDBOX_ENDPOINT ?? MANGOPAY_SANDBOX;
const enabled = clientID !== '' && apiKey !== '';
const SKIP_REASON =
  'set MANGOPAY_SANDBOX_CLIENT_ID and MANGOPAY_SANDBOX_API_KEY to run it against the sandbox';

/** Production shares no host with the sandbox: a run pointed at it is refused, whatever the keys. */
export function refusesProduction(url: string): void {
  const host = new URL(url).host;
  if (host === new URL(MANGOPAY_PRODUCTION).host || !host.includes('sandbox')) {
    throw new Error(`the live tier runs against Mangopay's sandbox only, not ${host}`);
  }
}

describe('the live tier refuses production', () => {
  it('refuses the production endpoint and accepts the sandbox', () => {
    expect(() => refusesProduction(MANGOPAY_PRODUCTION)).toThrow(/sandbox only/);
    expect(() => refusesProduction(MANGOPAY_SANDBOX)).not.toThrow();
  });
});

/** Walks a list page by page (Sort=CreationDate:ASC), at most `pages` pages. */
async function walk(list: (page: number) => Promise<unknown>, pages = 5): Promise<unknown[]> {
  const all: unknown[] = [];
  for (let page = 1; page <= pages; page++) {
    const answer = await list(page);
    expect(Array.isArray(answer), 'a list answer is a JSON array').toBe(true);
    all.push(...(answer as unknown[]));
    if ((answer as unknown[]).length < 20) break;
  }
  return all;
}

function nonDecreasing(dates: number[]): boolean {
  return dates.every((date, index) => index === 0 || date >= (dates[index - 1] ?? 0));
}

(enabled ? describe : describe.skip)(
  enabled ? 'Mangopay sandbox (live)' : `Mangopay sandbox (live) (skipped: ${SKIP_REASON})`,
  () => {
    const config = () => {
      refusesProduction(endpoint);
      return mangopayConfig.parse({ clientID, apiKey, endpoint });
    };
    const client = () => new MangopayClient(config(), (input, init) => fetch(input, init));

    it('install authenticates with one cheap call', { timeout: 60_000 }, async () => {
      const connector = mangopayConnector(config(), (input, init) => fetch(input, init));
      const { workflow } = await connector.install();
      expect(workflow.length).toBeGreaterThan(0);
    });

    it(
      'users come in CreationDate order with the fields the mapping reads',
      { timeout: 120_000 },
      async () => {
        const users = await walk((page) => client().users({ page, perPage: 20 }));
        expect(users.length, 'the sandbox has users (an empty one proves nothing)').toBeGreaterThan(0);
        const parsed = users.map((user) => mangopayUser.parse(user));
        expect(nonDecreasing(parsed.map((u) => u.CreationDate))).toBe(true);
      },
    );

    it(
      'wallets, bank accounts and wallet transactions have the documented shapes and order',
      { timeout: 300_000 },
      async () => {
        const mangopay = client();
        const users = ((await mangopay.users({ page: 1, perPage: 20 })) as unknown[]).map((u) =>
          mangopayUser.parse(u),
        );
        let wallets = 0;
        let transactions = 0;
        for (const user of users.slice(0, 10)) {
          for (const raw of await walk((page) => mangopay.wallets(user.Id, { page, perPage: 20 }), 2)) {
            const wallet = mangopayWallet.parse(raw);
            wallets += 1;
            expect(
              typeof wallet.Balance.Amount === 'number' || typeof wallet.Balance.Amount === 'bigint',
            ).toBe(true);
            const listed = await walk((page) => mangopay.transactions(wallet.Id, { page, perPage: 20 }), 3);
            const parsed = listed.map((t) => mangopayTransaction.parse(t));
            transactions += parsed.length;
            expect(nonDecreasing(parsed.map((t) => t.CreationDate))).toBe(true);
          }
          const accounts = await walk((page) => mangopay.bankAccounts(user.Id, { page, perPage: 20 }), 2);
          for (const account of accounts) mangopayBankAccount.parse(account);
        }
        expect(wallets, 'the sandbox users have wallets').toBeGreaterThan(0);
        expect(transactions).toBeGreaterThanOrEqual(0);
      },
    );

    it('AfterDate keeps only records created strictly after it', { timeout: 120_000 }, async () => {
      const users = ((await client().users({ page: 1, perPage: 20 })) as unknown[]).map((u) =>
        mangopayUser.parse(u),
      );
      const pivot = users[Math.floor(users.length / 2)]?.CreationDate;
      if (pivot === undefined) return;
      const after = ((await client().users({ page: 1, perPage: 20, afterDate: pivot })) as unknown[]).map(
        (u) => mangopayUser.parse(u),
      );
      expect(after.every((u) => u.CreationDate > pivot)).toBe(true);
    });

    it('hooks list with EventType, Url and Status', { timeout: 60_000 }, async () => {
      const hooks = (await client().hooks({ page: 1, perPage: 100 })) as Record<string, unknown>[];
      for (const hook of hooks) {
        expect(typeof hook.Id).toBe('string');
        expect(typeof hook.EventType).toBe('string');
        expect(['ENABLED', 'DISABLED']).toContain(hook.Status);
      }
    });
  },
);
