// The conformance suite on the Generic connector, against a fake integration service serving the contract's fixtures.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { parseJson } from '../../domain/json.js';
import {
  describeConformance,
  pageNumberPages,
  type FakePsp,
  type FakeRequest,
} from '../sdk/testing/index.js';
import './index.js';

interface Listed {
  id: string;
  createdAt: string;
  updatedAt?: string;
  [field: string]: unknown;
}

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const FORGED_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const IDEMPOTENCY = { bodyField: 'idempotencyKey' } as const;

/** The contract's listing: `sort=<key>:asc` with the id as tie-break, `<key>From` inclusive, page/pageSize. */
function listing(items: () => Listed[], key: 'createdAt' | 'updatedAt') {
  const at = (item: Listed) => Date.parse(String(item[key]));
  return pageNumberPages(items, {
    page: 'page',
    size: 'pageSize',
    maxSize: 100,
    filter: (item, request: FakeRequest) => {
      const from = request.query.get(`${key}From`);
      return from === null || at(item) >= Date.parse(from);
    },
    sort: (a, b) => at(a) - at(b) || a.id.localeCompare(b.id),
  });
}

/** A fake integration service with the fixtures; returns the lists so a test can change them. */
function serveContract(psp: FakePsp) {
  const accounts = fixture<Listed[]>('accounts.json');
  const beneficiaries = fixture<Listed[]>('beneficiaries.json');
  const transactions = fixture<Listed[]>('transactions.json');
  const balances = fixture<Record<string, unknown>>('balances.json');
  psp.route(
    'GET',
    '/accounts',
    listing(() => accounts, 'createdAt'),
  );
  psp.route(
    'GET',
    '/beneficiaries',
    listing(() => beneficiaries, 'createdAt'),
  );
  psp.route(
    'GET',
    '/transactions',
    listing(() => transactions, 'updatedAt'),
  );
  psp.route('GET', '/accounts/:id/balances', (request) =>
    balances[request.params.id ?? ''] !== undefined
      ? { json: balances[request.params.id ?? ''] }
      : { status: 404, json: { title: 'NOT_FOUND', detail: 'no such account' } },
  );
  const movement = (request: FakeRequest) => {
    const body = request.json() as Record<string, unknown>;
    return {
      status: 201,
      json: {
        ...body,
        id: `mv-${String(body.idempotencyKey)}`,
        status: 'SUCCEEDED',
        createdAt: '2026-03-02T08:00:00.000Z',
      },
    };
  };
  psp.write('POST', '/payouts', IDEMPOTENCY, movement);
  psp.write('POST', '/transfers', IDEMPOTENCY, movement);
  psp.route('POST', '/webhooks', { status: 201, json: { id: 'wh-1', secret: WEBHOOK_SECRET } });
  psp.route('DELETE', '/webhooks/:id', { status: 204, json: undefined });
  return { accounts, transactions, balances };
}

const contracts = new WeakMap<FakePsp, ReturnType<typeof serveContract>>();

const initiation = {
  reference: 'pi-1',
  createdAt: new Date('2026-03-02T08:00:00.000Z'),
  description: 'conformance',
  sourceAccount: { reference: 'acc-eur-main', createdAt: new Date('2026-03-01T09:00:00.000Z'), raw: {} },
  destinationAccount: {
    reference: 'ben-supplier-1',
    createdAt: new Date('2026-03-01T09:10:00.000Z'),
    raw: {},
  },
  amount: 2500n,
  asset: 'EUR/2',
  metadata: { invoice: 'inv-7' },
};

describeConformance({
  provider: 'generic',
  config: (psp) => ({ apiKey: 'test-key', endpoint: psp.url, webhooks: true }),
  setup: (psp) => void contracts.set(psp, serveContract(psp)),
  endpointRequired: 'the integration service is the team’s own, so there is no default host',
  paging: {
    expected: {
      fetch_accounts: fixture<Listed[]>('accounts.json').map((a) => a.id),
      'fetch_accounts/fetch_balances': Object.values(
        fixture<Record<string, { accountID: string; balances: { currency: string }[] }>>('balances.json'),
      ).flatMap((b) => b.balances.map((entry) => `${b.accountID}/${entry.currency}`)),
      fetch_external_accounts: fixture<Listed[]>('beneficiaries.json').map((b) => b.id),
      fetch_payments: fixture<Listed[]>('transactions.json').map((t) => t.id),
    },
    // A payment settles and an account opens at the service: the next poll returns exactly those.
    change: (psp) => {
      const contract = contracts.get(psp);
      if (!contract) throw new Error('the fake service was not set up');
      const pending = contract.transactions.find((t) => t.id === 'txn-002');
      if (!pending) throw new Error('txn-002 is not in the fixtures');
      Object.assign(pending, { status: 'SUCCEEDED', updatedAt: '2026-03-02T07:00:00.000Z' });
      contract.accounts.push({
        id: 'acc-new',
        accountName: 'Opened later',
        createdAt: '2026-03-02T07:00:00.000Z',
        metadata: {},
      });
      contract.balances['acc-new'] = {
        id: 'bal-new',
        accountID: 'acc-new',
        at: '2026-03-02T07:00:00.000Z',
        balances: [{ amount: '0', currency: 'EUR/2' }],
      };
      return { fetch_accounts: ['acc-new'], fetch_payments: ['txn-002'] };
    },
  },
  writes: { idempotencyKey: IDEMPOTENCY, transfer: initiation, payout: initiation },
  webhooks: {
    body: JSON.stringify({
      type: 'transaction.updated',
      data: fixture<Listed[]>('transactions.json')[1],
    }),
    sign: ({ body, config, at, forged }) => {
      const secret = forged ? FORGED_SECRET : (config.metadata.secret ?? '');
      const id = 'msg_conformance_1';
      return {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new StandardWebhook(secret).sign(id, at, body.toString('utf8')),
      };
    },
  },
  uninstall: (psp) => {
    psp.assertRequests('DELETE', '/webhooks/:id', { headers: { authorization: 'Bearer test-key' } });
  },
});
