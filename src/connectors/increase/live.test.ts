// The opt-in live tier: the connector's calls against Increase's real sandbox, when INCREASE_SANDBOX_API_KEY is set.
// It checks the response shapes and the newest-first order the watermark relies on, and never calls a production host.
import { pino } from 'pino';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import { documented, IncreaseClient, type ListKind } from './client.js';
import { increaseConfig, INCREASE_SANDBOX } from './config.js';
import { IncreaseConnector } from './connector.js';
import { toAccount, toExternalAccount, toPayment, type RowKind } from './mapping.js';
import {
  accountSchema,
  balanceLookupSchema,
  declinedTransactionSchema,
  externalAccountSchema,
  pendingTransactionSchema,
  transactionSchema,
  type MoneyRow,
} from './objects.js';
import { WEBHOOK_PATH } from './webhooks.js';

const KEY = process.env.INCREASE_SANDBOX_API_KEY ?? '';
const ENDPOINT = process.env.INCREASE_SANDBOX_ENDPOINT ?? INCREASE_SANDBOX;

/** Why the tier cannot run, or undefined when it can. Never quotes the key. */
export function liveTierRefusal(key: string, endpoint: string): string | undefined {
  if (key === '') return 'INCREASE_SANDBOX_API_KEY is not set';
  if (!URL.canParse(endpoint)) return 'INCREASE_SANDBOX_ENDPOINT is not a URL';
  const host = new URL(endpoint).hostname;
  // Increase's sandbox and production are separate hosts with separate keys: staying off the production
  // host means a production key cannot move money here.
  if (host === 'api.increase.com' || !host.startsWith('sandbox.')) {
    return `INCREASE_SANDBOX_ENDPOINT must be Increase's sandbox (${INCREASE_SANDBOX}), not ${host}`;
  }
  return undefined;
}

describe('the live tier’s guard', () => {
  it('refuses the production host and a missing key, accepts the sandbox', () => {
    expect(liveTierRefusal('k', 'https://api.increase.com')).toMatch(/sandbox/);
    expect(liveTierRefusal('k', 'https://evil.example')).toMatch(/sandbox/);
    expect(liveTierRefusal('', INCREASE_SANDBOX)).toMatch(/not set/);
    expect(liveTierRefusal('secret-k', INCREASE_SANDBOX)).toBeUndefined();
    expect(liveTierRefusal('secret-k', 'https://api.increase.com')).not.toContain('secret-k');
  });
});

const refusal = liveTierRefusal(KEY, ENDPOINT);
const live = refusal === undefined;
// A key pointed at production fails loudly rather than skipping: someone meant to run the tier and must not.
if (KEY !== '' && refusal) {
  describe('Increase live tier', () => {
    it('refuses to run against a production endpoint', () => {
      throw new Error(refusal);
    });
  });
}

describe.skipIf(!live)(`Increase live tier${live ? '' : ` (skipped: ${refusal ?? ''})`}`, () => {
  const config = increaseConfig.parse({ apiKey: live ? KEY : 'unused', endpoint: ENDPOINT });
  const context = standaloneContext({ connectorId: 'increase-live', logger: pino({ level: 'silent' }) });
  const client = new IncreaseClient(config, context.fetch);
  const MAX_PAGES = 20;

  /** Walks a list to its end (bounded): every record, in the order Increase listed them. */
  async function walk(kind: ListKind): Promise<unknown[]> {
    const all: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await client.list(kind, { limit: 100, ...(cursor ? { cursor } : {}) });
      all.push(...answer.data);
      if (!answer.next_cursor) break;
      cursor = answer.next_cursor;
    }
    return all;
  }

  const newestFirst = (records: unknown[]) => {
    const times = records.map((r) => Date.parse((r as { created_at: string }).created_at));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1] ?? Infinity);
  };

  it('install checks the key; a wrong one is refused with Increase’s reason', async () => {
    await new IncreaseConnector(config, context).install();
    const wrong = new IncreaseConnector(
      increaseConfig.parse({ apiKey: 'paybridge-wrong-key', endpoint: ENDPOINT }),
      context,
    );
    await expect(wrong.install()).rejects.toThrow(/HTTP 401/);
  }, 60_000);

  it('accounts and their balances: documented shapes, newest first', async () => {
    const accounts = await walk('accounts');
    expect(accounts.length).toBeGreaterThan(0);
    newestFirst(accounts);
    for (const raw of accounts.slice(0, 5)) {
      const account = toAccount(documented(accountSchema, raw, 'an account'));
      documented(balanceLookupSchema, await client.balance(account.reference), 'a balance lookup');
    }
  }, 120_000);

  it('external accounts: documented shapes, newest first', async () => {
    const records = await walk('external_accounts');
    newestFirst(records);
    for (const raw of records)
      toExternalAccount(documented(externalAccountSchema, raw, 'an external account'));
  }, 120_000);

  it.each([
    ['transactions', 'transaction', transactionSchema],
    ['pending_transactions', 'pending_transaction', pendingTransactionSchema],
    ['declined_transactions', 'declined_transaction', declinedTransactionSchema],
  ] as const)(
    '%s: documented shapes, newest first, each one mappable',
    async (list, kind, schema) => {
      const records = await walk(list);
      newestFirst(records);
      const warnings: string[] = [];
      for (const raw of records)
        toPayment(kind as RowKind, documented(schema as z.ZodType<MoneyRow>, raw, `a ${kind}`), warnings);
    },
    120_000,
  );

  it('event subscription lifecycle: created with a secret, listed, deleted', async () => {
    const connector = new IncreaseConnector(config, context);
    const base = `https://paybridge-live-tier.example/webhooks/${Date.now()}`;
    const { configs } = await connector.createWebhooks({ webhookBaseUrl: base });
    try {
      const listed = await client.eventSubscriptions();
      expect(listed.some((s) => (s as { url?: string }).url === `${base}${WEBHOOK_PATH}`)).toBe(true);
    } finally {
      await connector.uninstall({ webhookConfigs: configs });
    }
  }, 120_000);
});
