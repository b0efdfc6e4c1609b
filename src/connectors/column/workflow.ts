// Column's task tree: bank accounts (each with its balance), counterparties, transfers of every rail, and the webhook endpoint.
import type { TaskNode } from '../sdk/contract.js';

export function columnWorkflow(): TaskNode[] {
  return [
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_bank_accounts',
      periodic: true,
      children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
    },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_counterparties', periodic: true, children: [] },
    // Polled on every period even with webhooks: it is the safety net for lost or refused deliveries.
    { type: 'FETCH_PAYMENTS', name: 'fetch_transfers', periodic: true, children: [] },
    { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
  ];
}
