// The opt-in live tier: the connector's calls against Stripe's real test mode, when STRIPE_SANDBOX_API_KEY holds a test key.
// It checks the response shapes and list orders the mapping and the cursor rely on, and never runs with a live-mode key.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import { StripeClient } from './client.js';
import { stripeConfig } from './config.js';
import { StripeConnector } from './connector.js';
import { nextListPage, readListState } from './listing.js';
import { toAccount, toBalances, toPayment } from './mapping.js';

const KEY = process.env.STRIPE_SANDBOX_API_KEY ?? '';

/** Why the tier cannot run with this key, or undefined when it can. Never quotes the key. */
function liveTierRefusal(key: string): string | undefined {
  if (key === '') return 'STRIPE_SANDBOX_API_KEY is not set';
  if (/^(sk|rk)_live_/.test(key))
    return 'STRIPE_SANDBOX_API_KEY is a live-mode key: the live tier only runs in test mode';
  if (!/^(sk|rk)_test_/.test(key))
    return 'STRIPE_SANDBOX_API_KEY is not a test-mode secret or restricted key';
  return undefined;
}

describe('the live tier’s key guard', () => {
  it('refuses live-mode and unknown keys, accepts test-mode ones', () => {
    expect(liveTierRefusal('sk_live_abc')).toMatch(/live-mode/);
    expect(liveTierRefusal('rk_live_abc')).toMatch(/live-mode/);
    expect(liveTierRefusal('pk_test_abc')).toMatch(/not a test-mode/);
    expect(liveTierRefusal('sk_test_abc')).toBeUndefined();
    expect(liveTierRefusal('sk_live_abc')).not.toContain('abc');
  });
});

const refusal = liveTierRefusal(KEY);
const live = refusal === undefined;
// A live-mode key fails loudly rather than skipping: someone meant to run the tier and must not.
if (/^(sk|rk)_live_/.test(KEY)) {
  describe('Stripe live tier', () => {
    it('refuses to run with a live-mode key', () => {
      throw new Error(refusal);
    });
  });
}

describe.skipIf(!live)(`Stripe live tier${live ? '' : ` (skipped: ${refusal ?? ''})`}`, () => {
  // The body is collected even when skipped: no key, no call.
  const config = stripeConfig.parse({ apiKey: live ? KEY : 'sk_test_unused' });
  const context = standaloneContext({ connectorId: 'stripe-live', logger: pino({ level: 'silent' }) });
  const client = new StripeClient(config, context.fetch);
  const MAX_PAGES = 50;

  it('GET /v1/account: the platform account maps', async () => {
    const account = await client.platformAccount();
    expect(account.id).toMatch(/^acct_/);
    const mapped = toAccount(account, true);
    expect('item' in mapped).toBe(true);
  }, 60_000);

  it('install checks the key; a wrong one is refused with Stripe’s reason', async () => {
    await new StripeConnector(config, context).install();
    const wrong = new StripeConnector(
      stripeConfig.parse({ apiKey: 'sk_test_paybridgeWrongKey000' }),
      context,
    );
    await expect(wrong.install()).rejects.toThrow(/Invalid API Key/);
  }, 60_000);

  it('GET /v1/balance: integer amounts in known currencies', async () => {
    const balance = await client.balance(undefined);
    expect(balance.available.length).toBeGreaterThan(0);
    for (const entry of balance.available) {
      expect(Number.isInteger(entry.amount)).toBe(true);
      expect(entry.currency).toMatch(/^[a-z]{3}$/);
    }
    for (const mapped of toBalances(balance, 'acct', new Date())) expect('item' in mapped).toBe(true);
  }, 60_000);

  it('balance transactions: newest first over a walk, sources expanded, each one mappable', async () => {
    let state = readListState(undefined);
    const created: number[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const next = await nextListPage(
        async (params) => {
          const answer = await client.balanceTransactions(undefined, params);
          for (const bt of answer.data) {
            expect(Number.isInteger(bt.amount)).toBe(true);
            expect(typeof bt.created).toBe('number');
            if (bt.source !== null) expect(typeof bt.source).toBe('object');
          }
          return answer;
        },
        state,
        100,
        () => false,
      );
      for (const bt of next.items) {
        created.push(bt.created);
        expect('item' in toPayment(bt, 'acct')).toBe(true);
      }
      state = next.state;
      if (!next.hasMore) break;
    }
    expect(created.length, 'the test account has balance transactions').toBeGreaterThan(0);
    for (let i = 1; i < created.length; i++) expect(created[i]).toBeLessThanOrEqual(created[i - 1] ?? 0);
  }, 300_000);

  it('connected accounts: newest first; their external accounts are bank accounts or cards', async () => {
    const page = await client.connectedAccounts({ limit: 100 });
    for (let i = 1; i < page.data.length; i++)
      expect(page.data[i]?.created).toBeLessThanOrEqual(page.data[i - 1]?.created ?? 0);
    for (const account of page.data.slice(0, 3)) {
      const external = await client.externalAccounts(account.id, { limit: 100 });
      for (const item of external.data) expect(['bank_account', 'card']).toContain(item.object);
    }
  }, 120_000);

  it('webhook endpoints: created with a secret, then deleted', async () => {
    const created = await client.createWebhookEndpoint({
      url: 'https://paybridge.invalid/live-tier',
      enabled_events: ['charge.succeeded'],
      description: 'Paybridge live tier (deleted at once)',
    });
    try {
      expect(created.secret).toMatch(/^whsec_/);
    } finally {
      await client.deleteWebhookEndpoint(created.id);
    }
  }, 60_000);
});
