// The Increase connector against a fake Increase: install's credentials check, payouts on the rail the metadata names, a lost answer retried, polling to the outcome, and no SDK logging or retries.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { standaloneContext, type PspFetch } from '../sdk/context.js';
import type { PspPayment, PspPaymentInitiation, TaskNode } from '../sdk/contract.js';
import {
  AuthenticationError,
  InvalidConfigError,
  InvalidRequestError,
  UpstreamError,
} from '../sdk/errors.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { runNode } from '../sdk/testing/walk.js';
import { IncreaseConnector } from './connector.js';
import { FAKE_API_KEY, newWorld, serveIncrease, settle, type IncreaseWorld } from './fake.js';
import { ACCOUNT_A } from './test-support.js';

let psp: FakePsp;
let world: IncreaseWorld;

const build = (apiKey = FAKE_API_KEY, fetch: PspFetch = psp.fetch) =>
  new IncreaseConnector(
    { apiKey, endpoint: psp.url },
    standaloneContext({ connectorId: 'connector-test', logger: pino({ level: 'silent' }), fetch }),
  );

const payout = (
  metadata: Record<string, string>,
  overrides: Partial<PspPaymentInitiation> = {},
): PspPaymentInitiation => ({
  reference: 'payout-1',
  createdAt: new Date(),
  description: 'Invoice 42',
  sourceAccount: { reference: ACCOUNT_A, createdAt: new Date(), raw: {} },
  destinationAccount: {
    reference: 'external_account_ukk55lr923a3ac0pp7iv',
    createdAt: new Date(),
    name: 'Landlord LLC',
    raw: {},
  },
  amount: 2500n,
  asset: 'USD/2',
  metadata,
  ...overrides,
});

beforeEach(async () => {
  psp = await FakePsp.start();
  world = newWorld();
  serveIncrease(psp, world);
});
afterEach(() => psp.stop());

describe('Increase install', () => {
  it('reads one account, and refuses a wrong key with Increase’s reason and without the key', async () => {
    await expect(build().install()).resolves.toMatchObject({ workflow: expect.any(Array) });
    expect(psp.requestsTo('GET', '/accounts')[0]?.query.get('limit')).toBe('1');
    const error = await build('wrong-key-123456')
      .install()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(String((error as Error).message)).toContain('Invalid API key');
    expect(String((error as Error).message)).toContain('invalid_api_key_error');
    expect(String((error as Error).message)).not.toContain('wrong-key-123456');
  });

  it('keeps the engine’s refusal of an endpoint as it is, rather than a retryable PSP failure', async () => {
    const refusing: PspFetch = () =>
      Promise.reject(new InvalidConfigError('127.0.0.1 is not an allowed connector endpoint'));
    await expect(build(FAKE_API_KEY, refusing).install()).rejects.toBeInstanceOf(InvalidConfigError);
  });

  it('never retries inside the SDK and never logs, whatever INCREASE_LOG says', async () => {
    vi.stubEnv('INCREASE_LOG', 'debug');
    const spies = (['log', 'debug', 'info', 'warn', 'error'] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      psp.fail({ kind: 'status', status: 500 });
      await expect(build().install()).rejects.toBeInstanceOf(UpstreamError);
      expect(psp.requests).toHaveLength(1);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      vi.unstubAllEnvs();
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('Increase payouts', () => {
  it('sends an ACH transfer by default, waits for submission, and answers the payment polling will find', async () => {
    const connector = build();
    const answer = await connector.createPayout({
      paymentInitiation: payout({}),
      idempotencyKey: 'key-ach-1',
    });
    const [request] = psp.assertRequests('POST', '/ach_transfers', {
      headers: { 'Idempotency-Key': 'key-ach-1' },
      jsonBody: {
        account_id: ACCOUNT_A,
        external_account_id: 'external_account_ukk55lr923a3ac0pp7iv',
        amount: 2500,
        statement_descriptor: 'Invoice 42',
      },
    });
    expect(request).toBeDefined();
    expect(answer.payment).toBeUndefined();
    const pollingId = answer.pollingId ?? '';
    expect(await connector.pollPayoutStatus({ pollingId })).toEqual({});

    const transferId = pollingId.split(':')[1] ?? '';
    settle(world, transferId);
    const polled = await connector.pollPayoutStatus({ pollingId });
    expect(polled.payment).toMatchObject({
      reference: transferId,
      type: 'PAYOUT',
      status: 'SUCCEEDED',
      amount: 2500n,
      scheme: 'ACH',
    });

    const node: TaskNode = {
      type: 'FETCH_PAYMENTS',
      name: 'fetch_transactions',
      periodic: true,
      children: [],
    };
    const listed = (await runNode(connector, node, { pageSize: 100 })).items as PspPayment[];
    expect(listed.find((p) => p.reference === transferId)).toMatchObject({
      type: 'PAYOUT',
      status: 'SUCCEEDED',
    });
  });

  it('sends a wire with the creditor and remittance, and an RTP transfer from the named account number', async () => {
    const connector = build();
    await connector.createPayout({
      paymentInitiation: payout({ 'com.increase.spec/rail': 'wire' }),
      idempotencyKey: 'key-wire-1',
    });
    psp.assertRequests('POST', '/wire_transfers', {
      idempotencyKey: { location: { header: 'Idempotency-Key' }, value: 'key-wire-1' },
      jsonBody: {
        creditor: { name: 'Landlord LLC' },
        remittance: { category: 'unstructured', unstructured: { message: 'Invoice 42' } },
      },
    });
    await connector.createPayout({
      paymentInitiation: payout({
        'com.increase.spec/rail': 'real_time_payments',
        'com.increase.spec/source_account_number_id': 'account_number_v18nkfqm6afpsrvy82b2',
        'com.increase.spec/creditor_name': 'Landlord',
      }),
      idempotencyKey: 'key-rtp-1',
    });
    psp.assertRequests('POST', '/real_time_payments_transfers', {
      jsonBody: {
        source_account_number_id: 'account_number_v18nkfqm6afpsrvy82b2',
        creditor_name: 'Landlord',
        unstructured_remittance_information: 'Invoice 42',
        amount: 2500,
      },
    });
  });

  it.each([
    ['an unknown rail', payout({ 'com.increase.spec/rail': 'swift' })],
    ['an RTP payout without its account number', payout({ 'com.increase.spec/rail': 'real_time_payments' })],
    ['a payout in euros', payout({}, { asset: 'EUR/2' })],
    ['a payout without a destination', payout({}, { destinationAccount: undefined })],
  ])('refuses %s before calling Increase', async (_name, initiation) => {
    await expect(
      build().createPayout({ paymentInitiation: initiation, idempotencyKey: 'k' }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(psp.writes()).toEqual([]);
  });

  it('moves money once when the same payout is retried after its answer was lost', async () => {
    let dropped = false;
    const losing: PspFetch = async (input, init) => {
      const response = await psp.fetch(input, init);
      if (!dropped && init?.method === 'POST') {
        dropped = true;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      }
      return response;
    };
    const connector = build(FAKE_API_KEY, losing);
    const request = { paymentInitiation: payout({}), idempotencyKey: 'key-lost-1' };
    await expect(connector.createPayout(request)).rejects.toBeInstanceOf(UpstreamError);
    const retried = await connector.createPayout(request);
    expect(psp.requestsTo('POST', '/ach_transfers').map((r) => r.headers['idempotency-key'])).toEqual([
      'key-lost-1',
      'key-lost-1',
    ]);
    expect(psp.movements).toHaveLength(1);
    expect(world.transfers).toHaveLength(1);
    expect(retried.pollingId).toBe(`ach_transfer:${world.transfers[0]?.id}`);
  });

  it('hashes an engine key longer than Increase’s 200 characters, the same way on every retry', async () => {
    const key = 'k'.repeat(250);
    await build().createTransfer({
      paymentInitiation: {
        ...payout({}),
        destinationAccount: { reference: 'account_b8h2d0xq7rk1c4m9zt3w', createdAt: new Date(), raw: {} },
      },
      idempotencyKey: key,
    });
    await build().createTransfer({
      paymentInitiation: {
        ...payout({}),
        destinationAccount: { reference: 'account_b8h2d0xq7rk1c4m9zt3w', createdAt: new Date(), raw: {} },
      },
      idempotencyKey: key,
    });
    const sent = psp.requestsTo('POST', '/account_transfers').map((r) => r.headers['idempotency-key'] ?? '');
    expect(sent[0]).toMatch(/^sha256-[0-9a-f]{64}$/);
    expect(sent[1]).toBe(sent[0]);
    expect(psp.movements).toHaveLength(1);
  });
});

describe('Increase external accounts', () => {
  it('creates one from the bank account with its routing number, and refuses one without', async () => {
    const created = await build().createBankAccount({
      bankAccount: {
        id: 'ba-1',
        createdAt: new Date(),
        name: 'Ada Lovelace',
        accountNumber: '000123456789',
        metadata: {
          'com.increase.spec/routing_number': '101050001',
          'com.increase.spec/account_holder': 'individual',
        },
      },
      idempotencyKey: 'key-ba-1',
    });
    psp.assertRequests('POST', '/external_accounts', {
      headers: { 'Idempotency-Key': 'key-ba-1' },
      jsonBody: {
        account_number: '000123456789',
        routing_number: '101050001',
        description: 'Ada Lovelace',
        account_holder: 'individual',
      },
    });
    expect(created.relatedAccount).toMatchObject({ name: 'Ada Lovelace', defaultAsset: 'USD/2' });
    await expect(
      build().createBankAccount({
        bankAccount: { id: 'ba-2', createdAt: new Date(), name: 'X', accountNumber: '1', metadata: {} },
        idempotencyKey: 'key-ba-2',
      }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('reads balances exactly, past 2^53', async () => {
    const connector = build();
    const node: TaskNode = { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] };
    const run = await runNode(connector, node, {
      pageSize: 1,
      fromPayload: { id: ACCOUNT_A, payload: { reference: ACCOUNT_A, raw: { currency: 'USD' } } },
    });
    expect(run.items).toMatchObject([
      { accountReference: ACCOUNT_A, amount: 9_007_199_254_740_993n, asset: 'USD/2' },
    ]);
  });
});
