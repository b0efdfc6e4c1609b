// Opt-in live tier against Column's sandbox: response shapes and list ordering, as Formance's contract tests check them. Needs COLUMN_SANDBOX_API_KEY (a test_ key).
import { describe, expect, it } from 'vitest';
import { ColumnClient } from './client.js';
import { COLUMN_API } from './config.js';
import { bankAccountSchema, counterpartySchema, toPayment, transferSchema } from './mapping.js';

const apiKey = process.env.COLUMN_SANDBOX_API_KEY;
const endpoint = process.env.COLUMN_SANDBOX_ENDPOINT ?? COLUMN_API;

/**
 * Sandbox and production share Column's host: only the key's prefix tells them apart, so anything but
 * a `test_` key is refused before any call.
 */
function sandboxClient(): ColumnClient {
  if (!apiKey?.startsWith('test_')) {
    throw new Error('the live tier runs with a Column sandbox key (test_…) only');
  }
  return new ColumnClient((input, init) => fetch(input, init), endpoint, apiKey);
}

/** Reads up to `pages` pages of a newest-first list, checking `created_at` never increases. */
async function walk(client: ColumnClient, path: string, key: string, pages = 5): Promise<unknown[]> {
  const records: unknown[] = [];
  let after: string | undefined;
  for (let page = 0; page < pages; page++) {
    const body = (await client.get(path, {
      limit: 20,
      ...(after ? { starting_after: after } : {}),
    })) as Record<string, unknown>;
    const list = body[key];
    expect(Array.isArray(list), `${path} lists under '${key}'`).toBe(true);
    expect(typeof body.has_more).toBe('boolean');
    records.push(...(list as unknown[]));
    const last = (list as { id?: string }[]).at(-1);
    if (!body.has_more || !last?.id) break;
    after = last.id;
  }
  const times = records.map((r) => Date.parse(String((r as { created_at?: unknown }).created_at)));
  expect(times.every((t, i) => !Number.isNaN(t) && (i === 0 || t <= (times[i - 1] ?? t)))).toBe(true);
  return records;
}

if (!apiKey) {
  it.skip('Column live sandbox tier (skipped: set COLUMN_SANDBOX_API_KEY to a test_ key to run it)', () =>
    undefined);
} else {
  describe('Column sandbox', { timeout: 300_000 }, () => {
    const client = sandboxClient();

    it('lists bank accounts newest first with integer balances', async () => {
      const accounts = await walk(client, '/bank-accounts', 'bank_accounts');
      expect(accounts.length).toBeGreaterThan(0);
      for (const raw of accounts) bankAccountSchema.parse(raw);
    });

    it('lists counterparties newest first', async () => {
      for (const raw of await walk(client, '/counterparties', 'counterparties'))
        counterpartySchema.parse(raw);
    });

    it('lists transfers of every rail newest first, each mapping to a payment', async () => {
      for (const raw of await walk(client, '/transfers', 'transfers')) {
        expect(() => toPayment(transferSchema.parse(raw), [])).not.toThrow();
      }
    });

    it('creates, reads back and deletes a webhook endpoint, whose secret comes with it', async () => {
      const created = (await client.send('POST', '/webhook-endpoints', {
        url: `https://paybridge-contract.invalid/column/${Date.now()}`,
        enabled_events: ['book.transfer.completed'],
      })) as { id: string; secret?: string };
      try {
        expect(created.secret).toBeTruthy();
        const listed = (await client.get('/webhook-endpoints')) as { webhook_endpoints: { id: string }[] };
        expect(listed.webhook_endpoints.map((e) => e.id)).toContain(created.id);
      } finally {
        await client.send('DELETE', `/webhook-endpoints/${created.id}`);
      }
    });
  });
}
