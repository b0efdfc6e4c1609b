// The conformance suite on the Wise connector, against the fake Wise serving its documented API with the fixtures.
import { findConnector } from '../sdk/registry.js';
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import { expect } from 'vitest';
import { type Json, newKeyPair, newWorld, serveWise, signBody, type WiseWorld } from './fake.js';
import './index.js';
import { customerTransactionId } from './uuid.js';

const worlds = new WeakMap<FakePsp, WiseWorld>();

// Wise takes only UUIDs (customerTransactionId, X-External-Correlation-Id), so the suite's keys
// (`conformance-payout-…`) reach it as the UUIDs the connector derives from them. To read the fake's
// ledger in the suite's terms, the keys the suite hands the connector are noted with their UUID.
const keyOfUuid = new Map<string, string>();
const registration = findConnector('wise');
if (!registration) throw new Error('the wise connector is not registered');
const create = registration.create.bind(registration);
registration.create = (config, context) => {
  const connector = create(config, context);
  const note = <R extends { idempotencyKey: string }, T>(call: (request: R) => Promise<T>) => {
    return (request: R) => {
      keyOfUuid.set(customerTransactionId(request.idempotencyKey), request.idempotencyKey);
      return call(request);
    };
  };
  connector.createPayout = note(connector.createPayout.bind(connector));
  connector.reversePayout = note(connector.reversePayout.bind(connector));
  return connector;
};
const byDirectory = new Map<string, FakePsp>();
const world = (psp: FakePsp) => {
  const found = worlds.get(psp);
  if (!found) throw new Error('the fake Wise was not set up');
  return found;
};

const KEYS = newKeyPair();
const FORGER = newKeyPair();
const fixtureWorld = newWorld(KEYS);
const transferKeys = fixtureWorld.transfers.map((t) => String(t.id));

/** Wise's transfers carry the profile only in the fake's bookkeeping; a new one made "now". */
function newTransfer(id: number, profile: number, created: Date): Json {
  return {
    id,
    user: 41000001,
    targetAccount: 40000001,
    sourceAccount: null,
    quote: null,
    quoteUuid: '8fa9be20-ba43-4b15-abbb-000000000099',
    status: 'incoming_payment_waiting',
    reference: '',
    rate: 1,
    created: created.toISOString(),
    business: null,
    transferRequest: null,
    details: { reference: 'late' },
    hasActiveIssues: false,
    sourceCurrency: 'EUR',
    sourceValue: 10,
    targetCurrency: 'EUR',
    targetValue: 10,
    customerTransactionId: '54a6bc09-cef9-49a8-9041-000000000099',
    profile,
  };
}

const account = (reference: string, profile: string, asset: string) => ({
  reference,
  createdAt: new Date('2026-01-10T09:05:00.000Z'),
  defaultAsset: asset,
  metadata: { 'com.wise.spec/profile_id': profile },
  raw: {},
});

const payout = {
  reference: 'pi-wise-1',
  createdAt: new Date(Date.now() - 1000),
  description: 'Invoice 2026-001',
  sourceAccount: account('200001', '30000001', 'EUR/2'),
  destinationAccount: account('40000002', '30000001', 'EUR/2'),
  amount: 2500n,
  asset: 'EUR/2',
  metadata: {},
};

/** A transfers#state-change event (schema 2.0.0) for a fixture transfer, sent "now". */
const eventBody = JSON.stringify({
  data: {
    resource: { type: 'transfer', id: 50000002, profile_id: 30000001, account_id: 40000002 },
    current_state: 'processing',
    previous_state: 'incoming_payment_waiting',
    occurred_at: new Date().toISOString(),
  },
  subscription_id: '90aa8e14-4ef1-4a56-861c-f3c9cde097ea',
  event_type: 'transfers#state-change',
  schema_version: '2.0.0',
  sent_at: new Date().toISOString(),
});

const keyOf = (uuid: string | undefined) => (uuid ? (keyOfUuid.get(uuid) ?? uuid) : '(none)');

describeConformance({
  provider: 'wise',
  config: (psp) => {
    const w = world(psp);
    return { apiKey: w.token, endpoint: psp.url, webhookPublicKey: w.publicKey };
  },
  setup: (psp, env) => {
    const w = newWorld(KEYS);
    worlds.set(psp, w);
    byDirectory.set(env.directory, psp);
    serveWise(psp, w);
  },
  notSecret: { webhookPublicKey: "Wise's public key, published by Wise" },
  spec: { provider: 'wise' },
  paging: {
    expected: {
      fetch_profiles: ['30000001', '30000002'],
      'fetch_profiles/fetch_accounts': ['200001', '200002', '200003', '200004'],
      'fetch_profiles/fetch_accounts/fetch_balances': [
        '200001/EUR/2',
        '200002/JPY/0',
        '200003/GBP/2',
        '200004/BHD/3',
      ],
      'fetch_profiles/fetch_recipients': ['40000001', '40000002', '40000003', '40000004', '40000005'],
      'fetch_profiles/fetch_transfers': transferKeys,
    },
    // Between passes: a transfer is made, the newest one of the personal profile changes state (it is
    // inside the overlap window) and an old open one completes (outside it: polling re-reads it). During the next pass, after its first page, another transfer arrives:
    // created after the pass began, it is outside the pass's fixed window, so no offset shifts, nothing is
    // listed twice and nothing is skipped; it belongs to the pass after (see paging.test.ts).
    change: (psp) => {
      const w = world(psp);
      const now = Date.now();
      w.transfers.push(newTransfer(50000100, 30000001, new Date(now - 60_000)));
      const newest = w.transfers.find((t) => t.id === 50000009);
      if (!newest) throw new Error('fixture transfer 50000009 is missing');
      newest.status = 'funds_refunded';
      // An old transfer, long outside the window, completes: the re-read of open transfers finds it.
      const old = w.transfers.find((t) => t.id === 50000002);
      if (!old) throw new Error('fixture transfer 50000002 is missing');
      old.status = 'outgoing_payment_sent';
      let pages = 0;
      w.beforeTransfersPage = (request) => {
        if (request.query.get('profile') !== '30000001') return;
        pages += 1;
        if (pages === 2) w.transfers.push(newTransfer(50000101, 30000001, new Date()));
      };
      return { 'fetch_profiles/fetch_transfers': ['50000002', '50000009', '50000100'] };
    },
  },
  writes: {
    payout,
    // Wise de-duplicates transfers by customerTransactionId (the fake does too, see fake.ts); the same UUID
    // travels on every write as X-External-Correlation-Id, which this ledger reads back as the suite's key.
    ledger: async (env) => {
      const psp = byDirectory.get(env.directory);
      if (!psp) throw new Error('no fake Wise for this case');
      const writes = psp
        .writes()
        .filter((r) => (r.method === 'POST' && r.path === '/v1/transfers') || r.path.endsWith('/cancel'));
      return {
        received: writes.map((r) => keyOf(r.headers['x-external-correlation-id'])),
        movements: psp.movements.map((m) => keyOf(m.request.headers['x-external-correlation-id'])),
      };
    },
  },
  webhooks: {
    body: eventBody,
    // Wise signs the body only; its send time is inside it (sent_at). A delivery Wise sent at another
    // time than this body says would carry that time in its body, so its signature cannot match this one.
    sign: ({ body, config: _config, at, forged }) => {
      const sentAt = JSON.parse(eventBody).sent_at as string;
      const signed =
        Math.abs(at.getTime() - Date.parse(sentAt)) < 5 * 60_000
          ? body
          : Buffer.from(body.toString('utf8').replace(sentAt, at.toISOString()));
      return {
        'X-Signature-SHA256': signBody(signed, forged ? FORGER.privateKey : KEYS.privateKey),
        'X-Delivery-Id': '2f6a7d1e-0000-4000-8000-000000000001',
      };
    },
  },
  uninstall: (psp, configs) => {
    expect(configs.length).toBeGreaterThan(0);
    const left = Object.values(world(psp).subscriptions).flat();
    expect(left).toEqual([]);
  },
  statuses: ['incoming_payment_initiated', 'unknown'],
});
