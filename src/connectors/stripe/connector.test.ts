// The Stripe connector against the fake Stripe: passes that lose nothing when records arrive mid-pass or an anchor disappears, warnings, refused keys, write guards and webhook translation.
import { pino } from 'pino';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import type { FetchNextRequest, FetchNextResponse, PspPayment, WebhookConfig } from '../sdk/contract.js';
import { AuthenticationError, InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { stripeConfig } from './config.js';
import { StripeConnector } from './connector.js';
import { FAKE_API_KEY, PLATFORM_ID, loadFixtures, serveStripe, type StripeData } from './fake.js';
import { PLATFORM_KEY } from './mapping.js';

let psp: FakePsp;
let data: StripeData;

beforeEach(async () => {
  psp = await FakePsp.start();
  data = loadFixtures();
  serveStripe(psp, data);
});
afterEach(async () => {
  await psp.stop();
});

const connector = (apiKey = FAKE_API_KEY) =>
  new StripeConnector(
    stripeConfig.parse({ apiKey, endpoint: psp.url }),
    standaloneContext({ connectorId: 'stripe-test', logger: pino({ level: 'silent' }), fetch: psp.fetch }),
  );
const platform = {
  id: PLATFORM_ID,
  payload: { reference: PLATFORM_ID, metadata: { [PLATFORM_KEY]: 'true' } },
};

/** One pass as the engine runs it: pages until hasMore is false, each state through JSON. */
async function pass<T>(
  fetch: (r: FetchNextRequest) => Promise<FetchNextResponse<T>>,
  state: unknown,
  pageSize: number,
  fromPayload?: FetchNextRequest['fromPayload'],
  between?: (page: number) => void,
): Promise<{ items: T[]; state: unknown; warnings: string[] }> {
  const items: T[] = [];
  const warnings: string[] = [];
  for (let page = 1; ; page++) {
    const r = await fetch({ state, pageSize, name: 'test', ...(fromPayload ? { fromPayload } : {}) });
    items.push(...r.items);
    warnings.push(...(r.warnings ?? []));
    state = JSON.parse(JSON.stringify(r.newState)) as unknown;
    if (!r.hasMore) return { items, state, warnings };
    between?.(page);
    if (page > 200) throw new Error('the pass does not end');
  }
}

const refs = (items: PspPayment[]) => items.map((p) => p.reference);
const platformTx = () => data.balanceTransactions[PLATFORM_ID] ?? [];
const newCharge = (id: string, created: number) => {
  const template = platformTx().find((t) => t.id === 'txn_1Pb0001');
  if (!template) throw new Error('fixture missing');
  return {
    ...structuredClone(template),
    id: `txn_${id}`,
    created,
    source: { ...(template.source as object), id: `ch_${id}`, created },
  };
};

describe('balance transactions, newest first', () => {
  it('a record that arrives between two pages of the first pass is not lost: the next pass brings it, alone', async () => {
    const c = connector();
    const payments = (r: FetchNextRequest) => c.fetchNextPayments(r);
    const first = await pass(payments, undefined, 2, platform, (page) => {
      if (page === 1) platformTx().push(newCharge('Mid1', 1767600000 + 3600));
    });
    expect(refs(first.items)).not.toContain('ch_Mid1');
    expect(new Set(refs(first.items)).size).toBe(first.items.length);
    const second = await pass(payments, first.state, 2, platform);
    expect(refs(second.items)).toEqual(['ch_Mid1']);
    expect((await pass(payments, second.state, 2, platform)).items).toEqual([]);
  });

  it('records arriving during a forward pass, and one sharing the anchor’s second, are each read once', async () => {
    const c = connector();
    const payments = (r: FetchNextRequest) => c.fetchNextPayments(r);
    const first = await pass(payments, undefined, 100, platform);
    const newest = Math.max(...platformTx().map((t) => t.created));
    for (const [i, s] of [1, 2, 3, 4, 5].entries()) platformTx().push(newCharge(`Fwd${i}`, newest + 100 + s));
    const during = await pass(payments, first.state, 2, platform, (page) => {
      if (page === 2) {
        platformTx().push(newCharge('Late', newest + 500));
        // Same second as a record already read, but a smaller id: Stripe may list it below the anchor.
        platformTx().push(newCharge('Fwd0a', newest + 105));
      }
    });
    const after = await pass(payments, during.state, 2, platform);
    const all = [...refs(during.items), ...refs(after.items)];
    expect(all.sort()).toEqual(
      ['ch_Fwd0', 'ch_Fwd0a', 'ch_Fwd1', 'ch_Fwd2', 'ch_Fwd3', 'ch_Fwd4', 'ch_Late'].sort(),
    );
    expect((await pass(payments, after.state, 2, platform)).items).toEqual([]);
  });

  it('resumes after a failed page from the state of the last good one, with nothing lost or repeated', async () => {
    const c = connector();
    const first = await c.fetchNextPayments({
      state: undefined,
      pageSize: 3,
      name: 'p',
      fromPayload: platform,
    });
    psp.fail({ kind: 'status', status: 500 }, { path: '/v1/balance_transactions', times: 1 });
    await expect(
      c.fetchNextPayments({ state: first.newState, pageSize: 3, name: 'p', fromPayload: platform }),
    ).rejects.toBeInstanceOf(UpstreamError);
    const rest = await pass((r) => c.fetchNextPayments(r), first.newState, 3, platform);
    const all = [...refs(first.items), ...refs(rest.items)];
    expect(all).toHaveLength(platformTx().length);
    expect(new Set(all).size).toBe(all.length);
  });

  it('an unknown type is OTHER and named in the page’s warnings', async () => {
    platformTx().push({ ...newCharge('Odd', 1767700000), type: 'quantum_settlement' });
    const first = await pass((r) => connector().fetchNextPayments(r), undefined, 100, platform);
    expect(first.items.find((p) => p.reference === 'txn_Odd')).toMatchObject({
      type: 'OTHER',
      status: 'OTHER',
    });
    expect(first.warnings).toEqual(["unknown balance transaction type 'quantum_settlement' mapped to OTHER"]);
  });

  it('balances are stamped with the time of the engine’s clock', async () => {
    const at = new Date('2026-02-03T04:05:06.000Z');
    const c = new StripeConnector(stripeConfig.parse({ apiKey: FAKE_API_KEY, endpoint: psp.url }), {
      ...standaloneContext({
        connectorId: 'stripe-test',
        logger: pino({ level: 'silent' }),
        fetch: psp.fetch,
      }),
      clock: { now: () => at },
    });
    const balances = await c.fetchNextBalances({
      state: undefined,
      pageSize: 10,
      name: 'b',
      fromPayload: platform,
    });
    expect(balances.items.map((b) => [b.asset, b.amount, b.createdAt.toISOString()])).toEqual([
      ['EUR/2', 120000n, at.toISOString()],
      ['JPY/0', 5000n, at.toISOString()],
    ]);
    expect(psp.requestsTo('GET', '/v1/balance')[0]?.headers['stripe-account']).toBeUndefined();
  });

  it("reads a connected account's transactions with Stripe-Account, and the platform's without", async () => {
    const c = connector();
    const connected = { id: 'acct_1PbConnA0001', payload: { reference: 'acct_1PbConnA0001', metadata: {} } };
    const got = await pass((r) => c.fetchNextPayments(r), undefined, 100, connected);
    expect(refs(got.items).sort()).toEqual(['po_1PbA0002', 'py_1PbA0001']);
    const sent = psp.requestsTo('GET', '/v1/balance_transactions');
    expect(sent.map((r) => r.headers['stripe-account'])).toEqual(['acct_1PbConnA0001']);
    await pass((r) => c.fetchNextPayments(r), undefined, 100, platform);
    expect(
      psp.requestsTo('GET', '/v1/balance_transactions').at(-1)?.headers['stripe-account'],
    ).toBeUndefined();
  });
});

describe('connected accounts', () => {
  it('a deleted anchor account does not stop the walk: the pass recovers from its second', async () => {
    const c = connector();
    const accounts = (r: FetchNextRequest) => c.fetchNextAccounts(r);
    const first = await pass(accounts, undefined, 100);
    expect(first.items.map((a) => a.reference)).toEqual([
      PLATFORM_ID,
      'acct_1PbConnC0003',
      'acct_1PbConnB0002',
      'acct_1PbConnA0001',
    ]);
    data.accounts.splice(
      data.accounts.findIndex((a) => a.id === 'acct_1PbConnC0003'),
      1,
    );
    data.accounts.push({
      ...structuredClone(data.accounts[0]),
      id: 'acct_1PbConnE0005',
      created: 1767240000,
    } as (typeof data.accounts)[0]);
    const second = await pass(accounts, first.state, 100);
    expect(second.items.map((a) => a.reference)).toEqual(['acct_1PbConnE0005']);
    expect((await pass(accounts, second.state, 100)).items).toEqual([]);
  });
});

describe('external accounts', () => {
  it('every state the tasks return is one their registered schemas accept', async () => {
    const { findConnector } = await import('../sdk/registry.js');
    await import('./index.js');
    const schemas = findConnector('stripe')?.state ?? {};
    const c = connector();
    const external = await c.fetchNextExternalAccounts({
      state: undefined,
      pageSize: 10,
      name: 'e',
      fromPayload: platform,
    });
    expect(schemas.FETCH_EXTERNAL_ACCOUNTS?.safeParse(external.newState).success).toBe(true);
    const connected = { id: 'acct_1PbConnA0001', payload: { reference: 'acct_1PbConnA0001', metadata: {} } };
    const first = await c.fetchNextExternalAccounts({
      state: undefined,
      pageSize: 1,
      name: 'e',
      fromPayload: connected,
    });
    expect(first.items.map((a) => a.reference)).toHaveLength(1);
    expect(schemas.FETCH_EXTERNAL_ACCOUNTS?.safeParse(first.newState).success).toBe(true);
    const accounts = await c.fetchNextAccounts({ state: undefined, pageSize: 10, name: 'a' });
    expect(schemas.FETCH_ACCOUNTS?.safeParse(accounts.newState).success).toBe(true);
    const payments = await c.fetchNextPayments({
      state: undefined,
      pageSize: 10,
      name: 'p',
      fromPayload: platform,
    });
    expect(schemas.FETCH_PAYMENTS?.safeParse(payments.newState).success).toBe(true);
  });

  it('a changed bank account is emitted again; an unchanged one is not', async () => {
    const c = connector();
    const connected = { id: 'acct_1PbConnA0001', payload: { reference: 'acct_1PbConnA0001', metadata: {} } };
    const first = await pass((r) => c.fetchNextExternalAccounts(r), undefined, 1, connected);
    expect(first.items.map((a) => a.reference).sort()).toEqual(['ba_1PbA0001', 'card_1PbA0002']);
    const bank = data.externalAccounts.acct_1PbConnA0001?.[0];
    if (bank) bank.status = 'verified';
    const second = await pass((r) => c.fetchNextExternalAccounts(r), first.state, 1, connected);
    expect(second.items.map((a) => [a.reference, a.metadata?.['com.stripe.spec/status']])).toEqual([
      ['ba_1PbA0001', 'verified'],
    ]);
  });
});

describe('install', () => {
  it('checks the key with GET /v1/account; a refused key is AuthenticationError with Stripe’s reason', async () => {
    await expect(connector().install()).resolves.toMatchObject({ workflow: expect.any(Array) });
    const error = await connector('sk_test_wrong000000')
      .install()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('Invalid API Key provided');
    expect((error as Error).message).not.toContain('sk_test_wrong000000');
    expect(psp.requestsTo('GET', '/v1/account')).toHaveLength(2);
    expect(psp.writes()).toEqual([]);
  });
});

describe('write guards', () => {
  const initiation = (amount: bigint, asset: string, destination = 'acct_1PbConnA0001') => ({
    idempotencyKey: `key-${amount}-${asset}`,
    paymentInitiation: {
      reference: `pi-${amount}`,
      createdAt: new Date(),
      description: '',
      sourceAccount: {
        reference: PLATFORM_ID,
        createdAt: new Date(0),
        metadata: { [PLATFORM_KEY]: 'true' } as Record<string, string>,
        raw: {},
      },
      destinationAccount: { reference: destination, createdAt: new Date(0), raw: {} },
      amount,
      asset,
      metadata: {},
    },
  });

  it('refuses before sending: ISK in parts of a krona, HUF payouts in fillér, inexact precision, a non-account destination', async () => {
    const c = connector();
    await expect(c.createTransfer(initiation(150n, 'ISK/2'))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(c.createPayout(initiation(12345n, 'HUF/2', 'ba_x'))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    await expect(c.createTransfer(initiation(701n, 'JPY/2'))).rejects.toBeInstanceOf(InvalidRequestError);
    const fromConnected = initiation(100n, 'EUR/2', 'acct_1PbConnB0002');
    fromConnected.paymentInitiation.sourceAccount = {
      reference: 'acct_1PbConnA0001',
      createdAt: new Date(0),
      metadata: {},
      raw: {},
    };
    await expect(c.createTransfer(fromConnected)).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(c.createTransfer(initiation(100n, 'EUR/2', 'ba_1PbA0001'))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(psp.writes()).toEqual([]);
  });

  it('a transfer whose answer is lost is an unknown outcome; repeated with the same key it moves money once', async () => {
    let lose = true;
    // Stripe performs the transfer, then the answer is lost on the way back.
    const lossy: typeof psp.fetch = async (input, init) => {
      const answer = await psp.fetch(input, init);
      if (lose && init?.method === 'POST') {
        lose = false;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      }
      return answer;
    };
    const c = new StripeConnector(
      stripeConfig.parse({ apiKey: FAKE_API_KEY, endpoint: psp.url }),
      standaloneContext({ connectorId: 'stripe-test', logger: pino({ level: 'silent' }), fetch: lossy }),
    );
    const request = initiation(1200n, 'EUR/2');
    const lost = await c.createTransfer(request).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(UpstreamError);
    expect(lost).not.toBeInstanceOf(InvalidRequestError);
    const again = await c.createTransfer(request);
    expect(psp.movements.filter((m) => m.route === 'POST /v1/transfers')).toHaveLength(1);
    expect(again.payment?.reference).toBe(data.transfers[0]?.id);
    expect(psp.requestsTo('POST', '/v1/transfers').map((r) => r.headers['idempotency-key'])).toEqual([
      request.idempotencyKey,
      request.idempotencyKey,
    ]);
  });

  it('sends ISK/0 in Stripe’s two-decimal units', async () => {
    const answer = await connector().createTransfer(initiation(5n, 'ISK/0'));
    psp.assertRequests('POST', '/v1/transfers', { formBody: { amount: '500', currency: 'isk' } });
    expect(answer.payment).toMatchObject({ amount: 500n, asset: 'ISK/2', type: 'TRANSFER' });
  });

  it('a pending payout is polled until Stripe says paid', async () => {
    const c = connector();
    const request = initiation(2000n, 'EUR/2', 'ba_1PbA0001');
    request.paymentInitiation.sourceAccount = {
      reference: 'acct_1PbConnA0001',
      createdAt: new Date(0),
      metadata: {},
      raw: {},
    };
    const answer = await c.createPayout(request);
    expect(answer.pollingId).toMatch(/^acct_1PbConnA0001\/po_/);
    expect(await c.pollPayoutStatus({ pollingId: answer.pollingId ?? '' })).toEqual({});
    const created = data.payouts[0];
    if (created) created.status = 'paid';
    const polled = await c.pollPayoutStatus({ pollingId: answer.pollingId ?? '' });
    expect(polled.payment).toMatchObject({ type: 'PAYOUT', status: 'SUCCEEDED', amount: 2000n });
    expect(psp.requestsTo('GET', '/v1/payouts/:id').map((r) => r.headers['stripe-account'])).toEqual([
      'acct_1PbConnA0001',
      'acct_1PbConnA0001',
    ]);
  });
});

describe('webhooks', () => {
  const signer = new Stripe('sk_test_signing_only');

  async function endpoints(c: StripeConnector): Promise<WebhookConfig[]> {
    return (await c.createWebhooks({ webhookBaseUrl: 'https://paybridge.example/hooks/c1' })).configs;
  }

  it('creates a platform and a Connect endpoint with every event family, and keeps their secrets', async () => {
    const configs = await endpoints(connector());
    expect(configs.map((c) => [c.name, c.urlPath])).toEqual([
      ['platform', '/platform'],
      ['connect', '/connect'],
    ]);
    const sent = psp.requestsTo('POST', '/v1/webhook_endpoints').map((r) => r.form());
    expect(sent.map((f) => [f.get('url'), f.get('connect')])).toEqual([
      ['https://paybridge.example/hooks/c1/platform', 'false'],
      ['https://paybridge.example/hooks/c1/connect', 'true'],
    ]);
    const events = [...(sent[0]?.entries() ?? [])]
      .filter(([k]) => k.startsWith('enabled_events'))
      .map(([, v]) => v);
    for (const family of [
      'charge.succeeded',
      'refund.created',
      'charge.dispute.created',
      'payout.paid',
      'transfer.created',
      'balance.available',
      'payment_intent.succeeded',
    ])
      expect(events).toContain(family);
    for (const config of configs) {
      expect(config.metadata.secret).toMatch(/^whsec_/);
      expect(config.metadata.platformAccount).toBe(PLATFORM_ID);
    }
  });

  const deliver = async (c: StripeConnector, config: WebhookConfig, event: Record<string, unknown>) => {
    const body = Buffer.from(JSON.stringify({ object: 'event', livemode: false, ...event }));
    const webhook = {
      headers: {
        'stripe-signature': [
          signer.webhooks.generateTestHeaderString({
            payload: body.toString(),
            secret: config.metadata.secret ?? '',
          }),
        ],
      },
      queryValues: {},
      body,
    };
    const request = { webhook, config, receivedAt: new Date() };
    const verified = await c.verifyWebhook(request);
    expect(verified.idempotencyKey).toBe(event.id);
    return (await c.translateWebhook({ ...request, name: config.name })).responses;
  };

  it('translates refunds, disputes, payouts, payment intents and balances through the polling mapping', async () => {
    const c = connector();
    const [platformHook, connectHook] = await endpoints(c);
    if (!platformHook || !connectHook) throw new Error('no endpoints');
    const source = (id: string) => platformTx().find((t) => t.id === id)?.source as Record<string, unknown>;
    const refund = await deliver(c, platformHook, {
      id: 'evt_1',
      type: 'refund.created',
      created: 1767700000,
      data: { object: source('txn_1Pb0005') },
    });
    expect(refund).toEqual([
      {
        kind: 'payment',
        payment: expect.objectContaining({
          reference: 're_1Pb0005',
          parentReference: 'ch_1Pb0001',
          status: 'REFUNDED',
          sourceAccountReference: PLATFORM_ID,
        }),
      },
    ]);
    const dispute = await deliver(c, platformHook, {
      id: 'evt_2',
      type: 'charge.dispute.closed',
      created: 1767700100,
      data: { object: { ...source('txn_1Pb0006'), status: 'won' } },
    });
    expect(dispute[0]).toMatchObject({
      payment: { reference: 'dp_1Pb0006', parentReference: 'ch_1Pb0003', status: 'DISPUTE_WON' },
    });
    const payout = await deliver(c, connectHook, {
      id: 'evt_3',
      type: 'payout.paid',
      account: 'acct_1PbConnA0001',
      created: 1767700200,
      data: { object: { ...source('txn_1Pb0008'), status: 'paid' } },
    });
    expect(payout[0]).toMatchObject({
      payment: {
        reference: 'po_1Pb0008',
        type: 'PAYOUT',
        status: 'SUCCEEDED',
        sourceAccountReference: 'acct_1PbConnA0001',
      },
    });
    const intent = await deliver(c, platformHook, {
      id: 'evt_4',
      type: 'payment_intent.succeeded',
      created: 1767700300,
      data: {
        object: {
          id: 'pi_9',
          object: 'payment_intent',
          amount: 990,
          currency: 'eur',
          created: 1767700290,
          status: 'succeeded',
          latest_charge: 'ch_9',
          metadata: {},
        },
      },
    });
    expect(intent[0]).toMatchObject({
      payment: { reference: 'ch_9', type: 'PAY-IN', status: 'SUCCEEDED', amount: 990n },
    });
    const balance = await deliver(c, connectHook, {
      id: 'evt_5',
      type: 'balance.available',
      account: 'acct_1PbConnA0001',
      created: 1767700400,
      data: { object: data.balances.acct_1PbConnA0001 },
    });
    expect(balance).toEqual([
      {
        kind: 'balance',
        balance: {
          accountReference: 'acct_1PbConnA0001',
          amount: 4000n,
          asset: 'EUR/2',
          createdAt: new Date(1767700400 * 1000),
        },
      },
    ]);
    expect(
      await deliver(c, platformHook, {
        id: 'evt_6',
        type: 'customer.created',
        created: 1,
        data: { object: { id: 'cus_1' } },
      }),
    ).toEqual([]);
  });

  it('the same charge from a webhook and from polling is the same observation', async () => {
    const c = connector();
    const [platformHook] = await endpoints(c);
    if (!platformHook) throw new Error('no endpoint');
    const polled = (await pass((r) => c.fetchNextPayments(r), undefined, 100, platform)).items.find(
      (p) => p.reference === 'ch_1Pb0003',
    );
    const [hooked] = await deliver(c, platformHook, {
      id: 'evt_7',
      type: 'charge.succeeded',
      created: 1767650000,
      data: { object: platformTx().find((t) => t.id === 'txn_1Pb0003')?.source },
    });
    const payment = hooked?.kind === 'payment' ? hooked.payment : undefined;
    expect(
      payment && [payment.reference, payment.status, payment.amount, payment.updatedAt?.toISOString()],
    ).toEqual(polled && [polled.reference, polled.status, polled.amount, polled.updatedAt?.toISOString()]);
  });

  it('a CREATE_WEBHOOKS repeated after a lost answer leaves two endpoints, not four', async () => {
    const c = connector();
    await endpoints(c);
    const again = await endpoints(c);
    expect(data.webhookEndpoints.map((e) => e.id).sort()).toEqual(
      again.map((config) => config.metadata.endpointId).sort(),
    );
    data.webhookEndpoints.push({ id: 'we_other', created: 1, url: 'https://elsewhere.example/hook' });
    await endpoints(c);
    expect(data.webhookEndpoints.map((e) => e.id)).toContain('we_other');
    expect(data.webhookEndpoints).toHaveLength(3);
  });

  it('uninstall deletes both endpoints, and one already gone at Stripe is fine', async () => {
    const c = connector();
    const configs = await endpoints(c);
    data.webhookEndpoints.splice(0, 1);
    await c.uninstall({ webhookConfigs: configs });
    expect(psp.requestsTo('DELETE', '/v1/webhook_endpoints/:id')).toHaveLength(2);
    expect(data.webhookEndpoints).toEqual([]);
  });
});
