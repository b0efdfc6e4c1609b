// Payouts at the fake Wise: one transfer per key whatever step a retry resumes from, funding once, polling, cancelling; install's credential check.
import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError, InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import type { PspPaymentInitiation } from '../sdk/contract.js';
import { startHarness, type Harness } from './test-harness.js';
import { customerTransactionId } from './uuid.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const account = (reference: string, asset: string) => ({
  reference,
  createdAt: new Date('2026-01-10T09:05:00.000Z'),
  defaultAsset: asset,
  metadata: { 'com.wise.spec/profile_id': '30000001' },
  raw: {},
});

const initiation: PspPaymentInitiation = {
  reference: 'pi-1',
  createdAt: new Date(Date.now() - 1000),
  description: 'Invoice 2026-001 for services rendered',
  sourceAccount: account('200001', 'EUR/2'),
  destinationAccount: account('40000002', 'EUR/2'),
  amount: 123_456n,
  asset: 'EUR/2',
  metadata: {},
};

const KEY = '6f1c2a77-5d0e-4b4e-9d8f-0a1b2c3d4e5f';

describe('a payout', () => {
  it('quotes, creates the transfer with the key as customerTransactionId, funds it from the balance and polls it', async () => {
    h = await startHarness();
    const answer = await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    expect(answer.pollingId).toMatch(/^30000001:\d+$/);
    const quote = h.psp.assertRequests('POST', '/v3/profiles/30000001/quotes', {
      jsonBody: {
        sourceCurrency: 'EUR',
        targetCurrency: 'EUR',
        sourceAmount: 1234.56,
        targetAccount: 40000002,
      },
    });
    expect(quote).toHaveLength(1);
    h.psp.assertRequests('POST', '/v1/transfers', {
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer wise-test-token',
        'x-external-correlation-id': KEY,
      },
      jsonBody: {
        customerTransactionId: KEY,
        targetAccount: 40000002,
        details: { reference: 'Invoice 2026-001 f' },
      },
    });
    h.psp.assertRequests('POST', '/v3/profiles/30000001/transfers/:id/payments', {
      jsonBody: { type: 'BALANCE' },
    });
    const created = h.world.transfers.at(-1);
    expect(created).toMatchObject({ status: 'processing', sourceValue: 1234.56 });
    expect(await h.connector.pollPayoutStatus({ pollingId: answer.pollingId ?? '' })).toEqual({});
    if (created) created.status = 'outgoing_payment_sent';
    const polled = await h.connector.pollPayoutStatus({ pollingId: answer.pollingId ?? '' });
    expect(polled.payment).toMatchObject({
      reference: String(created?.id),
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 123_456n,
      asset: 'EUR/2',
      sourceAccountReference: '200001',
      destinationAccountReference: '40000002',
    });
  });

  it('resumed after the funding answer was lost, finds the same transfer and does not fund it twice', async () => {
    h = await startHarness();
    h.psp.fail(
      { kind: 'reset' },
      { method: 'POST', path: '/v3/profiles/:p/transfers/:t/payments', times: 1 },
    );
    const before = h.world.transfers.length;
    // The reset came after Wise received nothing here; a second reset scenario is below.
    await expect(
      h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(UpstreamError);
    const again = await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    expect(h.world.transfers.length).toBe(before + 1);
    expect(h.psp.movements.filter((m) => m.route === 'POST /v1/transfers')).toHaveLength(1);
    expect(h.psp.requestsTo('POST', '/v1/transfers')).toHaveLength(2);
    expect(again.pollingId).toBe(`30000001:${String(h.world.transfers.at(-1)?.id)}`);
    expect(h.world.transfers.at(-1)?.status).toBe('processing');
  });

  it('treats a second funding Wise refuses as already funded', async () => {
    h = await startHarness();
    const first = await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    // A crash before the engine stored the answer: the same key again. Wise replays its first answer
    // (the transfer still waiting for money), the connector asks to fund it, Wise refuses (409, already
    // funded), the connector re-reads the transfer and finds it funded: no error, the same transfer.
    const second = await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    expect(second.pollingId).toBe(first.pollingId);
    expect(h.psp.movements.filter((m) => m.route === 'POST /v1/transfers')).toHaveLength(1);
    const fundings = h.psp.requestsTo('POST', '/v3/profiles/:p/transfers/:t/payments');
    expect(fundings).toHaveLength(2);
    expect(h.world.transfers.at(-1)?.status).toBe('processing');
  });

  it('derives a UUID customerTransactionId from a key that is not one, the same on each retry', async () => {
    h = await startHarness();
    await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: 'pi-1/attempt-1' });
    await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: 'pi-1/attempt-1' });
    const ids = h.psp
      .requestsTo('POST', '/v1/transfers')
      .map((r) => (r.json() as { customerTransactionId: string }).customerTransactionId);
    expect(ids).toEqual([customerTransactionId('pi-1/attempt-1'), customerTransactionId('pi-1/attempt-1')]);
    expect(h.psp.movements).toHaveLength(1);
  });

  it('cancels the transfer and fails with Wise’s code when Wise refuses to fund it', async () => {
    h = await startHarness();
    h.psp.route('POST', '/v3/profiles/:p/transfers/:t/payments', {
      json: { type: 'BALANCE', status: 'REJECTED', errorCode: 'balance.payment-option-unavailable' },
    });
    await expect(
      h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY }),
    ).rejects.toThrow(/balance.payment-option-unavailable/);
    expect(h.world.transfers.at(-1)?.status).toBe('cancelled');
  });

  it('refuses, before any call, a source that is not a Wise balance and an asset off its ISO exponent', async () => {
    h = await startHarness();
    await expect(
      h.connector.createPayout({
        paymentInitiation: { ...initiation, sourceAccount: { ...account('x', 'EUR/2'), metadata: {} } },
        idempotencyKey: KEY,
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(
      h.connector.createPayout({ paymentInitiation: { ...initiation, asset: 'EUR/3' }, idempotencyKey: KEY }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(h.psp.writes()).toEqual([]);
  });
});

describe('reversing a payout', () => {
  const reversal = (key: string) => ({
    paymentInitiationReversal: {
      reference: 'rev-1',
      createdAt: new Date(),
      description: 'cancel',
      relatedPaymentInitiation: initiation,
      amount: initiation.amount,
      asset: initiation.asset,
      metadata: {},
    },
    idempotencyKey: key,
  });

  it('cancels the transfer while Wise allows it, and a repeat changes nothing', async () => {
    h = await startHarness();
    await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    const first = await h.connector.reversePayout(reversal('rev-key'));
    const second = await h.connector.reversePayout(reversal('rev-key'));
    expect(first.payment).toMatchObject({
      parentReference: String(h.world.transfers.at(-1)?.id),
      status: 'REFUNDED',
    });
    expect(second.payment.reference).toBe(first.payment.reference);
    expect(h.world.transfers.at(-1)?.status).toBe('cancelled');
    expect(h.psp.movements.filter((m) => m.route.includes('cancel'))).toHaveLength(1);
  });

  it('refuses once the money has left, and when two transfers match', async () => {
    h = await startHarness();
    await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: KEY });
    const sent = h.world.transfers.at(-1);
    if (sent) sent.status = 'outgoing_payment_sent';
    await expect(h.connector.reversePayout(reversal('r1'))).rejects.toThrow(/no cancellable/);
    if (sent) sent.status = 'processing';
    await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: `${KEY.slice(0, -1)}0` });
    await expect(h.connector.reversePayout(reversal('r2'))).rejects.toThrow(/2 Wise transfers match/);
    expect(h.world.transfers.filter((t) => t.status === 'cancelled')).toHaveLength(1);
  });
});

describe('install', () => {
  it('checks the token with one call and fails with Wise’s reason when it is wrong', async () => {
    h = await startHarness({ config: { apiKey: 'wrong-token' } });
    const error = await h.connector.install().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('Invalid token');
    expect((error as Error).message).not.toContain('wrong-token');
    expect(h.psp.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v2/profiles']);
  });
});
