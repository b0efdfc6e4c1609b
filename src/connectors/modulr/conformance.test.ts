// The conformance suite on the Modulr connector, against the fake Modulr serving its documented API with the fixtures.
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import { CUSTOMER_ID, type Json, modulrStamp, newWorld, serveModulr, type ModulrWorld } from './fake.js';
import './index.js';

const worlds = new WeakMap<FakePsp, ModulrWorld>();
const world = (psp: FakePsp) => {
  const found = worlds.get(psp);
  if (!found) throw new Error('the fake Modulr was not set up');
  return found;
};

const account = (reference: string, asset: string) => ({
  reference,
  createdAt: new Date('2026-03-01T09:00:00.000Z'),
  defaultAsset: asset,
  metadata: {},
  raw: {},
});

const initiation = (destination: string) => ({
  reference: `pi-modulr-${destination}`,
  createdAt: new Date(Date.now() - 1000),
  description: 'Invoice 2026-001',
  sourceAccount: account('A1000001', 'GBP/2'),
  destinationAccount: account(destination, 'GBP/2'),
  amount: 2500n,
  asset: 'GBP/2',
  metadata: {},
});

const transaction = (id: string, posted: Date, sourceId: string): Json => ({
  id,
  amount: 5,
  currency: 'GBP',
  description: 'Arrived later',
  transactionDate: modulrStamp(posted),
  postedDate: modulrStamp(posted),
  credit: true,
  type: 'PI_FAST',
  sourceId,
});

describeConformance({
  provider: 'modulr',
  config: (psp) => {
    const w = world(psp);
    return { apiKey: w.apiKey, apiSecret: w.apiSecret, endpoint: psp.url, customerId: CUSTOMER_ID };
  },
  setup: (psp) => {
    const w = newWorld();
    worlds.set(psp, w);
    serveModulr(psp, w);
  },
  spec: { provider: 'modulr' },
  paging: {
    expected: {
      fetch_accounts: ['A1000001', 'A1000002', 'A1000003'],
      'fetch_accounts/fetch_balances': ['A1000001/GBP/2', 'A1000002/EUR/2', 'A1000003/GBP/2'],
      // Pay-ins keep Modulr's inbound payment id; the debits of payments P1000001 and P1000002 are
      // left to the payments list; the credit of P1000002 on A1000003 is that very payment.
      'fetch_accounts/fetch_transactions': [
        'P9000001',
        'P9000002',
        'T1000005',
        'P9000004',
        'T1000007',
        'P9000003',
        'P1000002',
        'P7777777',
        'T3000003',
      ],
      fetch_beneficiaries: ['B1000001', 'B1000002', 'B1000003', 'B1000004'],
      fetch_payments: ['P1000001', 'P1000002', 'P1000003', 'P1000004', 'P1000005', 'P1000006'],
    },
    // Between passes: a pay-in is posted, an account is renamed, a beneficiary is added and a pending
    // payment completes. During the next pass, after the first page of A1000001's transactions, another
    // pay-in is posted: after the pass's frozen window end, so it shifts no page and waits for the next
    // pass (see paging.test.ts).
    change: (psp) => {
      const w = world(psp);
      const now = Date.now();
      (w.transactions.A1000001 ??= []).push(transaction('T1000008', new Date(now - 60_000), 'P9000005'));
      const euro = w.accounts.find((a) => a.id === 'A1000002');
      if (!euro) throw new Error('fixture account A1000002 is missing');
      euro.name = 'Euro reserve';
      w.beneficiaries.push({
        ...(w.beneficiaries[0] as Json),
        id: 'B1000005',
        name: 'Added later',
        created: modulrStamp(new Date(now - 60_000)),
        updated: modulrStamp(new Date(now - 60_000)),
      });
      const pending = w.payments.find((p) => p.id === 'P1000004');
      if (!pending) throw new Error('fixture payment P1000004 is missing');
      pending.status = 'PROCESSED';
      pending.modified = modulrStamp(new Date(now - 30_000));
      let pages = 0;
      w.beforeTransactionsPage = (request) => {
        if (!request.path.includes('A1000001')) return;
        pages += 1;
        if (pages === 2)
          w.transactions.A1000001?.push(transaction('T1000009', new Date(Date.now() + 2000), 'P9000009'));
      };
      return {
        fetch_accounts: ['A1000002'],
        'fetch_accounts/fetch_transactions': ['P9000005'],
        fetch_beneficiaries: ['B1000005'],
        fetch_payments: ['P1000004'],
      };
    },
  },
  writes: {
    idempotencyKey: { header: 'x-mod-nonce' },
    transfer: initiation('A1000003'),
    payout: initiation('B1000001'),
    bankAccount: {
      id: 'ba-modulr-1',
      createdAt: new Date(),
      name: 'New Supplier Ltd',
      accountNumber: '12345678',
      metadata: { 'com.modulr.spec/sort_code': '04-00-04' },
    },
  },
  statuses: ['PENDING_FOR_FUNDS', 'ER_INVALID', 'EXT_PROC', 'CANCELLED', 'SUBMITTED'],
});
