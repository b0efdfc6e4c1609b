// Stripe's task tree: the webhook endpoints once, and accounts polled, each with its balances, balance transactions and external accounts.
import type { TaskNode } from '../sdk/contract.js';

export function stripeWorkflow(): TaskNode[] {
  return [
    { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_accounts',
      periodic: true,
      children: [
        { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] },
        { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
        { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_external_accounts', periodic: true, children: [] },
      ],
    },
  ];
}
