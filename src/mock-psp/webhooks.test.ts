import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type AdminTransaction,
  type ContractAccount,
  type ContractBalances,
  type ContractBeneficiary,
  type ContractTransaction,
  type CreatedWebhookRegistrationBody,
  type ErrorBody,
  type InitiationObject,
  type PspClient,
  pspClient,
  type StatsBody,
  type WebhookDeliveryBody,
  type WebhookRegistrationBody,
} from '../../test/support/mock-psp-harness.js';
import {
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../test/support/mock-psp-webhook-receiver.js';
import { type MockPsp, startMockPsp } from './server.js';
import { TenantRegistry } from './store.js';
import { MAX_ATTEMPTS, retryDelayMs, WebhookDispatcher } from './webhook-delivery.js';

let psp: MockPsp;
beforeAll(async () => {
  psp = await startMockPsp();
});
afterAll(async () => {
  await psp.stop();
});

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

async function newReceiver(): Promise<WebhookReceiver> {
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  return receiver;
}

const newTenant = () => pspClient(psp.url, `webhooks-${randomUUID()}`);

async function register(client: PspClient, url: string) {
  const response = await client.post<CreatedWebhookRegistrationBody>('/webhooks', { url });
  expect(response.status).toBe(201);
  return response.body;
}

/** A tenant with one registration pointing at a fresh receiver. */
async function subscribedTenant() {
  const client = newTenant();
  const receiver = await newReceiver();
  const registration = await register(client, receiver.url);
  return { client, receiver, registration };
}

async function createAccount(client: PspClient, initialBalance = '0') {
  const response = await client.post<AdminAccount>('/admin/accounts', {
    accountName: 'Main',
    currency: 'EUR',
    initialBalance,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function setFaults(client: PspClient, faults: Record<string, unknown>) {
  expect((await client.put('/admin/faults', faults)).status).toBe(200);
}

const ofType = (received: ReceivedWebhook[], type: string) =>
  received.filter((webhook) => webhook.event.type === type);

const deliveries = async (client: PspClient) =>
  (await client.get<WebhookDeliveryBody[]>('/admin/webhooks/deliveries')).body;

function verify(secret: string, webhook: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(webhook.body, webhook.headers);
}

describe('webhook registration', () => {
  it('registers a URL with a whsec_ secret of 32 random bytes, and a second registration of it returns the same one', async () => {
    const client = newTenant();
    const url = 'http://127.0.0.1:9/hooks';
    const created = await client.post<CreatedWebhookRegistrationBody>('/webhooks', { url });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-z]{10}$/),
      url,
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);

    const again = await client.post<CreatedWebhookRegistrationBody>('/webhooks', { url });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);

    const other = await client.post<CreatedWebhookRegistrationBody>('/webhooks', { url: `${url}/other` });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(created.body.id);
    expect(other.body.secret).not.toBe(created.body.secret);
  });

  it('lists registrations without their secrets, on the contract and on the admin API', async () => {
    const client = newTenant();
    const first = await register(client, 'http://127.0.0.1:9/a');
    const second = await register(client, 'https://example.test/b');
    const expected = [first, second].map(({ id, url, createdAt }) => ({ id, url, createdAt }));
    for (const path of ['/webhooks', '/admin/webhooks']) {
      const listed = await client.get<WebhookRegistrationBody[]>(path);
      expect(listed.status, path).toBe(200);
      expect(listed.body, path).toEqual(expected);
    }
  });

  it('refuses a URL that is not an absolute http(s) URL with a VALIDATION error body', async () => {
    const client = newTenant();
    for (const body of [
      { url: 'ftp://example.test/hooks' },
      { url: 'not a url' },
      { url: '/relative/path' },
      { url: 42 },
      {},
    ]) {
      const response = await client.post<ErrorBody>('/webhooks', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual({ Title: 'VALIDATION', Detail: expect.stringContaining('url') });
    }
    expect((await client.get('/webhooks')).body).toEqual([]);
  });

  it('deletes a registration with 204, and answers 404 with an error body for an unknown id', async () => {
    const client = newTenant();
    const registration = await register(client, 'http://127.0.0.1:9/hooks');
    const deleted = await client.delete(`/webhooks/${registration.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBe('');
    expect((await client.get('/webhooks')).body).toEqual([]);

    const again = await client.delete<ErrorBody>(`/webhooks/${registration.id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual({ Title: 'NOT_FOUND', Detail: expect.stringContaining(registration.id) });
  });

  it("keeps each tenant's registrations to itself", async () => {
    const client = newTenant();
    const other = newTenant();
    const registration = await register(client, 'http://127.0.0.1:9/hooks');
    expect((await other.get('/webhooks')).body).toEqual([]);
    expect((await other.delete(`/webhooks/${registration.id}`)).status).toBe(404);
    expect((await client.get<WebhookRegistrationBody[]>('/webhooks')).body).toHaveLength(1);
  });

  it('needs the bearer key, and counts registration requests as contract requests', async () => {
    const anonymous = await fetch(`${psp.url}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hooks' }),
    });
    expect(anonymous.status).toBe(401);

    const client = newTenant();
    await register(client, 'http://127.0.0.1:9/hooks');
    await client.get('/webhooks');
    const stats = (await client.get<StatsBody>('/admin/stats')).body;
    expect(stats.byEndpoint).toEqual({ 'POST /webhooks': 1, 'GET /webhooks': 1 });
  });

  it('keeps registrations when the tenant is emptied with DELETE /admin/data', async () => {
    const { client, receiver, registration } = await subscribedTenant();
    expect((await client.delete('/admin/data')).status).toBe(200);
    expect((await client.get<WebhookRegistrationBody[]>('/webhooks')).body.map((r) => r.id)).toEqual([
      registration.id,
    ]);
    await client.post('/admin/beneficiaries', { ownerName: 'After the reset' });
    await receiver.waitFor((received) => ofType(received, 'beneficiary.created').length === 1);
  });
});

describe('webhook deliveries', () => {
  it('signs an account.created delivery the Standard Webhooks way, with the account exactly as GET /accounts returns it', async () => {
    const { client, receiver, registration } = await subscribedTenant();
    const before = Math.floor(Date.now() / 1000);
    const account = await createAccount(client);

    const [webhook] = await receiver.waitFor((received) => received.length >= 1);
    if (!webhook) throw new Error('no webhook arrived');
    expect(webhook.headers['content-type']).toBe('application/json');
    expect(webhook.id).toMatch(/^msg_\w+$/);
    const timestamp = Number(webhook.headers['webhook-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(webhook.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);

    const listed = (await client.get<ContractAccount[]>('/accounts')).body;
    expect(verify(registration.secret, webhook)).toEqual({
      type: 'account.created',
      createdAt: account.createdAt,
      data: listed[0],
    });
    // Another secret does not verify it.
    const stranger = await register(newTenant(), receiver.url);
    expect(() => verify(stranger.secret, webhook)).toThrow();
  });

  it('sends beneficiary.created and transaction.created with the objects as the contract lists them', async () => {
    const { client, receiver } = await subscribedTenant();
    await client.post('/admin/beneficiaries', { ownerName: 'Ada Lovelace', metadata: { k: 'v' } });
    const transaction = (
      await client.post<AdminTransaction>('/admin/transactions', {
        type: 'PAYIN',
        amount: '1000',
        currency: 'EUR',
        destinationAccountID: 'acc_elsewhere',
        scheme: 'SEPA',
      })
    ).body;
    const received = await receiver.waitFor((all) => all.length >= 2);
    const beneficiaries = (await client.get<ContractBeneficiary[]>('/beneficiaries')).body;
    const transactions = (await client.get<ContractTransaction[]>('/transactions')).body;
    expect(ofType(received, 'beneficiary.created').map((w) => w.event.data)).toEqual(beneficiaries);
    expect(ofType(received, 'transaction.created').map((w) => w.event)).toEqual([
      { type: 'transaction.created', createdAt: transaction.createdAt, data: transactions[0] },
    ]);
    // The account is not one of the tenant's, so no balance moved.
    await sleep(200);
    expect(ofType(receiver.received, 'balance.changed')).toEqual([]);
  });

  it('sends transaction.updated with the new updatedAt and balance.changed for the account a lifecycle step moved', async () => {
    const { client, receiver } = await subscribedTenant();
    const account = await createAccount(client, '500');
    const pending = (
      await client.post<AdminTransaction>('/admin/transactions', {
        type: 'PAYIN',
        amount: '1000',
        currency: 'EUR',
        destinationAccountID: account.id,
      })
    ).body;
    // The initial balance moved the new account's balance; the pending pay-in did not.
    await receiver.waitFor(
      (all) => ofType(all, 'transaction.created').length === 1 && ofType(all, 'balance.changed').length === 1,
    );
    await sleep(200);
    expect(ofType(receiver.received, 'balance.changed')).toHaveLength(1);

    const stepped = await client.post<{ transaction: AdminTransaction }>(
      `/admin/transactions/${pending.id}/succeed`,
    );
    const received = await receiver.waitFor(
      (all) => ofType(all, 'transaction.updated').length === 1 && ofType(all, 'balance.changed').length === 2,
    );
    const [listed] = (await client.get<ContractTransaction[]>('/transactions')).body;
    const updated = ofType(received, 'transaction.updated')[0]?.event;
    expect(updated).toEqual({
      type: 'transaction.updated',
      createdAt: stepped.body.transaction.updatedAt,
      data: listed,
    });
    expect(listed?.status).toBe('SUCCEEDED');
    expect(listed?.updatedAt).not.toBe(pending.updatedAt);

    const balances = (await client.get<ContractBalances>(`/accounts/${account.id}/balances`)).body;
    const changed = ofType(received, 'balance.changed')
      .map((w) => w.event)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    expect(changed[0]).toEqual({
      type: 'balance.changed',
      createdAt: account.createdAt,
      data: { ...balances, at: account.createdAt, balances: [{ amount: '500', currency: 'EUR/2' }] },
    });
    // `at` is the change's time, so a receiver can tell which balance is newer whatever the arrival order.
    expect(changed[1]).toEqual({
      type: 'balance.changed',
      createdAt: stepped.body.transaction.updatedAt,
      data: { ...balances, at: stepped.body.transaction.updatedAt },
    });
    expect(balances.balances).toEqual([{ amount: '1500', currency: 'EUR/2' }]);

    // A dispute keeps the money where it is: the step is sent, a balance change is not.
    await client.post(`/admin/transactions/${pending.id}/dispute`);
    await receiver.waitFor((all) => ofType(all, 'transaction.updated').length === 2);
    await sleep(300);
    expect(ofType(receiver.received, 'balance.changed')).toHaveLength(2);
  });

  it('sends a payout made through POST /payouts as transaction.created, with balance.changed for its source', async () => {
    const { client, receiver } = await subscribedTenant();
    const source = await createAccount(client, '10000');
    const beneficiary = (
      await client.post<ContractBeneficiary>('/admin/beneficiaries', { ownerName: 'Jane' })
    ).body;
    await receiver.waitFor((all) => all.length === 3);

    const payout = await client.post<InitiationObject>('/payouts', {
      idempotencyKey: 'payout-1',
      amount: '2500',
      currency: 'EUR/2',
      sourceAccountId: source.id,
      destinationAccountId: beneficiary.id,
    });
    expect(payout.status).toBe(201);
    const received = await receiver.waitFor((all) => all.length === 5);
    const [transaction] = (await client.get<ContractTransaction[]>('/transactions')).body;
    expect(ofType(received, 'transaction.created').map((w) => w.event.data)).toEqual([transaction]);
    expect(transaction).toMatchObject({ id: payout.body.id, type: 'PAYOUT', status: 'PENDING' });
    const balanceEvents = ofType(received, 'balance.changed').map((w) => w.event.data as ContractBalances);
    expect(balanceEvents.at(-1)).toMatchObject({
      accountID: source.id,
      balances: [{ amount: '7500', currency: 'EUR/2' }],
    });

    // An idempotent replay changes nothing and sends nothing.
    const replay = await client.post('/payouts', {
      idempotencyKey: 'payout-1',
      amount: '2500',
      currency: 'EUR/2',
      sourceAccountId: source.id,
      destinationAccountId: beneficiary.id,
    });
    expect(replay.status).toBe(200);
    await sleep(300);
    expect(receiver.received).toHaveLength(5);
  });

  it('sends one message per generated record, and one balance.changed per account a generation moved', async () => {
    const { client, receiver } = await subscribedTenant();
    await client.post('/admin/transactions/generate', { count: 30, types: ['PAYIN'] });
    const accounts = (await client.get<AdminAccount[]>('/admin/accounts')).body;
    const moved = accounts.filter((account) => account.balances.length > 0).length;
    const received = await receiver.waitFor(
      (all) =>
        ofType(all, 'transaction.created').length === 30 && ofType(all, 'account.created').length === 2,
    );
    await sleep(300);
    expect(ofType(received, 'beneficiary.created')).toHaveLength(1);
    // The seeded accounts are created in the same write as the pay-ins: their initial balances and every
    // pay-in that moved them make one balance.changed per account.
    const balanceEvents = ofType(receiver.received, 'balance.changed');
    expect(balanceEvents).toHaveLength(moved);
    for (const account of accounts) {
      const last = balanceEvents
        .map((w) => w.event.data as ContractBalances)
        .filter((data) => data.accountID === account.id)
        .sort((a, b) => a.at.localeCompare(b.at))
        .at(-1);
      expect(last?.balances).toEqual(account.balances.map(({ amount, currency }) => ({ amount, currency })));
    }
    expect(receiver.received).toHaveLength(33 + balanceEvents.length);
  });

  it('does not hold the request that caused a change while a receiver is slow', async () => {
    const { client, receiver } = await subscribedTenant();
    receiver.answerWith(async () => {
      await sleep(1000);
      return 200;
    });
    const started = performance.now();
    const response = await client.post('/admin/transactions/generate', { count: 8, types: ['PAYIN'] });
    expect(response.status).toBe(201);
    expect(performance.now() - started).toBeLessThan(800);
    // Two accounts, a beneficiary, eight pay-ins and a balance.changed per account, a few at a time.
    await receiver.waitFor((all) => all.length === 13, 20_000);
    await sleep(1200);
    expect((await client.get<StatsBody>('/admin/stats')).body.webhooks).toMatchObject({
      messages: 13,
      attempts: 13,
      delivered: 13,
    });
  });

  it('retries a message answered 500 with the same webhook-id, 1 s then 2 s later, until a 2xx ends it', async () => {
    const { client, receiver, registration } = await subscribedTenant();
    receiver.answerWith((_webhook, seen) => (seen < 2 ? 500 : 204));
    await client.post('/admin/beneficiaries', { ownerName: 'Retried' });

    const received = await receiver.waitFor((all) => all.length >= 3);
    const ids = new Set(received.map((webhook) => webhook.id));
    expect(ids.size).toBe(1);
    const [first, second, third] = received;
    if (!first || !second || !third) throw new Error('three attempts expected');
    expect(second.receivedAtMs - first.receivedAtMs).toBeGreaterThanOrEqual(900);
    expect(third.receivedAtMs - second.receivedAtMs).toBeGreaterThanOrEqual(1900);
    // Every attempt is signed afresh and verifies.
    for (const webhook of received) expect(verify(registration.secret, webhook)).toBeTruthy();

    await sleep(1500);
    expect(receiver.received).toHaveLength(3);
    expect(await deliveries(client)).toEqual([
      {
        id: first.id,
        webhookId: registration.id,
        type: 'beneficiary.created',
        attempts: 3,
        status: 'delivered',
        lastError: 'answered 500',
        deliveredAt: expect.any(String),
      },
    ]);
    expect((await client.get<StatsBody>('/admin/stats')).body.webhooks).toEqual({
      messages: 1,
      attempts: 3,
      delivered: 1,
      failed: 0,
      duplicates: 0,
      injectedFailures: 0,
    });
  });

  it('sends nothing more to a deleted registration, pending retries included', async () => {
    const { client, receiver, registration } = await subscribedTenant();
    receiver.answerWith(() => 503);
    await client.post('/admin/beneficiaries', { ownerName: 'Never acknowledged' });
    await receiver.waitFor((all) => all.length === 1);

    expect((await client.delete(`/webhooks/${registration.id}`)).status).toBe(204);
    await client.post('/admin/beneficiaries', { ownerName: 'After the deletion' });
    // The retry would have come 1 s after the first attempt.
    await sleep(2500);
    expect(receiver.received).toHaveLength(1);
    expect(await deliveries(client)).toEqual([
      expect.objectContaining({
        webhookId: registration.id,
        status: 'failed',
        attempts: 1,
        lastError: expect.stringContaining('deleted'),
      }),
    ]);
  });

  it('sends a message to every registration of the tenant, each with its own id and signature', async () => {
    const client = newTenant();
    const [a, b] = [await newReceiver(), await newReceiver()];
    const registrations = [await register(client, a.url), await register(client, b.url)];
    await client.post('/admin/beneficiaries', { ownerName: 'Both' });
    const [fromA] = await a.waitFor((all) => all.length === 1);
    const [fromB] = await b.waitFor((all) => all.length === 1);
    if (!fromA || !fromB) throw new Error('both receivers expected a webhook');
    expect(fromA.id).not.toBe(fromB.id);
    expect(fromA.body).toBe(fromB.body);
    expect(verify(registrations[0]!.secret, fromA)).toBeTruthy();
    expect(verify(registrations[1]!.secret, fromB)).toBeTruthy();
    expect(() => verify(registrations[0]!.secret, fromB)).toThrow();
  });
});

describe('webhook fault modes', () => {
  it('delivers every message twice with the same webhook-id at webhookDuplicates 1', async () => {
    const { client, receiver, registration } = await subscribedTenant();
    await setFaults(client, { webhookDuplicates: 1 });
    await client.post('/admin/beneficiaries', { ownerName: 'Twice' });
    await client.post('/admin/beneficiaries', { ownerName: 'Twice again' });

    const received = await receiver.waitFor((all) => all.length >= 4);
    await sleep(300);
    expect(receiver.received).toHaveLength(4);
    const perId = new Map<string, string[]>();
    for (const webhook of received) perId.set(webhook.id, [...(perId.get(webhook.id) ?? []), webhook.body]);
    expect([...perId.values()].map((bodies) => bodies.length)).toEqual([2, 2]);
    for (const [, bodies] of perId) expect(bodies[0]).toBe(bodies[1]);
    for (const webhook of received) expect(verify(registration.secret, webhook)).toBeTruthy();
    expect((await client.get<StatsBody>('/admin/stats')).body.webhooks).toMatchObject({
      messages: 2,
      delivered: 2,
      duplicates: 2,
    });
  });

  it('holds each delivery back by up to 2 s at webhookReorder, so later changes can arrive first; all arrive', async () => {
    const { client, receiver } = await subscribedTenant();
    await setFaults(client, { webhookReorder: true });
    const started = Date.now();
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      names.push(`owner ${i}`);
      await client.post('/admin/beneficiaries', { ownerName: `owner ${i}` });
    }
    const received = await receiver.waitFor((all) => all.length === 12);
    const arrival = received.map((webhook) => (webhook.event.data as ContractBeneficiary).ownerName);
    expect(arrival.toSorted()).toEqual(names.toSorted());
    expect(arrival).not.toEqual(names);
    const delays = received.map((webhook) => webhook.receivedAtMs - started);
    expect(Math.max(...delays)).toBeGreaterThan(300);
    expect(Math.max(...delays)).toBeLessThan(2000 + 1500);
  });

  it('fails attempts without sending them at webhookFailRate 1, retries them, and delivers once the rate is 0', async () => {
    const { client, receiver } = await subscribedTenant();
    await setFaults(client, { webhookFailRate: 1 });
    await client.post('/admin/beneficiaries', { ownerName: 'Eventually' });
    await sleep(1500);
    expect(receiver.received).toEqual([]);
    const [failing] = await deliveries(client);
    expect(failing).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastError: expect.stringContaining('webhookFailRate'),
    });

    await setFaults(client, {});
    await receiver.waitFor((all) => all.length === 1, 5000);
    expect(await deliveries(client)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
    expect((await client.get<StatsBody>('/admin/stats')).body.webhooks).toMatchObject({
      injectedFailures: 2,
      attempts: 3,
      delivered: 1,
    });
  });
});

describe('webhook dispatcher', () => {
  it('backs off 1 s, 2 s, 4 s … capped at 30 s between the 8 attempts', () => {
    expect(MAX_ATTEMPTS).toBe(8);
    expect(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1))).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('marks a message failed after 8 attempts, with the last error', async () => {
    const receiver = await newReceiver();
    receiver.answerWith(() => 500);
    const registry = new TenantRegistry();
    const dispatcher = new WebhookDispatcher({ logger: pino({ level: 'silent' }), retryDelayMs: () => 10 });
    registry.observe(dispatcher.observe);
    const tenant = registry.get('dispatcher-test');
    tenant.webhooks.register(receiver.url, Date.now());
    try {
      tenant.addBeneficiary({ ownerName: 'Unlucky' });
      await receiver.waitFor((all) => all.length === MAX_ATTEMPTS);
      await sleep(200);
      expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
      expect(dispatcher.deliveries(tenant)).toEqual([
        expect.objectContaining({ status: 'failed', attempts: MAX_ATTEMPTS, lastError: 'answered 500' }),
      ]);
      expect(tenant.traffic.stats.webhooks).toMatchObject({ attempts: MAX_ATTEMPTS, failed: 1 });
    } finally {
      await dispatcher.stop();
    }
  });

  it('counts a receiver that does not listen as a failed attempt', async () => {
    const registry = new TenantRegistry();
    const dispatcher = new WebhookDispatcher({ logger: pino({ level: 'silent' }), retryDelayMs: () => 10 });
    registry.observe(dispatcher.observe);
    const tenant = registry.get('refused');
    const closed = await startWebhookReceiver();
    await closed.close();
    tenant.webhooks.register(closed.url, Date.now());
    try {
      tenant.addBeneficiary({ ownerName: 'Nobody home' });
      for (let i = 0; i < 100 && dispatcher.deliveries(tenant)[0]?.status !== 'failed'; i++) await sleep(20);
      expect(dispatcher.deliveries(tenant)).toEqual([
        expect.objectContaining({
          status: 'failed',
          attempts: 8,
          lastError: expect.stringMatching(/ECONNREFUSED/),
        }),
      ]);
    } finally {
      await dispatcher.stop();
    }
  });
});

describe('webhooks across restarts and stops', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mock-psp-webhooks-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps registrations, secrets included, across a --data-file restart', async () => {
    const dataFile = join(dir, 'psp.json');
    const receiver = await newReceiver();
    const first = await startMockPsp({ dataFile });
    const registration = await register(pspClient(first.url, 'kept'), receiver.url);
    await first.stop();

    const second = await startMockPsp({ dataFile });
    try {
      const client = pspClient(second.url, 'kept');
      expect((await client.get('/webhooks')).body).toEqual([
        { id: registration.id, url: registration.url, createdAt: registration.createdAt },
      ]);
      const again = await client.post<CreatedWebhookRegistrationBody>('/webhooks', { url: receiver.url });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(registration);
      // Loading replays no old change; a new one is signed with the kept secret.
      await client.post('/admin/beneficiaries', { ownerName: 'After restart' });
      const [webhook] = await receiver.waitFor((all) => all.length === 1);
      if (!webhook) throw new Error('a webhook was expected');
      expect(verify(registration.secret, webhook)).toMatchObject({ type: 'beneficiary.created' });
    } finally {
      await second.stop();
    }
  });

  it('sends nothing after stop, retries and held-back deliveries included', async () => {
    const receiver = await newReceiver();
    receiver.answerWith(() => 500);
    const stopped = await startMockPsp();
    const client = pspClient(stopped.url, 'stopping');
    await register(client, receiver.url);
    await client.post('/admin/beneficiaries', { ownerName: 'Retried forever' });
    await receiver.waitFor((all) => all.length === 1);
    await setFaults(client, { webhookReorder: true });
    await client.post('/admin/beneficiaries', { ownerName: 'Held back' });

    const began = performance.now();
    await stopped.stop();
    expect(performance.now() - began).toBeLessThan(1000);
    const count = receiver.received.length;
    await sleep(2500);
    expect(receiver.received).toHaveLength(count);
  });

  it('leaves no open handle: a process that stops the simulator mid-retry exits at once by itself', async () => {
    const server = fileURLToPath(new URL('../../dist/src/mock-psp/server.js', import.meta.url));
    if (!existsSync(server)) throw new Error(`${server} is missing: run \`npm run build\` first`);
    // The receiver lives in this process, so only the child's own sockets and timers could keep it alive;
    // it answers late, so the stop finds POSTs under way, and retries and held-back deliveries waiting.
    const receiver = await newReceiver();
    receiver.answerWith(async (_webhook, seen) => {
      if (seen === 0) return 500;
      await sleep(4000);
      return 200;
    });
    const script = `
      import { startMockPsp } from ${JSON.stringify(server)};
      const psp = await startMockPsp();
      const call = (method, path, body) => fetch(psp.url + path, {
        method,
        headers: { authorization: 'Bearer exit', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((response) => response.text());
      await call('POST', '/webhooks', { url: process.env.RECEIVER_URL });
      await call('POST', '/admin/transactions/generate', { count: 50 });
      await call('PUT', '/admin/faults', { webhookReorder: true });
      await call('POST', '/admin/beneficiaries', { ownerName: 'late' });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const began = performance.now();
      await psp.stop();
      console.log('stopped in ' + (performance.now() - began < 1000 ? 'under a second' : 'too long'));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RECEIVER_URL: receiver.url },
    });
    let output = '';
    let stoppedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('stopped')) stoppedAt ||= performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running 15 s later');
      }, 15_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode ?? 'killed');
      });
    });
    expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'stopped in under a second' });
    expect(receiver.received.length).toBeGreaterThan(0);
    // A socket left open to the receiver would hold the child until the receiver's keep-alive timeout (5 s).
    expect(performance.now() - stoppedAt).toBeLessThan(1500);
  });
});
