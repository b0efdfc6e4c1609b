// Currencycloud's task tree: four periodic roots, as every list covers the house account and its sub-accounts at once.
import type { TaskNode } from '../sdk/contract.js';

export function currencycloudWorkflow(): TaskNode[] {
  return [
    { type: 'FETCH_ACCOUNTS', name: 'fetch_accounts', periodic: true, children: [] },
    { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] },
    { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_beneficiaries', periodic: true, children: [] },
    { type: 'FETCH_PAYMENTS', name: 'fetch_transactions', periodic: true, children: [] },
  ];
}
