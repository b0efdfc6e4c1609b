// A fake Stripe for tests, the console-form and CLI install tests: the fixtures behind Stripe's documented endpoints, with its auth, list paging and idempotency.
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import { FakePsp, type RunningFake, type FakeRequest, type FakeResponse } from '../sdk/testing/fake-psp.js';
import { stripeListPages } from '../sdk/testing/pagination.js';

export const PLATFORM_ID = 'acct_1PbPlatform0001';
export const FAKE_API_KEY = 'sk_test_51PaybridgeFakeKey0000000000';

type Obj = Record<string, unknown> & { id: string; created: number };

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

/** The fixtures a fake serves; tests may change them (a new record, a status change) between passes. */
export interface StripeData {
  platform: Obj;
  accounts: Obj[];
  balances: Record<string, unknown>;
  externalAccounts: Record<string, Obj[]>;
  balanceTransactions: Record<string, Obj[]>;
  transfers: Obj[];
  /** Payouts created through the API, with the account they were made for. */
  payouts: (Obj & { account: string })[];
  webhookEndpoints: Obj[];
}

export function loadFixtures(): StripeData {
  return {
    platform: fixture('account.json'),
    accounts: fixture('accounts.json'),
    balances: fixture('balances.json'),
    externalAccounts: fixture('external_accounts.json'),
    balanceTransactions: fixture('balance_transactions.json'),
    transfers: [],
    payouts: [],
    webhookEndpoints: [],
  };
}

/** Stripe's error body. */
export function stripeError(status: number, type: string, message: string, code?: string): FakeResponse {
  return { status, json: { error: { type, message, ...(code ? { code } : {}) } } };
}

/** Stripe's `created` filter: `created=N` or `created[gte|gt|lte|lt]=N`. */
function createdFilter(item: { created: number }, request: FakeRequest): boolean {
  const q = request.query;
  const exact = q.get('created');
  if (exact !== null && item.created !== Number(exact)) return false;
  const bound = (name: string, ok: (limit: number) => boolean) => {
    const value = q.get(`created[${name}]`);
    return value === null || ok(Number(value));
  };
  return (
    bound('gte', (l) => item.created >= l) &&
    bound('gt', (l) => item.created > l) &&
    bound('lte', (l) => item.created <= l) &&
    bound('lt', (l) => item.created < l)
  );
}

/**
 * Newest first, as Stripe lists; records of one second in descending id order. (Stripe documents no
 * order within a second: this one puts a later record with a smaller id below an older one.)
 */
const newestFirst = (a: Obj, b: Obj) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** The connected account a request acts for (Stripe-Account), or the platform. */
const accountOf = (request: FakeRequest) => request.headers['stripe-account'] ?? PLATFORM_ID;

/**
 * Serves the data at `psp` under Stripe's paths. Every request must carry `Bearer <apiKey>`; a
 * Stripe-Account naming no connected account is refused as Stripe does.
 */
export function serveStripe(psp: FakePsp, data: StripeData, apiKey = FAKE_API_KEY): void {
  const known = (id: string) => id === PLATFORM_ID || data.accounts.some((a) => a.id === id);
  const guard =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) => {
      if (request.headers.authorization !== `Bearer ${apiKey}`)
        return stripeError(
          401,
          'invalid_request_error',
          `Invalid API Key provided: ${String(request.headers.authorization ?? '')
            .replace(/^Bearer /, '')
            .slice(0, 8)}****`,
        );
      const account = request.headers['stripe-account'];
      if (account && !known(account))
        return stripeError(
          403,
          'invalid_request_error',
          `The provided key does not have access to account '${account}' (or that account does not exist).`,
        );
      return handler(request);
    };
  const list = (items: () => Obj[]) => stripeListPages(items, { filter: createdFilter, sort: newestFirst });

  psp.route(
    'GET',
    '/v1/account',
    guard(() => ({ json: data.platform })),
  );
  psp.route('GET', '/v1/accounts', guard(list(() => data.accounts)));
  psp.route(
    'GET',
    '/v1/balance',
    guard((request) => {
      const balance = data.balances[accountOf(request)];
      return balance ? { json: balance } : stripeError(404, 'invalid_request_error', 'No such balance');
    }),
  );
  psp.route(
    'GET',
    '/v1/accounts/:id/external_accounts',
    guard((request) => {
      const id = request.params.id ?? '';
      const items = data.externalAccounts[id];
      if (!items)
        return stripeError(404, 'invalid_request_error', `No such account: '${id}'`, 'resource_missing');
      // Stripe lists external accounts in an order it does not document; they carry no `created`.
      return stripeListPages(() => items)(request) as FakeResponse;
    }),
  );
  psp.route(
    'GET',
    '/v1/balance_transactions',
    guard(async (request) => {
      const items = data.balanceTransactions[accountOf(request)] ?? [];
      const answer = (await list(() => items)(request)) as FakeResponse & { json: { data: Obj[] } };
      // Without expand[]=data.source, Stripe answers the source's id only.
      const expand = [...request.query.entries()]
        .filter(([k]) => /^expand\[\d*\]$/.test(k))
        .map(([, v]) => v);
      if (!expand.includes('data.source') && answer.json?.data) {
        answer.json = {
          ...answer.json,
          data: answer.json.data.map((bt) => ({
            ...bt,
            source: typeof bt.source === 'object' && bt.source ? (bt.source as Obj).id : bt.source,
          })),
        };
      }
      return answer;
    }),
  );

  const key = { header: 'Idempotency-Key' } as const;
  let sequence = 0;
  const next = (prefix: string) => `${prefix}_1PbFake${String(++sequence).padStart(6, '0')}`;
  const now = () => Math.floor(Date.now() / 1000);

  psp.write(
    'POST',
    '/v1/transfers',
    key,
    guard((request) => {
      const form = request.form();
      const destination = form.get('destination') ?? '';
      if (!data.accounts.some((a) => a.id === destination))
        return stripeError(
          400,
          'invalid_request_error',
          `No such destination: '${destination}'`,
          'resource_missing',
        );
      const metadata: Record<string, string> = {};
      form.forEach((value, name) => {
        const m = /^metadata\[(.+)\]$/.exec(name);
        if (m?.[1]) metadata[m[1]] = value;
      });
      const transfer: Obj = {
        id: next('tr'),
        object: 'transfer',
        amount: Number(form.get('amount')),
        amount_reversed: 0,
        balance_transaction: next('txn'),
        created: now(),
        currency: form.get('currency') ?? '',
        description: form.get('description'),
        destination,
        livemode: false,
        metadata,
        reversals: { object: 'list', data: [], has_more: false, url: '/v1/transfers/x/reversals' },
        reversed: false,
        source_transaction: null,
        transfer_group: form.get('transfer_group'),
      };
      data.transfers.push(transfer);
      return { json: transfer };
    }),
  );
  psp.route(
    'GET',
    '/v1/transfers',
    guard((request) => {
      const group = request.query.get('transfer_group');
      const items = data.transfers.filter((t) => group === null || t.transfer_group === group);
      return list(() => items)(request) as FakeResponse;
    }),
  );
  psp.write(
    'POST',
    '/v1/transfers/:id/reversals',
    key,
    guard((request) => {
      const transfer = data.transfers.find((t) => t.id === request.params.id);
      if (!transfer)
        return stripeError(
          404,
          'invalid_request_error',
          `No such transfer: '${String(request.params.id)}'`,
          'resource_missing',
        );
      const amount = Number(request.form().get('amount') ?? transfer.amount);
      const reversed = Number(transfer.amount_reversed) + amount;
      if (reversed > Number(transfer.amount))
        return stripeError(400, 'invalid_request_error', 'The transfer has already been fully reversed.');
      transfer.amount_reversed = reversed;
      return {
        json: {
          id: next('trr'),
          object: 'transfer_reversal',
          amount,
          balance_transaction: next('txn'),
          created: now(),
          currency: transfer.currency,
          destination_payment_refund: next('pyr'),
          metadata: {},
          source_refund: null,
          transfer: transfer.id,
        },
      };
    }),
  );
  psp.write(
    'POST',
    '/v1/payouts',
    key,
    guard((request) => {
      const form = request.form();
      const payout = {
        id: next('po'),
        object: 'payout',
        amount: Number(form.get('amount')),
        arrival_date: now() + 86400,
        automatic: false,
        balance_transaction: next('txn'),
        created: now(),
        currency: form.get('currency'),
        description: form.get('description'),
        destination: form.get('destination') ?? 'ba_default',
        failure_balance_transaction: null,
        failure_code: null,
        failure_message: null,
        livemode: false,
        metadata: {},
        method: 'standard',
        reconciliation_status: 'not_applicable',
        source_type: 'card',
        statement_descriptor: null,
        status: 'pending',
        type: 'bank_account',
      };
      data.payouts.push({ ...payout, account: accountOf(request) });
      return { json: payout };
    }),
  );
  psp.route(
    'GET',
    '/v1/payouts/:id',
    guard((request) => {
      const found = data.payouts.find((p) => p.id === request.params.id && p.account === accountOf(request));
      if (!found)
        return stripeError(
          404,
          'invalid_request_error',
          `No such payout: '${String(request.params.id)}'`,
          'resource_missing',
        );
      return { json: Object.fromEntries(Object.entries(found).filter(([k]) => k !== 'account')) };
    }),
  );
  psp.route(
    'POST',
    '/v1/webhook_endpoints',
    guard((request) => {
      const form = request.form();
      const endpoint: Obj = {
        id: next('we'),
        object: 'webhook_endpoint',
        api_version: null,
        application: form.get('connect') === 'true' ? 'ca_paybridge' : null,
        created: now(),
        description: form.get('description'),
        enabled_events: form.getAll('enabled_events[]').length
          ? form.getAll('enabled_events[]')
          : [...form.entries()].filter(([k]) => k.startsWith('enabled_events[')).map(([, v]) => v),
        livemode: false,
        metadata: {},
        secret: `whsec_${Buffer.from(next('secret')).toString('hex')}`,
        status: 'enabled',
        url: form.get('url'),
      };
      data.webhookEndpoints.push(endpoint);
      return { json: endpoint };
    }),
  );
  psp.route('GET', '/v1/webhook_endpoints', guard(list(() => data.webhookEndpoints)));
  psp.route(
    'DELETE',
    '/v1/webhook_endpoints/:id',
    guard((request) => {
      const index = data.webhookEndpoints.findIndex((e) => e.id === request.params.id);
      if (index < 0)
        return stripeError(
          404,
          'invalid_request_error',
          `No such webhook endpoint: '${String(request.params.id)}'`,
          'resource_missing',
        );
      data.webhookEndpoints.splice(index, 1);
      return { json: { id: request.params.id, object: 'webhook_endpoint', deleted: true } };
    }),
  );
}

/** The number of accounts (platform, connected, external) and payments an install ingests from the fixtures. */
export function expectedCounts(data: StripeData): { accounts: number; payments: number } {
  const external = Object.values(data.externalAccounts).reduce((n, list) => n + list.length, 0);
  const references = new Set<string>();
  for (const list of Object.values(data.balanceTransactions)) {
    for (const bt of list) {
      const source = bt.source as { id?: string; charge?: string; transfer?: string } | string;
      // Refunds, disputes and reversals are adjustments of the payment they name, not payments.
      if (
        typeof source === 'object' &&
        (source.charge || source.transfer) &&
        bt.type !== 'charge' &&
        bt.type !== 'payment'
      )
        references.add(String(source.charge ?? source.transfer));
      else references.add(typeof source === 'object' ? String(source.id) : String(bt.id));
    }
  }
  return { accounts: 1 + data.accounts.length + external, payments: references.size };
}

export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const data = loadFixtures();
  serveStripe(psp, data);
  return {
    psp,
    config: { apiKey: FAKE_API_KEY, endpoint: psp.url },
    expected: expectedCounts(data),
    close: () => psp.stop(),
  };
}
