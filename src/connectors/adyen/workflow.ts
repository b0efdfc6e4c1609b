// The Adyen connector's task tree: merchant accounts polled, and the company webhook created once.
import type { TaskNode } from '../sdk/contract.js';

/** Payments come only from notifications: Adyen's Management API has no payment listing. */
export function adyenWorkflow(): TaskNode[] {
  return [
    { type: 'FETCH_ACCOUNTS', name: 'fetch_accounts', periodic: true, children: [] },
    { type: 'CREATE_WEBHOOKS', name: 'create_webhooks', periodic: false, children: [] },
  ];
}
