// Mangopay connector behaviour at the fake server: the SDK's traps, paging when records arrive mid-pass, pending transactions, writes retried after a lost answer, and notifications as hints.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PspPayment, TaskNode, WebhookConfig } from '../sdk/contract.js';
import {
  AuthenticationError,
  InvalidConfigError,
  UpstreamError,
  WebhookVerificationError,
} from '../sdk/errors.js';
import { policedFetch } from '../sdk/fetch.js';
import { EndpointAllowList, withOutboundCall } from '../sdk/outbound.js';
import { FakePsp, runNode, type NodeRun } from '../sdk/testing/index.js';
import { fixtureData, FAKE_CLIENT_ID, serveMangopay } from './fake.js';
import { mangopayConnector, startHarness, type Harness } from './test-support.js';

const T = 1772323200;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(options);
  open.push(h);
  return h;
}

const usersNode: TaskNode = { type: 'FETCH_OTHERS', name: 'fetch_users', periodic: true, children: [] };
const paymentsNode: TaskNode = {
  type: 'FETCH_PAYMENTS',
  name: 'fetch_payments',
  periodic: true,
  children: [],
};
const ids = (run: NodeRun) =>
  run.items.map((item) => (item as { id?: string; reference?: string }).id ?? (item as PspPayment).reference);

describe('the SDK inside the connector', () => {
  it('two connectors with different endpoints and clients in one process never send each other their requests', async () => {
    const a = await harness({ clientId: 'client-a', apiKey: 'key-a-0123456789' });
    const dataB = fixtureData();
    dataB.users = [{ Id: 'user_b_01', CreationDate: T, PersonType: 'LEGAL' }];
    const b = await harness({ clientId: 'client-b', apiKey: 'key-b-0123456789', data: dataB });
    // Interleaved, and each connector built after the other's first call (the SDK's globals are set again).
    const first = await Promise.all([
      runNode(a.connector, usersNode, { pageSize: 100 }),
      runNode(b.connector, usersNode, { pageSize: 100 }),
    ]);
    const c = mangopayConnector(
      { clientID: 'client-a', apiKey: 'key-a-0123456789', endpoint: a.psp.url },
      a.psp.fetch,
    );
    const second = await Promise.all([
      runNode(b.connector, usersNode, { pageSize: 100 }),
      runNode(c, usersNode, { pageSize: 100 }),
    ]);
    expect(ids(first[0])).toEqual(['user_m_01', 'user_m_02', 'user_m_03']);
    expect(ids(first[1])).toEqual(['user_b_01']);
    expect(ids(second[0])).toEqual(['user_b_01']);
    expect(ids(second[1])).toEqual(['user_m_01', 'user_m_02', 'user_m_03']);
    for (const [psp, client] of [
      [a.psp, 'client-a'],
      [b.psp, 'client-b'],
    ] as const) {
      const api = psp.requests.filter((r) => r.path !== '/v2.01/oauth/token');
      expect(api.length).toBeGreaterThan(0);
      expect(api.every((r) => r.path.startsWith(`/v2.01/${client}/`))).toBe(true);
      expect(api.every((r) => r.headers.authorization?.startsWith(`Bearer token-${client}-`))).toBe(true);
      // The routing header stays inside the process.
      expect(psp.requests.some((r) => 'x-paybridge-mangopay-route' in r.headers)).toBe(false);
    }
  });

  it("each SDK call, its token request included, runs under its own operation's outbound policy, even interleaved", async () => {
    const a = await harness({ clientId: 'client-a', apiKey: 'key-a-0123456789' });
    const b = await harness({ clientId: 'client-b', apiKey: 'key-b-0123456789' });
    const connectorA = mangopayConnector(
      { clientID: 'client-a', apiKey: 'key-a-0123456789', endpoint: a.psp.url },
      policedFetch(a.psp.fetch),
    );
    const connectorB = mangopayConnector(
      { clientID: 'client-b', apiKey: 'key-b-0123456789', endpoint: b.psp.url },
      policedFetch(b.psp.fetch),
    );
    // The operator allows only A's host: B's operation must be refused before anything reaches B.
    const policy = { allow: EndpointAllowList.parse(new URL(a.psp.url).host) };
    const operation = (connector: typeof connectorA) =>
      withOutboundCall({ policy, hidden: false, answered: false }, () =>
        runNode(connector, usersNode, { pageSize: 1 }),
      );
    const outcomes = await Promise.allSettled([
      operation(connectorA),
      operation(connectorB),
      operation(connectorA),
      operation(connectorB),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(InvalidConfigError);
    }
    expect(b.psp.requests).toEqual([]);
  });

  it('install with wrong credentials fails with AuthenticationError carrying Mangopay’s message', async () => {
    const h = await harness();
    const wrong = mangopayConnector(
      { clientID: FAKE_CLIENT_ID, apiKey: 'not-the-key', endpoint: h.psp.url },
      h.psp.fetch,
    );
    const error = await wrong.install().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toContain('Authentication failed: invalid client credentials');
    expect((error as Error).message).not.toContain('not-the-key');
  });

  it('the SDK writes nothing to the console on failures: no keys, no bodies', async () => {
    const h = await harness();
    const printed: unknown[][] = [];
    const spies = (['log', 'error', 'warn', 'info', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args)),
    );
    try {
      const wrong = mangopayConnector(
        { clientID: FAKE_CLIENT_ID, apiKey: 'secret-key-xyz', endpoint: h.psp.url },
        h.psp.fetch,
      );
      await expect(wrong.install()).rejects.toBeInstanceOf(AuthenticationError);
      await h.connector.install();
      h.psp.fail({ kind: 'status', status: 500, body: '{"Message":"boom","Type":"internal"}' });
      await expect(runNode(h.connector, usersNode, { pageSize: 1 })).rejects.toBeInstanceOf(UpstreamError);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(printed).toEqual([]);
  });

  it('a connection lost mid-request settles as UpstreamError instead of leaving the SDK promise pending', async () => {
    const h = await harness();
    await h.connector.install();
    h.psp.fail({ kind: 'reset' }, { path: `/v2.01/${FAKE_CLIENT_ID}/users` });
    await expect(runNode(h.connector, usersNode, { pageSize: 10 })).rejects.toBeInstanceOf(UpstreamError);
  });
});

describe('paging', () => {
  it('a user inserted mid-pass, sharing a second with users already paged and sorted before them, is neither lost nor repeated', async () => {
    const h = await harness();
    let state: unknown;
    const seen: string[] = [];
    const page = async () => {
      const answer = await h.connector.fetchNextOthers({ state, pageSize: 1, name: 'fetch_users' });
      state = JSON.parse(JSON.stringify(answer.newState)) as unknown;
      seen.push(...answer.items.map((o) => o.id));
      return answer.hasMore;
    };
    await page(); // user_m_01
    await page(); // user_m_02
    // Arrives now, at T+60 like user_m_02 and user_m_03, listed before both: every later page shifts by one.
    h.data.users.push({ Id: 'user_m_000', CreationDate: T + 60, PersonType: 'NATURAL' });
    while (await page());
    // The next pass (the next poll) picks it up.
    while (await page());
    expect(seen.sort()).toEqual(['user_m_000', 'user_m_01', 'user_m_02', 'user_m_03']);
  });

  it('users (no date filter at Mangopay) are re-read from where the last pass ended, not from page 1', async () => {
    const data = fixtureData();
    data.users = Array.from({ length: 50 }, (_, day) => ({
      Id: `user_d_${String(day).padStart(2, '0')}`,
      CreationDate: T + day * 86_400,
      PersonType: 'NATURAL',
    }));
    const h = await harness({ data });
    const first = await runNode(h.connector, usersNode, { pageSize: 10 });
    expect(first.items).toHaveLength(50);
    h.psp.clearRecords();
    const second = await runNode(h.connector, usersNode, { pageSize: 10, state: first.state });
    expect(second.items).toEqual([]);
    expect(h.psp.requestsTo('GET', `/v2.01/${FAKE_CLIENT_ID}/users`).length).toBeLessThanOrEqual(3);
    expect(
      h.psp.requestsTo('GET', `/v2.01/${FAKE_CLIENT_ID}/users`).every((r) => !r.query.has('AfterDate')),
    ).toBe(true);
    data.users.push({ Id: 'user_d_new', CreationDate: T + 49 * 86_400, PersonType: 'LEGAL' });
    const third = await runNode(h.connector, usersNode, { pageSize: 10, state: second.state });
    expect(ids(third)).toEqual(['user_d_new']);
  });

  it('a transaction that becomes visible late, stamped before the newest one seen, is found by the next pass', async () => {
    const h = await harness();
    const fromPayload = { id: 'wlt_m_02', payload: {} };
    const first = await runNode(h.connector, paymentsNode, { pageSize: 100, fromPayload });
    expect(ids(first)).toEqual(['payin_m_03']);
    h.data.transactions.wlt_m_02?.push({
      ...h.data.transactions.wlt_m_02[0],
      Id: 'payin_m_late',
      CreationDate: T + 390, // ten seconds before payin_m_03, committed after it was listed
    });
    const second = await runNode(h.connector, paymentsNode, {
      pageSize: 100,
      fromPayload,
      state: first.state,
    });
    expect(ids(second)).toEqual(['payin_m_late']);
  });

  it('a payout listed CREATED is re-read by id each pass until it settles, then reported once with its new status', async () => {
    const h = await harness();
    const fromPayload = { id: 'wlt_m_01', payload: {} };
    const first = await runNode(h.connector, paymentsNode, { pageSize: 100, fromPayload });
    expect((first.items as PspPayment[]).find((p) => p.reference === 'payout_m_01')?.status).toBe('PENDING');
    const quiet = await runNode(h.connector, paymentsNode, {
      pageSize: 100,
      fromPayload,
      state: first.state,
    });
    expect(quiet.items).toEqual([]);
    expect(h.psp.requestsTo('GET', `/v2.01/${FAKE_CLIENT_ID}/payouts/payout_m_01`)).toHaveLength(1);
    // Three days later, far outside the listing's look-back window.
    const payout = h.data.transactions.wlt_m_01?.find((t) => t.Id === 'payout_m_01');
    Object.assign(payout ?? {}, { Status: 'SUCCEEDED', ExecutionDate: T + 3 * 86_400, ResultCode: '000000' });
    const settled = await runNode(h.connector, paymentsNode, {
      pageSize: 100,
      fromPayload,
      state: quiet.state,
    });
    expect((settled.items as PspPayment[]).map((p) => [p.reference, p.status])).toEqual([
      ['payout_m_01', 'SUCCEEDED'],
    ]);
    const after = await runNode(h.connector, paymentsNode, {
      pageSize: 100,
      fromPayload,
      state: settled.state,
    });
    expect(after.items).toEqual([]);
  });

  it('a refund listed without InitialTransactionId is read by id and becomes an adjustment of its pay-in', async () => {
    const h = await harness();
    const run = await runNode(h.connector, paymentsNode, {
      pageSize: 100,
      fromPayload: { id: 'wlt_m_01', payload: {} },
    });
    const refund = (run.items as PspPayment[]).find((p) => p.reference === 'refund_m_02');
    expect(refund).toMatchObject({
      parentReference: 'payin_m_01',
      type: 'PAY-IN',
      status: 'REFUNDED',
      amount: 100n,
    });
    expect(h.psp.requestsTo('GET', `/v2.01/${FAKE_CLIENT_ID}/refunds/refund_m_02`)).toHaveLength(1);
  });

  it('an unknown transaction status is stored as OTHER and named in the page warnings', async () => {
    const h = await harness();
    Object.assign(h.data.transactions.wlt_m_02?.[0] ?? {}, { Status: 'ON_HOLD' });
    const answer = await h.connector.fetchNextPayments({
      state: undefined,
      pageSize: 100,
      name: 'fetch_payments',
      fromPayload: { id: 'wlt_m_02', payload: {} },
    });
    expect(answer.items.map((p) => p.status)).toEqual(['OTHER']);
    expect(answer.warnings).toEqual(["unknown Mangopay transaction status 'ON_HOLD' mapped to OTHER"]);
  });
});

describe('writes', () => {
  const wallet = (reference: string) => ({
    reference,
    createdAt: new Date(T * 1000),
    metadata: { 'com.mangopay.spec/userId': 'user_m_01' },
    raw: {},
  });
  const initiation = {
    reference: 'pi-1',
    createdAt: new Date(),
    description: 'rent march',
    sourceAccount: wallet('wlt_m_01'),
    destinationAccount: wallet('wlt_m_03'),
    amount: 1500n,
    asset: 'EUR/2',
    metadata: {},
  };

  it('a transfer retried after its answer was lost moves the money once, and both answers name one transfer', async () => {
    const psp = await FakePsp.start();
    open.push({ close: () => psp.stop() });
    const data = serveMangopay(psp);
    let loseNextAnswer = false;
    // The request reaches Mangopay, which acts; the connection drops before the answer arrives.
    const lossy: typeof psp.fetch = async (input, init) => {
      const response = await psp.fetch(input, init);
      if (loseNextAnswer && init?.method === 'POST' && String(input).endsWith('/transfers')) {
        loseNextAnswer = false;
        throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
      }
      return response;
    };
    const connector = mangopayConnector(
      { clientID: FAKE_CLIENT_ID, apiKey: 'fake-api-key-0123456789abcdef', endpoint: psp.url },
      lossy,
    );
    const key = '0b5f1a52-7c1e-5d3a-9f00-1234567890ab';
    loseNextAnswer = true;
    await expect(
      connector.createTransfer({ paymentInitiation: initiation, idempotencyKey: key }),
    ).rejects.toBeInstanceOf(UpstreamError);
    const retried = await connector.createTransfer({ paymentInitiation: initiation, idempotencyKey: key });
    expect(retried.payment).toMatchObject({
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      amount: 1500n,
      asset: 'EUR/2',
    });
    expect(psp.movements.map((m) => m.key)).toEqual([key]);
    expect(
      psp.requestsTo('POST', `/v2.01/${FAKE_CLIENT_ID}/transfers`).map((r) => r.headers['idempotency-key']),
    ).toEqual([key, key]);
    const wallets = Object.values(data.wallets).flat();
    expect(wallets.find((w) => w.Id === 'wlt_m_01')?.Balance).toEqual({
      Currency: 'EUR',
      Amount: 5900 - 1500,
    });
    expect(wallets.find((w) => w.Id === 'wlt_m_03')?.Balance).toEqual({
      Currency: 'EUR',
      Amount: 2500 + 1500,
    });
  });

  it('a transfer is reversed by a full refund, found by its tag; a partial reversal is refused and refunds nothing', async () => {
    const h = await harness();
    const created = await h.connector.createTransfer({
      paymentInitiation: initiation,
      idempotencyKey: '3c2d3e4f-5a6b-5c7d-8e9f-0a1b2c3d4e5f',
    });
    const reversal = (amount: bigint) => ({
      paymentInitiationReversal: {
        reference: 'rev-1',
        createdAt: new Date(),
        description: 'refund',
        relatedPaymentInitiation: initiation,
        amount,
        asset: 'EUR/2',
        metadata: {},
      },
      idempotencyKey: '4c2d3e4f-5a6b-5c7d-8e9f-0a1b2c3d4e5f',
    });
    await expect(h.connector.reverseTransfer(reversal(500n))).rejects.toThrow(/in full only/);
    expect(h.psp.requestsTo('POST', `/v2.01/${FAKE_CLIENT_ID}/transfers/:id/refunds`)).toEqual([]);
    const { payment } = await h.connector.reverseTransfer(reversal(1500n));
    expect(payment).toMatchObject({
      parentReference: created.payment?.reference,
      type: 'TRANSFER',
      status: 'REFUNDED',
      amount: 1500n,
    });
  });

  it('a bank-wire payout answered CREATED is polled until Mangopay settles it', async () => {
    const h = await harness();
    const answer = await h.connector.createPayout({
      paymentInitiation: {
        ...initiation,
        destinationAccount: { reference: 'bankacc_m_01', createdAt: new Date(T * 1000), raw: {} },
      },
      idempotencyKey: '1c2d3e4f-5a6b-5c7d-8e9f-0a1b2c3d4e5f',
    });
    expect(answer.payment).toBeUndefined();
    const pollingId = answer.pollingId ?? '';
    h.psp.assertRequests('POST', `/v2.01/${FAKE_CLIENT_ID}/payouts/bankwire`, {
      jsonBody: {
        PaymentType: 'BANK_WIRE',
        BankAccountId: 'bankacc_m_01',
        AuthorId: 'user_m_01',
        BankWireRef: 'rent march',
      },
    });
    expect(await h.connector.pollPayoutStatus({ pollingId })).toEqual({});
    const payout = h.data.transactions.wlt_m_01?.find((t) => t.Id === pollingId);
    Object.assign(payout ?? {}, { Status: 'FAILED', ExecutionDate: T + 999, ResultCode: '002999' });
    expect((await h.connector.pollPayoutStatus({ pollingId })).payment).toMatchObject({
      reference: pollingId,
      status: 'FAILED',
    });
  });

  it('a source wallet without owner metadata gets its AuthorId from the wallet at Mangopay', async () => {
    const h = await harness();
    await h.connector.createTransfer({
      paymentInitiation: {
        ...initiation,
        sourceAccount: { reference: 'wlt_m_03', createdAt: new Date(), raw: {} },
        destinationAccount: wallet('wlt_m_01'),
      },
      idempotencyKey: '2c2d3e4f-5a6b-5c7d-8e9f-0a1b2c3d4e5f',
    });
    h.psp.assertRequests('POST', `/v2.01/${FAKE_CLIENT_ID}/transfers`, {
      jsonBody: { AuthorId: 'user_m_02', DebitedWalletId: 'wlt_m_03' },
    });
  });
});

describe('hooks and notifications', () => {
  const BASE = 'https://paybridge.example/api/payments/v3/connectors/webhooks/conn-1';

  it('install creates one hook per event type; installing again re-points the existing hooks instead of failing', async () => {
    const h = await harness();
    const first = await h.connector.createWebhooks({ webhookBaseUrl: BASE });
    expect(first.configs.length).toBe(h.data.hooks.length);
    expect(h.data.hooks.every((hook) => hook.Url === `${BASE}/${String(hook.EventType).toLowerCase()}`)).toBe(
      true,
    );
    await h.connector.uninstall({ webhookConfigs: first.configs });
    expect(h.data.hooks.every((hook) => hook.Status === 'DISABLED')).toBe(true);
    const other = `${BASE.replace('conn-1', 'conn-2')}`;
    const again = await h.connector.createWebhooks({ webhookBaseUrl: other });
    expect(again.configs.map((c) => c.metadata.hookId)).toEqual(first.configs.map((c) => c.metadata.hookId));
    expect(
      h.data.hooks.every((hook) => hook.Status === 'ENABLED' && String(hook.Url).startsWith(other)),
    ).toBe(true);
    expect(h.psp.requestsTo('POST', `/v2.01/${FAKE_CLIENT_ID}/hooks`)).toHaveLength(first.configs.length);
  });

  const config = (name: string): WebhookConfig => ({
    name,
    urlPath: `/${name.toLowerCase()}`,
    metadata: { hookId: 'hook_1' },
  });
  const hint = (eventType: string, id: string, at: Date) => ({
    headers: {},
    queryValues: {
      EventType: [eventType],
      RessourceId: [id],
      Date: [String(Math.floor(at.getTime() / 1000))],
    },
    body: Buffer.alloc(0),
  });

  it('a forged notification for a pay-in the API does not know creates nothing', async () => {
    const h = await harness();
    const now = new Date();
    const webhook = hint('PAYIN_NORMAL_SUCCEEDED', 'payin_invented', now);
    const request = { webhook, config: config('PAYIN_NORMAL_SUCCEEDED'), receivedAt: now };
    await expect(h.connector.verifyWebhook(request)).rejects.toBeInstanceOf(WebhookVerificationError);
    await expect(
      h.connector.translateWebhook({ ...request, name: 'PAYIN_NORMAL_SUCCEEDED' }),
    ).rejects.toBeInstanceOf(WebhookVerificationError);
  });

  it("a notification claiming success for a pay-in that failed stores the API's status", async () => {
    const h = await harness();
    const now = new Date();
    const request = {
      webhook: hint('PAYIN_NORMAL_SUCCEEDED', 'payin_m_02', now),
      config: config('PAYIN_NORMAL_SUCCEEDED'),
      receivedAt: now,
    };
    const { idempotencyKey } = await h.connector.verifyWebhook(request);
    expect(idempotencyKey).toBe(`PAYIN_NORMAL_SUCCEEDED-payin_m_02-${Math.floor(now.getTime() / 1000)}`);
    const { responses } = await h.connector.translateWebhook({ ...request, name: 'PAYIN_NORMAL_SUCCEEDED' });
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({
      kind: 'payment',
      payment: { reference: 'payin_m_02', status: 'FAILED', type: 'PAY-IN', amount: 5000n },
    });
  });

  it('a refund notification becomes an adjustment of the refunded pay-in', async () => {
    const h = await harness();
    const now = new Date();
    const request = {
      webhook: hint('PAYIN_REFUND_SUCCEEDED', 'refund_m_01', now),
      config: config('PAYIN_REFUND_SUCCEEDED'),
      receivedAt: now,
    };
    await h.connector.verifyWebhook(request);
    const { responses } = await h.connector.translateWebhook({ ...request, name: 'PAYIN_REFUND_SUCCEEDED' });
    expect(responses[0]).toMatchObject({
      payment: { reference: 'refund_m_01', parentReference: 'payin_m_01', status: 'REFUNDED' },
    });
  });

  it('an event type other than the one its hook was created for is refused before any call', async () => {
    const h = await harness();
    const now = new Date();
    h.psp.clearRecords();
    await expect(
      h.connector.verifyWebhook({
        webhook: hint('PAYOUT_NORMAL_SUCCEEDED', 'payin_m_01', now),
        config: config('PAYIN_NORMAL_SUCCEEDED'),
        receivedAt: now,
      }),
    ).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(h.psp.requests).toEqual([]);
  });
});
