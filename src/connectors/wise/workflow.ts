// Wise's task tree: profiles, and under each its balance accounts (with balances), recipients, transfers and webhooks.
import type { TaskNode } from '../sdk/contract.js';

export function wiseWorkflow(): TaskNode[] {
  return [
    {
      type: 'FETCH_OTHERS',
      name: 'fetch_profiles',
      periodic: true,
      children: [
        {
          type: 'FETCH_ACCOUNTS',
          name: 'fetch_accounts',
          periodic: true,
          children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
        },
        { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_recipients', periodic: true, children: [] },
        { type: 'FETCH_PAYMENTS', name: 'fetch_transfers', periodic: true, children: [] },
        { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
      ],
    },
  ];
}
