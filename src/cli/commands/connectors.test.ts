import { describe, expect, it } from 'vitest';
import { describeDeletion, scheduleTask } from './connectors.js';

const connector = { id: 'x', name: 'eu-psp', provider: 'dummypay' };
const counts = (paymentInitiations: Record<string, number>) => ({
  accounts: 12,
  balances: 30,
  payments: 1,
  paymentAdjustments: 2,
  paymentInitiations: { total: 0, processed: 0, inFlight: 0, waitingForValidation: 0, ...paymentInitiations },
  bankAccountLinks: 0,
  poolMemberships: 3,
  orders: 0,
  conversions: 0,
  schedules: 9,
  webhooks: 0,
});

describe('describeDeletion', () => {
  it('lists what goes, leaving out the kinds the connector has none of', () => {
    const text = describeDeletion(connector, counts({}), 'uninstall');
    expect(text.split('\n')).toEqual([
      "Uninstalling connector 'eu-psp' (dummypay) deletes everything Paybridge holds for it:",
      '  accounts             12  (with 30 balance entries)',
      '  payments              1  (with 2 status-history entries)',
      '  payment initiations   0',
      '  pool memberships      3  (the pools themselves stay)',
      '  schedules             9',
    ]);
  });

  it('says loudly when processed or in-flight initiations would be deleted', () => {
    const text = describeDeletion(connector, counts({ total: 4, processed: 2, inFlight: 1 }), 'reset');
    expect(text).toMatch(/^Resetting connector 'eu-psp' \(dummypay\) reinstalls it under a new id/);
    expect(text).toMatch(
      /^ {2}payment initiations {3}4 {2}\(2 processed at the PSP, 1 being sent to the PSP\)$/m,
    );
    expect(text).toMatch(/^WARNING: 2 payment initiations were PROCESSED at the PSP: money has moved/m);
    expect(text).toMatch(/^WARNING: 1 payment initiation is being sent to the PSP now:/m);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('scheduleTask', () => {
  const task = (id: string, taskType: string) => scheduleTask({ id, connectorID: 'c1', taskType });
  it('is the task type when the node is named after it', () => {
    expect(task('c1-fetch_payments', 'FETCH_PAYMENTS')).toBe('FETCH_PAYMENTS');
    expect(task('c1-fetch_accounts.fetch_balances-acc-1', 'FETCH_BALANCES')).toBe('FETCH_BALANCES');
  });
  it('adds the node name when it says which list the schedule reads', () => {
    expect(task('c1-fetch_pending_transactions', 'FETCH_PAYMENTS')).toBe(
      'FETCH_PAYMENTS (fetch_pending_transactions)',
    );
    expect(task('c1-fetch_users.fetch_wallets-u-1', 'FETCH_ACCOUNTS')).toBe('FETCH_ACCOUNTS (fetch_wallets)');
  });
});
