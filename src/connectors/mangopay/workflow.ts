// The Mangopay task tree: users, each with its wallets (balances and transactions) and bank accounts, all polled; hooks once.
import type { TaskNode } from '../sdk/contract.js';

export function mangopayWorkflow(): TaskNode[] {
  return [
    { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
    {
      type: 'FETCH_OTHERS',
      name: 'fetch_users',
      periodic: true,
      children: [
        {
          type: 'FETCH_ACCOUNTS',
          name: 'fetch_wallets',
          periodic: true,
          children: [
            { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] },
            // Polled, unlike Formance's one-shot history: hooks are hints, polling is the safety net.
            { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
          ],
        },
        { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_bank_accounts', periodic: true, children: [] },
      ],
    },
  ];
}
