// The Column connector against the fake Column: install, webhooks (https or not), money movement with lost answers, and reversal.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PspPaymentInitiation, WebhookConfig } from '../sdk/contract.js';
import {
  AuthenticationError,
  InvalidRequestError,
  UpstreamError,
  WebhookVerificationError,
} from '../sdk/errors.js';
import { signedEvent, type Json } from './fake.js';
import { startHarness, type Harness } from './test-harness.js';
import { EVENT_TYPES } from './webhooks.js';

let harness: Harness | undefined;
const start = async (options: Parameters<typeof startHarness>[0] = {}) =>
  (harness = await startHarness(options));
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const account = (reference: string) => ({ reference, createdAt: new Date(), metadata: {}, raw: {} });

function payout(rail: string | undefined, extra: Record<string, string> = {}): PspPaymentInitiation {
  return {
    reference: `pi-${rail}`,
    createdAt: new Date(Date.now() - 1000),
    description: 'Invoice 7',
    sourceAccount: account('bacc_2qQk0001OperatingUSD'),
    destinationAccount: account('cpty_2qQm0001Chase'),
    amount: 4321n,
    asset: 'USD/2',
    metadata: { ...(rail ? { 'com.column.spec/rail': rail } : {}), ...extra },
  };
}

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('install', () => {
  it('reads one bank account with Basic auth (empty user, the key as password) and creates nothing', async () => {
    const { psp, connector } = await start();
    const { workflow } = await connector.install();
    expect(workflow.map((n) => n.name)).toEqual([
      'fetch_bank_accounts',
      'fetch_counterparties',
      'fetch_transfers',
      'create_webhooks',
    ]);
    expect(psp.requests.map((r) => `${r.method} ${r.target}`)).toEqual(['GET /bank-accounts?limit=1']);
    expect(psp.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from(':test_column_fake_key').toString('base64')}`,
    );
  });

  it("refuses a wrong key with Column's reason", async () => {
    const { connector } = await start({ apiKey: 'test_wrong' });
    const refused = await connector.install().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuthenticationError);
    expect((refused as Error).message).toContain('Invalid API key provided');
    expect((refused as Error).message).not.toContain('test_wrong');
  });
});

describe('webhook endpoint', () => {
  it('is created at install by a root task without any parent item (Formance refused to run without one)', async () => {
    const { connector, world } = await start();
    const { configs } = await connector.createWebhooks({ webhookBaseUrl: 'https://pay.example/hooks/c1' });
    expect(world.webhookEndpoints).toHaveLength(1);
    const endpoint = world.webhookEndpoints[0] as Json;
    expect(endpoint.url).toBe('https://pay.example/hooks/c1/events');
    expect(endpoint.enabled_events).toEqual(EVENT_TYPES);
    expect(configs).toEqual([
      {
        name: 'column-events',
        urlPath: '/events',
        metadata: { webhookEndpointId: endpoint.id, secret: endpoint.secret },
      },
    ]);
  });

  it('replaces the endpoint a previous install left at the same URL (Column sends an event type to one endpoint)', async () => {
    const { connector, world } = await start();
    await connector.createWebhooks({ webhookBaseUrl: 'https://pay.example/hooks/c1' });
    const { configs } = await connector.createWebhooks({ webhookBaseUrl: 'https://pay.example/hooks/c1' });
    expect(world.webhookEndpoints.map((e) => e.id)).toEqual([configs[0]?.metadata.webhookEndpointId]);
  });

  it('is skipped, with a warning an operator reads, when the public URL is plain http; install still succeeds', async () => {
    const { logger, lines } = recordingLogger();
    const { connector, world, psp } = await start({ logger });
    await connector.install();
    const answer = await connector.createWebhooks({ webhookBaseUrl: 'http://localhost:8080/api/hooks/c1' });
    expect(answer).toMatchObject({ configs: [], others: [] });
    expect(answer.warnings).toEqual([expect.stringMatching(/^Column webhooks are OFF/)]);
    expect(world.webhookEndpoints).toEqual([]);
    expect(psp.writes()).toEqual([]);
    const warning = lines.find((l) => l.level === 40);
    expect(warning?.msg).toMatch(/Column webhooks are OFF: Column only delivers to https:\/\/ URLs/);
    expect(warning?.msg).toMatch(/Polling keeps every transfer up to date/);
  });

  it('is deleted at uninstall, and an endpoint already gone is not an error', async () => {
    const { connector, world } = await start();
    const { configs } = await connector.createWebhooks({ webhookBaseUrl: 'https://pay.example/hooks/c1' });
    await connector.uninstall({ webhookConfigs: configs });
    expect(world.webhookEndpoints).toEqual([]);
    await expect(connector.uninstall({ webhookConfigs: configs })).resolves.toBeUndefined();
  });
});

describe('webhook deliveries', () => {
  const setUp = async () => {
    const h = await start();
    const { configs } = await h.connector.createWebhooks({ webhookBaseUrl: 'https://pay.example/hooks/c1' });
    const config = configs[0] as WebhookConfig;
    const deliver = (event: { body: string; headers: Record<string, string> }) => {
      const webhook = {
        headers: Object.fromEntries(Object.entries(event.headers).map(([k, v]) => [k.toLowerCase(), [v]])),
        queryValues: {},
        body: Buffer.from(event.body),
      };
      const request = { webhook, config, receivedAt: new Date() };
      return {
        verify: () => h.connector.verifyWebhook(request),
        translate: () => h.connector.translateWebhook({ ...request, name: config.name }),
      };
    };
    return { ...h, config, deliver };
  };

  it('translates an event through the polling mapping, keyed by the event id', async () => {
    const { config, deliver, world } = await setUp();
    const ach = world.transfers.find((t) => t.object.id === 'acht_2qQo0001')?.object as Json;
    const event = signedEvent(
      String(config.metadata.secret),
      'ach.outgoing_transfer.returned',
      {
        ...ach,
        status: 'RETURNED',
      },
      'evnt_1',
    );
    const delivery = deliver(event);
    expect(await delivery.verify()).toEqual({ idempotencyKey: 'evnt_1' });
    const { responses } = await delivery.translate();
    expect(responses).toHaveLength(1);
    const payment = responses[0]?.kind === 'payment' ? responses[0].payment : undefined;
    expect(payment).toMatchObject({
      reference: 'acht_2qQo0001',
      type: 'PAYOUT',
      status: 'FAILED',
      amount: 100000n,
      asset: 'USD/2',
      sourceAccountReference: 'bacc_2qQk0001OperatingUSD',
      destinationAccountReference: 'cpty_2qQm0001Chase',
    });
  });

  it('re-reads the transfer when the event carries only its id', async () => {
    const { config, deliver, psp } = await setUp();
    const event = signedEvent(String(config.metadata.secret), 'realtime.outgoing_transfer.completed', {
      id: 'rttr_2qQr0001',
    });
    const { responses } = await deliver(event).translate();
    expect(psp.requestsTo('GET', '/transfers/realtime/:id')).toHaveLength(1);
    expect(responses[0]?.kind === 'payment' && responses[0].payment).toMatchObject({
      reference: 'rttr_2qQr0001',
      status: 'SUCCEEDED',
      scheme: 'RTP',
    });
  });

  it('accepts a base64 signature, refuses one made with another secret, and ignores events that are not transfers', async () => {
    const { config, deliver } = await setUp();
    const secret = String(config.metadata.secret);
    const event = signedEvent(secret, 'bank_account.updated', { id: 'bacc_2qQk0001OperatingUSD' });
    const hex = event.headers['Column-Signature'] ?? '';
    const base64 = Buffer.from(hex, 'hex').toString('base64');
    await expect(
      deliver({ ...event, headers: { 'Column-Signature': base64 } }).verify(),
    ).resolves.toBeTruthy();
    expect((await deliver(event).translate()).responses).toEqual([]);
    const forged = signedEvent('whsec_other', 'ach.outgoing_transfer.settled', { id: 'acht_2qQo0001' });
    await expect(deliver(forged).verify()).rejects.toBeInstanceOf(WebhookVerificationError);
  });
});

describe('money movement', () => {
  it('sends each payout rail to its endpoint with its extras, under the Idempotency-Key', async () => {
    const { connector, psp } = await start();
    const cases = [
      ['ach', '/transfers/ach', { type: 'CREDIT', entry_class_code: 'PPD', same_day: true }],
      ['wire', '/transfers/wire', {}],
      ['international_wire', '/transfers/international-wire', { charge_bearer: 'OUR' }],
      ['realtime', '/transfers/realtime', { end_to_end_id: 'E2E-7' }],
    ] as const;
    for (const [rail, path, extras] of cases) {
      const { payment } = await connector.createPayout({
        paymentInitiation: payout(rail, {
          'com.column.spec/entry_class_code': 'PPD',
          'com.column.spec/same_day': 'true',
          'com.column.spec/charge_bearer': 'OUR',
          'com.column.spec/end_to_end_id': 'E2E-7',
        }),
        idempotencyKey: `key-${rail}`,
      });
      psp.assertRequests('POST', path, {
        headers: { 'idempotency-key': `key-${rail}` },
        jsonBody: {
          amount: 4321n,
          currency_code: 'USD',
          bank_account_id: 'bacc_2qQk0001OperatingUSD',
          counterparty_id: 'cpty_2qQm0001Chase',
          ...extras,
        },
      });
      expect(payment).toMatchObject({ type: 'PAYOUT', amount: 4321n, status: 'PENDING' });
      expect(payment?.metadata?.['com.column.spec/rail']).toBe(rail);
    }
  });

  it('refuses a payout whose rail is missing or unknown before calling Column', async () => {
    const { connector, psp } = await start();
    for (const rail of [undefined, 'book', 'swift']) {
      await expect(
        connector.createPayout({ paymentInitiation: payout(rail), idempotencyKey: 'k' }),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    }
    expect(psp.writes()).toEqual([]);
  });

  it('moves money once when the answer to a payout is lost and the engine retries with the same key', async () => {
    let lose = true;
    const { connector, world, psp } = await start({
      fetch: (inner) => async (input, init) => {
        const answer = await inner(input, init);
        if (lose && init?.method === 'POST') {
          lose = false;
          // Column moved the money; the connection dropped before its answer arrived.
          throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
        }
        return answer;
      },
    });
    const before = world.transfers.length;
    const request = { paymentInitiation: payout('wire'), idempotencyKey: 'engine-key-1' };
    await expect(connector.createPayout(request)).rejects.toBeInstanceOf(UpstreamError);
    const { payment } = await connector.createPayout(request);
    expect(world.transfers.length).toBe(before + 1);
    expect(psp.movements).toHaveLength(1);
    expect(payment?.reference).toBe(world.transfers.at(-1)?.object.id);
    expect(psp.requestsTo('POST', '/transfers/wire').map((r) => r.headers['idempotency-key'])).toEqual([
      'engine-key-1',
      'engine-key-1',
    ]);
  });

  it('polls a payout by its transfer id, on any rail, until Column shows its outcome', async () => {
    const { connector, world } = await start();
    for (const rail of ['ach', 'international_wire']) {
      const { payment } = await connector.createPayout({
        paymentInitiation: payout(rail),
        idempotencyKey: rail,
      });
      const id = String(payment?.reference);
      expect((await connector.pollPayoutStatus({ pollingId: id })).payment?.status).toBe('PENDING');
      const held = world.transfers.find((t) => t.object.id === id);
      if (!held) throw new Error(`the fake holds no ${id}`);
      held.object.status = 'COMPLETED';
      expect((await connector.pollPayoutStatus({ pollingId: id })).payment).toMatchObject({
        reference: id,
        status: 'SUCCEEDED',
      });
    }
    expect(await connector.pollPayoutStatus({ pollingId: 'xfer_unknown' })).toEqual({});
  });

  it('books a transfer between two Column accounts', async () => {
    const { connector, psp } = await start();
    const { payment } = await connector.createTransfer({
      paymentInitiation: {
        ...payout(undefined),
        destinationAccount: account('bacc_2qQk0002PayrollUSD'),
        metadata: { 'com.column.spec/allow_overdraft': 'true' },
      },
      idempotencyKey: 'book-key',
    });
    psp.assertRequests('POST', '/transfers/book', {
      headers: { 'idempotency-key': 'book-key' },
      jsonBody: {
        sender_bank_account_id: 'bacc_2qQk0001OperatingUSD',
        receiver_bank_account_id: 'bacc_2qQk0002PayrollUSD',
        allow_overdraft: true,
      },
    });
    expect(payment).toMatchObject({
      type: 'TRANSFER',
      status: 'SUCCEEDED',
      sourceAccountReference: 'bacc_2qQk0001OperatingUSD',
      destinationAccountReference: 'bacc_2qQk0002PayrollUSD',
    });
  });

  it('reverses the ACH payout it finds, in full, and refuses what Column cannot reverse', async () => {
    const { connector, psp } = await start();
    const initiation = payout('ach');
    const { payment: sent } = await connector.createPayout({
      paymentInitiation: initiation,
      idempotencyKey: 'p1',
    });
    const reversal = (amount: bigint, relatedPaymentInitiation = initiation) => ({
      paymentInitiationReversal: {
        reference: 'rev-1',
        createdAt: new Date(),
        description: 'sent twice',
        relatedPaymentInitiation,
        amount,
        asset: 'USD/2',
        metadata: {},
      },
      idempotencyKey: 'r1',
    });
    const { payment } = await connector.reversePayout(reversal(4321n));
    psp.assertRequests('POST', '/transfers/ach/:id/reverse', {
      headers: { 'idempotency-key': 'r1' },
      jsonBody: { reason: 'duplicated_entry' },
    });
    expect(psp.requestsTo('POST', '/transfers/ach/:id/reverse')[0]?.params.id).toBe(sent?.reference);
    expect(payment.metadata?.['com.column.spec/ach_type']).toBe('debit');
    await expect(connector.reversePayout(reversal(100n))).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(connector.reversePayout(reversal(4321n, payout('wire')))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  it('creates a counterparty from a forwarded bank account and never shows its full number', async () => {
    const { connector, psp } = await start();
    const { relatedAccount } = await connector.createBankAccount({
      bankAccount: {
        id: 'ba-1',
        createdAt: new Date(),
        name: 'Initech',
        accountNumber: '000111222333',
        metadata: { 'com.column.spec/routing_number': '021000021' },
      },
      idempotencyKey: 'ba-key',
    });
    psp.assertRequests('POST', '/counterparties', {
      headers: { 'idempotency-key': 'ba-key' },
      jsonBody: { account_number: '000111222333', routing_number: '021000021', routing_number_type: 'aba' },
    });
    expect(relatedAccount.name).toBe('Initech');
    expect(
      JSON.stringify(relatedAccount, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)),
    ).not.toContain('000111222333');
    expect(relatedAccount.metadata?.['com.column.spec/account_number_last4']).toBe('2333');
  });
});
