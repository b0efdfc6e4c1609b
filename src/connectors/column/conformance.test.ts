// The conformance suite on the Column connector, against the fake Column serving its documented API with the fixtures.
import { expect } from 'vitest';
import { describeConformance, type FakePsp } from '../sdk/testing/index.js';
import { type ColumnWorld, type Json, newWorld, serveColumn } from './fake.js';
import './index.js';
import { signatureOf } from './webhooks.js';

const worlds = new WeakMap<FakePsp, ColumnWorld>();
const world = (psp: FakePsp) => {
  const found = worlds.get(psp);
  if (!found) throw new Error('the fake Column was not set up');
  return found;
};

const fixtures = newWorld();
const transferIds = fixtures.transfers.map((t) => String(t.object.id));

const account = (reference: string) => ({
  reference,
  createdAt: new Date('2026-01-05T15:00:00Z'),
  defaultAsset: 'USD/2',
  metadata: {},
  raw: {},
});

const realtimeTransfer = (id: string, createdAt: string): Json => ({
  id,
  amount: 12,
  bank_account_id: 'bacc_2qQk0001OperatingUSD',
  counterparty_id: 'cpty_2qQm0002Payroll',
  created_at: createdAt,
  updated_at: createdAt,
  currency_code: 'USD',
  description: 'late',
  is_incoming: true,
  status: 'COMPLETED',
});

/** An ACH settlement event, as Column delivers it, for a fixture transfer. */
const eventBody = JSON.stringify({
  id: 'evnt_2qQs0001',
  created_at: '2026-01-10T08:00:00Z',
  type: 'ach.outgoing_transfer.settled',
  data: {
    ...(fixtures.transfers.find((t) => t.object.id === 'acht_2qQo0001')?.object ?? {}),
    status: 'SETTLED',
  },
});

describeConformance({
  provider: 'column',
  config: (psp) => ({ apiKey: world(psp).apiKey, endpoint: psp.url }),
  setup: (psp) => {
    const w = newWorld();
    worlds.set(psp, w);
    serveColumn(psp, w);
  },
  paging: {
    expected: {
      fetch_bank_accounts: fixtures.bankAccounts.map((a) => String(a.id)),
      'fetch_bank_accounts/fetch_balances': fixtures.bankAccounts.map((a) => `${String(a.id)}/USD/2`),
      fetch_counterparties: fixtures.counterparties.map((c) => String(c.id)),
      fetch_transfers: transferIds,
    },
    // Between passes: a counterparty and a transfer appear in the very second of the newest ones already
    // read (ties at the watermark), and an ACH payout created days before settles (only the re-read of
    // transfers in flight can see it). During the next pass, after its first page, another transfer
    // arrives: it sits above the pass's cursor, so it belongs to the pass after.
    change: (psp) => {
      const w = world(psp);
      w.counterparties.push({ ...fixtures.counterparties[2], id: 'cpty_2qQm0009Tie', name: 'Tie Ltd' });
      w.transfers.push({
        rail: 'realtime',
        object: realtimeTransfer('rttr_2qQr0009', '2026-01-09T13:00:00Z'),
      });
      const ach = w.transfers.find((t) => t.object.id === 'acht_2qQo0001');
      if (!ach) throw new Error('fixture transfer acht_2qQo0001 is missing');
      ach.object.status = 'SETTLED';
      let pages = 0;
      w.beforeListPage = (path) => {
        if (path !== '/transfers') return;
        pages += 1;
        if (pages === 2) {
          w.transfers.push({
            rail: 'realtime',
            object: realtimeTransfer('rttr_2qQr0010', '2026-01-09T13:30:00Z'),
          });
        }
      };
      return {
        fetch_counterparties: ['cpty_2qQm0009Tie'],
        fetch_transfers: ['rttr_2qQr0009', 'acht_2qQo0001'],
      };
    },
  },
  writes: {
    idempotencyKey: { header: 'idempotency-key' },
    transfer: {
      reference: 'pi-column-book-1',
      createdAt: new Date(Date.now() - 1000),
      description: 'Fund payroll',
      sourceAccount: account('bacc_2qQk0001OperatingUSD'),
      destinationAccount: account('bacc_2qQk0002PayrollUSD'),
      amount: 123456n,
      asset: 'USD/2',
      metadata: {},
    },
    payout: {
      reference: 'pi-column-ach-1',
      createdAt: new Date(Date.now() - 1000),
      description: 'Invoice 2026-002',
      sourceAccount: account('bacc_2qQk0001OperatingUSD'),
      destinationAccount: { ...account('cpty_2qQm0001Chase'), defaultAsset: undefined },
      amount: 2500n,
      asset: 'USD/2',
      metadata: { 'com.column.spec/rail': 'ach' },
    },
    bankAccount: {
      id: 'ba-column-1',
      createdAt: new Date(),
      name: 'Initech Inc',
      accountNumber: '000111222333',
      country: 'US',
      metadata: { 'com.column.spec/routing_number': '021000021', 'com.column.spec/account_type': 'checking' },
    },
  },
  webhooks: {
    body: eventBody,
    sign: ({ body, config, forged }) => ({
      'Column-Signature': signatureOf(
        body,
        forged ? 'whsec_not_the_endpoints' : (config.metadata.secret ?? ''),
      ),
    }),
    unsignedTime:
      'Column signs the raw body only (no timestamp), so the age of a delivery cannot be verified; a replay is caught by its event id',
  },
  uninstall: (psp, configs) => {
    expect(configs.length).toBe(1);
    expect(world(psp).webhookEndpoints).toEqual([]);
  },
  statuses: ['RETURNED', 'CANCELED', 'REJECTED', 'MANUAL_REVIEW', 'PENDING_RETURN', 'BLOCKED'],
});
