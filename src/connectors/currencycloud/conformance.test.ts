// The conformance suite on the Currencycloud connector, against the fake Currencycloud serving its documented API with the fixtures.
import { randomUUID } from 'node:crypto';
import { assetFromCurrency } from '../../domain/assets.js';
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import {
  type CurrencycloudWorld,
  ccTime,
  HOUSE_ACCOUNT,
  type Json,
  newWorld,
  serveCurrencycloud,
} from './fake.js';
import './index.js';

const worlds = new WeakMap<FakePsp, CurrencycloudWorld>();
const world = (psp: FakePsp) => {
  const found = worlds.get(psp);
  if (!found) throw new Error('the fake Currencycloud was not set up');
  return found;
};

const byDirectory = new Map<string, FakePsp>();
const fixtures = newWorld();
const ids = (items: Json[]) => items.map((i) => String(i.id));
/** Two fixture transactions cannot be stored exactly: CNH is no ISO 4217 currency, and "1.50" JPY has decimals JPY lacks. */
const UNREADABLE = ['e1d2c3b4-0000-4000-8000-000000000012', 'e1d2c3b4-0000-4000-8000-000000000013'];

const SUB_ACCOUNT = 'a0c1e2d3-0000-4000-8000-000000000002';
const account = (reference: string, asset: string) => ({
  reference,
  createdAt: new Date('2026-01-05T09:00:00.000Z'),
  defaultAsset: asset,
  metadata: {},
  raw: {},
});
const initiation = (destination: string) => ({
  reference: 'pi-currencycloud-1',
  createdAt: new Date(Date.now() - 1000),
  description: 'Invoice 2026-001',
  sourceAccount: account(HOUSE_ACCOUNT, 'EUR/2'),
  destinationAccount: account(destination, 'EUR/2'),
  amount: 2500n,
  asset: 'EUR/2',
  metadata: {},
});

/** A transaction made "now" (the fake's own clock is the real one). */
function newTransaction(id: string, created: Date, updated = created): Json {
  return {
    id,
    balance_id: 'b1a2c3d4-0000-4000-8000-000000000001',
    account_id: HOUSE_ACCOUNT,
    currency: 'EUR',
    amount: '42.00',
    balance_amount: '',
    type: 'credit',
    action: 'funding',
    related_entity_type: 'inbound_funds',
    related_entity_id: randomUUID(),
    related_entity_short_reference: 'IF-NEW',
    status: 'completed',
    reason: '',
    settles_at: ccTime(updated),
    created_at: ccTime(created),
    updated_at: ccTime(updated),
    completed_at: ccTime(updated),
  };
}

describeConformance({
  provider: 'currencycloud',
  config: (psp) => {
    const w = world(psp);
    return { loginID: w.loginID, apiKey: w.apiKey, endpoint: psp.url };
  },
  setup: (psp, env) => {
    const w = newWorld();
    worlds.set(psp, w);
    byDirectory.set(env.directory, psp);
    serveCurrencycloud(psp, w);
  },
  notSecret: {},
  tokenEndpoint: { method: 'POST', path: '/v2/authenticate/api' },
  spec: { provider: 'currencycloud', file: 'reference.yaml' },
  paging: {
    expected: {
      fetch_accounts: ids(fixtures.accounts),
      fetch_balances: fixtures.balances.map(
        (b) => `${String(b.account_id)}/${assetFromCurrency(String(b.currency)) ?? '?'}`,
      ),
      fetch_beneficiaries: ids(fixtures.beneficiaries),
      fetch_transactions: ids(fixtures.transactions).filter((id) => !UNREADABLE.includes(id)),
    },
    skipped: UNREADABLE,
    // Between passes: 25 transactions are made sharing one timestamp (a page boundary falls among them
    // at every page size), and an old pending one completes. During the next pass, when its second page
    // is asked for, one more arrives: listed oldest-created first, it lands after the pages already read
    // and this same pass returns it.
    change: (psp) => {
      const w = world(psp);
      const now = new Date();
      const made = Array.from({ length: 25 }, (_, i) =>
        newTransaction(
          `e1d2c3b4-1000-4000-8000-${String(i).padStart(12, '0')}`,
          new Date(now.getTime() - 60_000),
        ),
      );
      w.transactions.push(...made);
      const pending = w.transactions.find((t) => t.id === 'e1d2c3b4-0000-4000-8000-000000000008');
      if (!pending) throw new Error('fixture transaction 08 is missing');
      pending.status = 'completed';
      pending.updated_at = ccTime(now);
      const late = 'e1d2c3b4-2000-4000-8000-000000000001';
      let pages = 0;
      w.beforeTransactionsPage = () => {
        pages += 1;
        if (pages === 2) w.transactions.push(newTransaction(late, new Date()));
      };
      return { fetch_transactions: [...ids(made), String(pending.id), late] };
    },
  },
  writes: {
    // Transfers and payments carry the key as unique_request_id, and CC refuses a repeat (the connector
    // then reads the first back); a beneficiary carries it as beneficiary_external_reference, looked up
    // before creating. So the key reaches CC once per call in the create, or in the lookup a repeat
    // stops at; a movement is a create CC carried out (the fake records one per create).
    ledger: async (env) => {
      const psp = byDirectory.get(env.directory);
      if (!psp) throw new Error('no fake Currencycloud for this case');
      const received: string[] = [];
      for (const request of psp.writes()) {
        const form = request.form();
        if (request.path === '/v2/transfers/create' || request.path === '/v2/payments/create')
          received.push(form.get('unique_request_id') ?? '(none)');
        else if (request.path === '/v2/beneficiaries/find' && form.has('beneficiary_external_reference'))
          received.push(form.get('beneficiary_external_reference') ?? '(none)');
      }
      return { received, movements: psp.movements.map((m) => m.key) };
    },
    bankAccount: {
      id: 'ba-conformance',
      createdAt: new Date(),
      name: 'Lieferant GmbH',
      iban: 'DE89370400440532013000',
      swiftBicCode: 'COBADEFFXXX',
      country: 'DE',
      metadata: { 'com.currencycloud.spec/currency': 'EUR' },
    },
    transfer: initiation(SUB_ACCOUNT),
    payout: initiation('c1b2e3f4-0000-4000-8000-000000000001'),
  },
  statuses: ['on_hold', 'ready_to_send', 'cancelled', 'failed'],
});
