// The conformance suite on the Stripe connector, against a fake Stripe serving fixtures that follow Stripe's documented API.
import Stripe from 'stripe';
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import { FAKE_API_KEY, PLATFORM_ID, loadFixtures, serveStripe, type StripeData } from './fake.js';
import './index.js';

const stripe = new Stripe('sk_test_signing_only');
const data = new WeakMap<FakePsp, StripeData>();
const T0 = 1767600000;

const fixtures = loadFixtures();
const P = PLATFORM_ID;
const [C, A, B] = fixtures.accounts.map((a) => a.id);

const initiation = {
  reference: 'pi-conformance-1',
  createdAt: new Date('2026-03-02T08:00:00.000Z'),
  description: 'conformance',
  sourceAccount: {
    reference: P,
    createdAt: new Date('2025-01-01T00:00:00.000Z'),
    metadata: { 'com.stripe.spec/platform': 'true' },
    raw: {},
  },
  destinationAccount: { reference: A ?? '', createdAt: new Date('2026-01-01T00:00:00.000Z'), raw: {} },
  amount: 2500n,
  asset: 'EUR/2',
  metadata: { invoice: 'inv-7' },
};
const payout = {
  ...initiation,
  reference: 'po-conformance-1',
  sourceAccount: { reference: A ?? '', createdAt: new Date('2026-01-01T00:00:00.000Z'), raw: {} },
  destinationAccount: { reference: 'ba_1PbA0001', createdAt: new Date(0), raw: {} },
};

const webhookEvent = {
  id: 'evt_1PbConformance01',
  object: 'event',
  api_version: '2026-11-18.endive',
  created: T0 + 500,
  data: { object: fixtures.balanceTransactions[P]?.[0]?.source },
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type: 'charge.succeeded',
};

describeConformance({
  provider: 'stripe',
  config: (psp) => ({ apiKey: FAKE_API_KEY, endpoint: psp.url }),
  setup: (psp) => {
    const d = loadFixtures();
    data.set(psp, d);
    serveStripe(psp, d);
  },
  spec: { provider: 'stripe', file: 'spec3.yaml' },
  paging: {
    expected: {
      fetch_accounts: [P, ...fixtures.accounts.map((a) => a.id)],
      'fetch_accounts/fetch_balances': [`${P}/EUR/2`, `${P}/JPY/0`, `${A}/EUR/2`, `${B}/UGX/0`, `${C}/USD/2`],
      'fetch_accounts/fetch_external_accounts': ['ba_1PbA0001', 'card_1PbA0002', 'ba_1PbB0001'],
      'fetch_accounts/fetch_payments': [
        'ch_1Pb0001',
        'ch_1Pb0002',
        'ch_1Pb0003',
        'ch_1Pb0004',
        're_1Pb0005',
        'dp_1Pb0006',
        'tr_1Pb0007',
        'po_1Pb0008',
        'txn_1Pb0009',
        'ch_1Pb0010',
        'trr_1Pb0011',
        'py_1PbA0001',
        'po_1PbA0002',
        'ch_1PbB0001',
      ],
    },
    // Three things happen at Stripe: a charge lands in the newest second already read, sorted below the
    // record the forward walk starts from; the pending payout fails; a connected account opens.
    change: (psp) => {
      const d = data.get(psp);
      if (!d) throw new Error('the fake Stripe was not set up');
      const platform = d.balanceTransactions[P] ?? [];
      const newest = platform.find((bt) => bt.id === 'txn_1Pb0011');
      const charge = platform.find((bt) => bt.id === 'txn_1Pb0001');
      const payoutTx = platform.find((bt) => bt.id === 'txn_1Pb0008');
      if (!newest || !charge || !payoutTx) throw new Error('fixtures changed');
      platform.push({
        ...charge,
        id: 'txn_1Pb0010b',
        created: newest.created,
        source: { ...(charge.source as object), id: 'ch_1Pb0012', created: newest.created },
      });
      platform.push({
        ...payoutTx,
        id: 'txn_1Pb0013',
        type: 'payout_failure',
        amount: 50000,
        net: 50000,
        created: T0 + 100,
        source: { ...(payoutTx.source as object), status: 'failed', failure_code: 'account_closed' },
      });
      d.accounts.push({
        ...d.accounts[0],
        id: 'acct_1PbConnD0004',
        created: 1767232800,
      } as (typeof d.accounts)[0]);
      d.balances.acct_1PbConnD0004 = { object: 'balance', available: [], pending: [], livemode: false };
      d.externalAccounts.acct_1PbConnD0004 = [];
      return {
        fetch_accounts: ['acct_1PbConnD0004'],
        'fetch_accounts/fetch_payments': ['ch_1Pb0012', 'po_1Pb0008'],
      };
    },
  },
  writes: { idempotencyKey: { header: 'Idempotency-Key' }, transfer: initiation, payout },
  webhooks: {
    body: JSON.stringify(webhookEvent),
    sign: ({ body, config, at, forged }) => ({
      'Stripe-Signature': stripe.webhooks.generateTestHeaderString({
        payload: body.toString('utf8'),
        secret: forged ? 'whsec_forged0000000000000000' : (config.metadata.secret ?? ''),
        timestamp: Math.floor(at.getTime() / 1000),
      }),
    }),
  },
  statuses: ['succeeded', 'pending', 'failed', 'paid', 'needs_response', 'won', 'lost'],
  uninstall: (psp, configs) => {
    const deleted = psp.requestsTo('DELETE', '/v1/webhook_endpoints/:id').map((r) => r.path.split('/').pop());
    const created = configs.map((c) => c.metadata.endpointId);
    if (created.length !== 2 || deleted.sort().join() !== created.sort().join())
      throw new Error(`uninstall deleted ${deleted.join(', ')}, not ${created.join(', ')}`);
  },
});
