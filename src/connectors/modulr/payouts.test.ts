// Payouts and transfers at the fake Modulr: exact amounts, the nonce as idempotency key, and a lost answer that moves money once.
import { describe, expect, it } from 'vitest';
import type { PspPaymentInitiation } from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import type { PspFetch } from '../sdk/context.js';
import type { FakePsp } from '../sdk/testing/fake-psp.js';
import { paymentReference } from './payouts.js';
import { startHarness } from './test-harness.js';

const account = (reference: string) => ({
  reference,
  createdAt: new Date('2026-03-01T09:00:00Z'),
  defaultAsset: 'GBP/2',
  metadata: {},
  raw: {},
});

const initiation = (destination: string, amount = 2500n): PspPaymentInitiation => ({
  reference: 'pi/2026#001',
  createdAt: new Date(),
  description: 'Invoice 2026-001',
  sourceAccount: account('A1000001'),
  destinationAccount: account(destination),
  amount,
  asset: 'GBP/2',
  metadata: {},
});

const KEY = '3f2c1d9e-7b8a-5c4d-9e0f-112233445566';

/** A fetch whose first `lost` POSTs reach Modulr but whose answers never come back. */
function losingAnswers(lost: number): (psp: FakePsp) => PspFetch {
  let left = lost;
  return (psp) => async (input, init) => {
    const response = await psp.fetch(input, init);
    if ((init?.method ?? 'GET') === 'POST' && left > 0) {
      left -= 1;
      await response.text();
      throw new TypeError('fetch failed', { cause: new Error('ECONNRESET') });
    }
    return response;
  };
}

const posts = (psp: FakePsp) => psp.requestsTo('POST', '/payments');

describe('payouts', () => {
  it('pays a beneficiary with the amount as an exact number literal, then polls it to SUCCEEDED', async () => {
    const h = await startHarness();
    try {
      const answer = await h.connector.createPayout({
        paymentInitiation: initiation('B1000001'),
        idempotencyKey: KEY,
      });
      expect(answer.pollingId).toMatch(/^P\d+$/);
      const [request] = posts(h.psp);
      expect(request?.text()).toContain('"amount":25.00');
      expect(request?.headers['x-mod-nonce']).toBe(KEY);
      expect(request?.headers['x-mod-retry']).toBe('false');
      expect(JSON.parse(request?.text() ?? '{}')).toMatchObject({
        sourceAccountId: 'A1000001',
        destination: { type: 'BENEFICIARY', id: 'B1000001' },
        currency: 'GBP',
        reference: 'Invoice 2026-001',
        externalReference: 'pi-2026-001',
      });
      const polled = await h.connector.pollPayoutStatus({ pollingId: answer.pollingId ?? '' });
      expect(polled.payment).toMatchObject({
        reference: answer.pollingId,
        type: 'PAYOUT',
        status: 'SUCCEEDED',
        amount: 2500n,
        asset: 'GBP/2',
        sourceAccountReference: 'A1000001',
        destinationAccountReference: 'B1000001',
      });
    } finally {
      await h.close();
    }
  });

  it('moves an amount beyond a double exactly', async () => {
    const h = await startHarness();
    try {
      const source = h.world.accounts.find((a) => a.id === 'A1000001');
      if (source) source.balance = '99999999999999999.00';
      const answer = await h.connector.createTransfer({
        paymentInitiation: initiation('A1000003', 9007199254740993n),
        idempotencyKey: KEY,
      });
      expect(posts(h.psp)[0]?.text()).toContain('"amount":90071992547409.93');
      const polled = await h.connector.pollTransferStatus({ pollingId: answer.pollingId ?? '' });
      expect(polled.payment).toMatchObject({ type: 'TRANSFER', amount: 9007199254740993n });
      expect(h.world.accounts.find((a) => a.id === 'A1000003')?.balance).toBe('90071992547397.59');
    } finally {
      await h.close();
    }
  });

  it('a lost answer is retried with the same nonce and x-mod-retry: true, and money moves once', async () => {
    const h = await startHarness({ fetch: losingAnswers(1) });
    try {
      const answer = await h.connector.createPayout({
        paymentInitiation: initiation('B1000001'),
        idempotencyKey: KEY,
      });
      expect(posts(h.psp).map((r) => [r.headers['x-mod-nonce'], r.headers['x-mod-retry']])).toEqual([
        [KEY, 'false'],
        [KEY, 'true'],
      ]);
      expect(h.psp.movements).toHaveLength(1);
      expect(answer.pollingId).toBe(h.world.payments.at(-1)?.id);
      expect(h.world.accounts.find((a) => a.id === 'A1000001')?.balance).toBe('1225.50');
    } finally {
      await h.close();
    }
  });

  it('the engine asking again after a restart gets the first payment back: Modulr refuses the reused nonce, the connector sends it as a retry', async () => {
    const h = await startHarness({ fetch: losingAnswers(2) });
    try {
      const request = { paymentInitiation: initiation('B1000001'), idempotencyKey: KEY };
      await expect(h.connector.createPayout(request)).rejects.toBeInstanceOf(UpstreamError);
      // A new process: it does not know the nonce was sent.
      const answer = await h.another().createPayout(request);
      expect(posts(h.psp).map((r) => r.headers['x-mod-retry'])).toEqual(['false', 'true', 'false', 'true']);
      expect(h.psp.movements).toHaveLength(1);
      expect(answer.pollingId).toBe(
        h.psp.movements[0]?.answer.json && (h.psp.movements[0].answer.json as { id: string }).id,
      );
    } finally {
      await h.close();
    }
  });

  it('a reused nonce that is not marked as a retry is refused by the fake, as Modulr documents', async () => {
    const h = await startHarness();
    try {
      await h.connector.createPayout({ paymentInitiation: initiation('B1000001'), idempotencyKey: KEY });
      const first = posts(h.psp)[0];
      const again = await fetch(`${h.psp.url}/payments`, {
        method: 'POST',
        headers: { ...(first?.headers ?? {}), 'content-length': String(first?.body.length ?? 0) },
        body: first?.body,
      });
      expect(again.status).toBe(403);
      expect(await again.text()).toContain('Unique/allowed nonce header not found');
      expect(h.psp.movements).toHaveLength(1);
    } finally {
      await h.close();
    }
  });

  it('a nonce Modulr is still working on is an unknown outcome (UpstreamError), not a refusal', async () => {
    const h = await startHarness();
    try {
      // The first request with this nonce reached Modulr and has no answer yet.
      h.world.nonces.set(KEY, undefined);
      const error = await h.connector
        .createPayout({ paymentInitiation: initiation('B1000001'), idempotencyKey: KEY })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).status).toBe(403);
      expect(posts(h.psp).map((r) => r.headers['x-mod-retry'])).toEqual(['false', 'true']);
      expect(h.psp.movements).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it("Modulr's refusal (insufficient funds) is an InvalidRequestError and moves nothing", async () => {
    const h = await startHarness();
    try {
      const request = { paymentInitiation: initiation('B1000001', 10_000_000n), idempotencyKey: KEY };
      const error = await h.connector.createPayout(request).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect((error as Error).message).toContain('Insufficient funds');
      expect(h.psp.movements).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('refuses, before calling Modulr, an asset that is not an ISO currency at its own precision', async () => {
    const h = await startHarness();
    try {
      const request = {
        paymentInitiation: { ...initiation('B1000001'), asset: 'GBP/3' },
        idempotencyKey: KEY,
      };
      await expect(h.connector.createPayout(request)).rejects.toBeInstanceOf(InvalidRequestError);
      expect(posts(h.psp)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('the payment reference shown to the payee', () => {
  it('keeps 6 to 18 characters Modulr accepts, from the metadata, the description or the initiation', () => {
    const base = initiation('B1000001');
    expect(paymentReference({ ...base, description: 'Invoice #2026: ACME — final balance' })).toBe(
      'Invoice 2026 ACME',
    );
    expect(paymentReference({ ...base, metadata: { 'com.modulr.spec/reference': 'Salary Dec' } })).toBe(
      'Salary Dec',
    );
    for (const description of ['', 'aaaaaaaa', '€€']) {
      const reference = paymentReference({ ...base, description });
      expect(reference).toMatch(/^[A-Za-z0-9 \-.&/]{6,18}$/);
      expect(new Set(reference).size).toBeGreaterThan(1);
    }
  });
});
