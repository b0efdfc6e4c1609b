// The Generic connector's task tree: accounts (each with its balances), beneficiaries and transactions, all polled.
import type { TaskNode } from '../sdk/contract.js';

export function genericWorkflow(options: { webhooks?: boolean | undefined } = {}): TaskNode[] {
  const webhooks: TaskNode[] = options.webhooks
    ? [{ type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] }]
    : [];
  return [
    ...webhooks,
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_accounts',
      periodic: true,
      children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
    },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_external_accounts', periodic: true, children: [] },
    { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
  ];
}
