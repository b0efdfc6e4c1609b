// Opt-in live tier against Wise's sandbox: response shapes and list ordering, as Formance's contract tests check them. Needs WISE_SANDBOX_API_TOKEN.
import { describe, expect, it } from 'vitest';
import { WiseClient } from './client.js';
import { WISE_PRODUCTION, WISE_SANDBOX } from './config.js';
import {
  balanceSchema,
  profileSchema,
  recipientSchema,
  transferSchema,
  wiseMoney,
  wiseTime,
} from './mapping.js';

const token = process.env.WISE_SANDBOX_API_TOKEN;
const endpoint = process.env.WISE_SANDBOX_ENDPOINT ?? WISE_SANDBOX;

/** A sandbox token only: the tier refuses to run against Wise's production host. */
function sandboxClient(): WiseClient {
  if (new URL(endpoint).host === new URL(WISE_PRODUCTION).host) {
    throw new Error(`the live tier runs against Wise's sandbox only, not ${endpoint}`);
  }
  return new WiseClient((input, init) => fetch(input, init), endpoint, token ?? '');
}

if (!token) {
  it.skip('Wise live sandbox tier (skipped: set WISE_SANDBOX_API_TOKEN to run it)', () => undefined);
} else {
  describe('Wise sandbox', { timeout: 300_000 }, () => {
    const client = sandboxClient();
    let profiles: { id: string }[] = [];

    it('lists profiles with the fields the mapping relies on', async () => {
      const body = await client.get('/v2/profiles');
      expect(Array.isArray(body)).toBe(true);
      profiles = (body as unknown[]).map((p) => profileSchema.parse(p));
      expect(profiles.length).toBeGreaterThan(0);
    });

    it('lists STANDARD balances with exact amounts in ISO currencies', async () => {
      for (const profile of profiles) {
        const body = await client.get(`/v4/profiles/${profile.id}/balances`, { types: 'STANDARD' });
        for (const raw of body as unknown[]) {
          const balance = balanceSchema.parse(raw);
          expect(() => wiseMoney(balance.amount.value, balance.amount.currency)).not.toThrow();
        }
      }
    });

    it('lists recipients by ascending id with seek positions', async () => {
      for (const profile of profiles) {
        const page = (await client.get('/v2/accounts', {
          profileId: profile.id,
          size: 20,
          sort: 'id,asc',
        })) as {
          content: unknown[];
        };
        const ids = page.content.map((r) => BigInt(recipientSchema.parse(r).id));
        expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }
    });

    it('lists transfers newest first, offsets a multiple of the limit, with readable states and amounts', async () => {
      for (const profile of profiles) {
        const created: number[] = [];
        for (let offset = 0; offset < 5 * 10; offset += 10) {
          const page = (await client.get('/v1/transfers', {
            profile: profile.id,
            offset,
            limit: 10,
          })) as unknown[];
          for (const raw of page) {
            const transfer = transferSchema.parse(raw);
            expect(() => wiseMoney(transfer.sourceValue, transfer.sourceCurrency)).not.toThrow();
            created.push(wiseTime(transfer.created)?.getTime() ?? Number.NaN);
          }
          if (page.length < 10) break;
        }
        expect(created.every((t, i) => !Number.isNaN(t) && (i === 0 || t <= (created[i - 1] ?? t)))).toBe(
          true,
        );
      }
    });

    it('creates, reads back and deletes a webhook subscription', async () => {
      const profile = profiles[0];
      if (!profile) return;
      const url = `https://paybridge-contract.invalid/wise/${Date.now()}`;
      const created = (await client.send('POST', `/v3/profiles/${profile.id}/subscriptions`, {
        name: 'Paybridge contract test',
        trigger_on: 'transfers#state-change',
        delivery: { version: '2.0.0', url },
      })) as { id: string };
      try {
        const listed = (await client.get(`/v3/profiles/${profile.id}/subscriptions`)) as { id: string }[];
        expect(listed.map((s) => s.id)).toContain(created.id);
      } finally {
        await client.send('DELETE', `/v3/profiles/${profile.id}/subscriptions/${created.id}`);
      }
    });
  });
}
