// The Increase task tree: the event subscription once; accounts (with balances), external accounts and the three money lists, all polled.
import type { TaskNode } from '../sdk/contract.js';

/** The FETCH_PAYMENTS nodes and the list each walks. */
export const PAYMENT_NODES = {
  fetch_transactions: 'transactions',
  fetch_pending_transactions: 'pending_transactions',
  fetch_declined_transactions: 'declined_transactions',
} as const;

export function increaseWorkflow(): TaskNode[] {
  return [
    { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
    {
      type: 'FETCH_ACCOUNTS',
      name: 'fetch_accounts',
      periodic: true,
      children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
    },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_external_accounts', periodic: true, children: [] },
    // Three lists, one state each: a pending row, its posted transaction and a decline of the same
    // movement all map to one payment (mapping.ts), whichever node reads them first.
    ...Object.keys(PAYMENT_NODES).map((name): TaskNode => ({
      type: 'FETCH_PAYMENTS',
      name,
      periodic: true,
      children: [],
    })),
  ];
}
