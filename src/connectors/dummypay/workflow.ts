// DummyPay's task tree: accounts (with their balances), external accounts, payments, orders and conversions, all polled.
import type { TaskNode } from '../sdk/contract.js';

export function dummyPayWorkflow(): TaskNode[] {
  return [
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_accounts',
      periodic: true,
      children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
    },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_external_accounts', periodic: true, children: [] },
    { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
    { type: 'FETCH_ORDERS', name: 'fetch_orders', periodic: true, children: [] },
    { type: 'FETCH_CONVERSIONS', name: 'fetch_conversions', periodic: true, children: [] },
  ];
}
