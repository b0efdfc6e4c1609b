// The Currencycloud session: one login at a time, renewed before CC idles it out and after a 401, and a refused login reported with CC's reason.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../sdk/context.js';
import { AuthenticationError } from '../sdk/errors.js';
import { ccError, IDLE_RENEWAL_MS } from './client.js';
import { TEST_API_KEY } from './fake.js';
import { startHarness } from './test-harness.js';

const LOGIN = '/v2/authenticate/api';

/** A clock the test moves. */
function manualClock(start = new Date('2026-03-02T09:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (ms) => void (now += ms) };
}

describe('the Currencycloud session', () => {
  it('ten calls at once log in exactly once and share the token', async () => {
    const h = await startHarness();
    try {
      await Promise.all(Array.from({ length: 10 }, () => h.connector.client.get('/accounts/current')));
      expect(h.psp.requestsTo('POST', LOGIN)).toHaveLength(1);
      const tokens = new Set(
        h.psp.requestsTo('GET', '/v2/accounts/current').map((r) => r.headers['x-auth-token']),
      );
      expect(tokens.size).toBe(1);
    } finally {
      await h.close();
    }
  });

  it('a token CC expired is replaced by one new login, even when many calls meet the 401 at once', async () => {
    const h = await startHarness();
    try {
      await h.connector.client.get('/accounts/current');
      h.world.tokens.clear();
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => h.connector.client.get('/accounts/current')),
      );
      expect(answers.every((a) => (a as { id: string }).id === 'a0c1e2d3-0000-4000-8000-000000000001')).toBe(
        true,
      );
      expect(h.psp.requestsTo('POST', LOGIN)).toHaveLength(2);
    } finally {
      await h.close();
    }
  });

  it('a token idle for longer than CC keeps sessions is renewed before the call, without a 401 first', async () => {
    const clock = manualClock();
    const h = await startHarness({ clock });
    try {
      await h.connector.client.get('/accounts/current');
      clock.advance(IDLE_RENEWAL_MS - 60_000);
      await h.connector.client.get('/accounts/current');
      expect(h.psp.requestsTo('POST', LOGIN)).toHaveLength(1);
      clock.advance(IDLE_RENEWAL_MS);
      // CC would have ended the session by now.
      h.world.tokens.clear();
      await h.connector.client.get('/accounts/current');
      expect(h.psp.requestsTo('POST', LOGIN)).toHaveLength(2);
      const statuses = h.psp.requests.map((r) => `${r.method} ${r.path}`);
      expect(statuses).toEqual([
        `POST ${LOGIN}`,
        'GET /v2/accounts/current',
        'GET /v2/accounts/current',
        `POST ${LOGIN}`,
        'GET /v2/accounts/current',
      ]);
    } finally {
      await h.close();
    }
  });

  it('wrong credentials fail the install with CC reason, after one login attempt and without echoing the key', async () => {
    const wrongKey = 'b'.repeat(64);
    const h = await startHarness({ config: { apiKey: wrongKey } });
    try {
      const error = await h.connector.install().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AuthenticationError);
      const message = (error as Error).message;
      expect(message).toContain('auth_failed');
      expect(message).toContain('Authentication failed with the supplied credentials');
      expect(message).not.toContain(wrongKey);
      // CC locks an account after four failed logins: a refusal is never repeated.
      expect(h.psp.requestsTo('POST', LOGIN)).toHaveLength(1);
      expect(h.psp.requestsTo('GET', '/v2/accounts/current')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('a malformed key is a credentials problem too, with CC field message', async () => {
    const h = await startHarness({ config: { apiKey: 'not-a-key' } });
    try {
      await expect(h.connector.install()).rejects.toThrow(/api_key should be 64 character\(s\) long/);
      await expect(h.connector.install()).rejects.toBeInstanceOf(AuthenticationError);
    } finally {
      await h.close();
    }
  });

  it('the right credentials install with one login and one authenticated read', async () => {
    const h = await startHarness({ config: { apiKey: TEST_API_KEY } });
    try {
      const { workflow } = await h.connector.install();
      expect(workflow.map((n) => n.name)).toEqual([
        'fetch_accounts',
        'fetch_balances',
        'fetch_beneficiaries',
        'fetch_transactions',
      ]);
      expect(h.psp.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `POST ${LOGIN}`,
        'GET /v2/accounts/current',
      ]);
      const login = h.psp.requestsTo('POST', LOGIN)[0]?.form();
      expect(login?.get('login_id')).toBe(h.world.loginID);
    } finally {
      await h.close();
    }
  });

  it('two connectors with different logins against one CC keep their own sessions', async () => {
    const a = await startHarness();
    try {
      const b = await startHarness();
      try {
        await a.connector.client.get('/accounts/current');
        await b.connector.client.get('/accounts/current');
        b.world.tokens.clear();
        await a.connector.client.get('/accounts/current');
        expect(a.psp.requestsTo('POST', LOGIN)).toHaveLength(1);
        expect(b.psp.requestsTo('POST', LOGIN)).toHaveLength(1);
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});

describe("CC's error bodies", () => {
  it('name the error code and each field message', () => {
    const body = JSON.stringify({
      error_code: 'payment_create_failed',
      error_messages: {
        amount: [{ code: 'amount_type_is_wrong', message: 'amount should be of numeric type', params: {} }],
        duplicate_request: [
          { code: 'duplicate_request', message: 'The unique_request_id … used', params: '' },
        ],
      },
    });
    expect(ccError(body)).toEqual({
      reason:
        'payment_create_failed: amount: amount should be of numeric type; duplicate_request: The unique_request_id … used',
      codes: ['payment_create_failed', 'amount_type_is_wrong', 'duplicate_request'],
    });
  });

  it('fall back to the kit reading for other bodies', () => {
    expect(ccError('{"message":"upstream down"}')).toEqual({ reason: 'upstream down', codes: [] });
    expect(ccError('<html>Bad gateway</html>').codes).toEqual([]);
  });
});
