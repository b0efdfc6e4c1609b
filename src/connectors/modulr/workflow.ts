// Modulr's task tree: accounts (with balances and transactions under each), beneficiaries, and payments.
import type { TaskNode } from '../sdk/contract.js';

export function modulrWorkflow(): TaskNode[] {
  return [
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_accounts',
      periodic: true,
      children: [
        { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] },
        { type: 'FETCH_PAYMENTS', name: 'fetch_transactions', periodic: true, children: [] },
      ],
    },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_beneficiaries', periodic: true, children: [] },
    { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
  ];
}
