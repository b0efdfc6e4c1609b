// The kit's conformance suite against a fake Increase serving the documented fixtures.
import { readFileSync } from 'node:fs';
import { describeConformance } from '../sdk/testing/index.js';
import { configFor, newWorld, serveIncrease, type IncreaseWorld } from './fake.js';
import './index.js';
import { ACCOUNT_A, ACCOUNT_B, increaseHeader, EXPECTED_KEYS, standardHeaders } from './test-support.js';

const worlds = new WeakMap<object, IncreaseWorld>();

describeConformance({
  provider: 'increase',
  config: (psp) => configFor(psp),
  setup: (psp) => {
    const world = newWorld();
    worlds.set(psp, world);
    serveIncrease(psp, world);
  },
  paging: {
    expected: EXPECTED_KEYS,
    change: (psp) => {
      const world = worlds.get(psp);
      if (!world) throw new Error('no world');
      // A new posted row in the newest second already read (a tie with the watermark), and a new account.
      const last = world.transactions.find((t) => t.id === 'transaction_m1n3b5v7c9x1z3l5k7j9');
      world.transactions.push({
        ...structuredClone(last as object),
        id: 'transaction_aaaa0000tie00000000',
        created_at: '2026-11-05T00:00:00.500Z',
      } as IncreaseWorld['transactions'][number]);
      world.accounts.push({
        ...structuredClone(world.accounts[0] as object),
        id: 'account_new0000000000000',
        created_at: '2026-11-07T00:00:00Z',
      } as IncreaseWorld['accounts'][number]);
      world.balances.account_new0000000000000 = { current_balance: 5, available_balance: 5 };
      return {
        fetch_transactions: ['transaction_aaaa0000tie00000000'],
        fetch_accounts: ['account_new0000000000000'],
      };
    },
  },
  writes: {
    idempotencyKey: { header: 'Idempotency-Key' },
    transfer: {
      reference: 'conformance-transfer',
      createdAt: new Date('2026-11-07T00:00:00Z'),
      description: 'conformance transfer',
      sourceAccount: { reference: ACCOUNT_A, createdAt: new Date(), raw: {} },
      destinationAccount: { reference: ACCOUNT_B, createdAt: new Date(), raw: {} },
      amount: 1234n,
      asset: 'USD/2',
      metadata: {},
    },
    payout: {
      reference: 'conformance-payout',
      createdAt: new Date('2026-11-07T00:00:00Z'),
      description: 'conformance payout',
      sourceAccount: { reference: ACCOUNT_A, createdAt: new Date(), raw: {} },
      destinationAccount: {
        reference: 'external_account_ukk55lr923a3ac0pp7iv',
        createdAt: new Date(),
        raw: {},
      },
      amount: 5678n,
      asset: 'USD/2',
      metadata: { 'com.increase.spec/rail': 'ach' },
    },
    bankAccount: {
      id: 'bank-account-1',
      createdAt: new Date('2026-11-07T00:00:00Z'),
      name: 'Ada Lovelace',
      accountNumber: '000123456789',
      metadata: { 'com.increase.spec/routing_number': '101050001' },
    },
  },
  webhooks: {
    body: readFileSync(new URL('./fixtures/event.json', import.meta.url), 'utf8'),
    sign: ({ body, config, at, forged }) =>
      standardHeaders(forged ? 'not-the-shared-secret' : (config.metadata.secret ?? ''), body, at),
  },
  uninstall: (psp) => {
    const deletions = psp.requestsTo('PATCH', '/event_subscriptions/:id');
    if (deletions.length !== 1)
      throw new Error(`expected one subscription deletion, saw ${deletions.length}`);
    if ((deletions[0]?.json() as { status?: string }).status !== 'deleted') throw new Error('not deleted');
  },
  statuses: ['pending', 'complete'],
});

// Keeps the legacy signer referenced here too: webhooks.test.ts covers that scheme.
void increaseHeader;
