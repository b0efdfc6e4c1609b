// Every task type of the contract in one typed table: the capability that announces it and the
// connector method that runs it. The engine, the conformance suite and the catalogue read it.
import type { Capability } from './capabilities.js';
import type { Connector, TaskType } from './contract.js';

export interface TaskKind {
  /** The capability a connector declares when its task tree may hold this node. */
  capability: Capability;
  /** The connector method one run of the node calls. */
  method: keyof Connector;
}

export const TASKS = {
  FETCH_OTHERS: { capability: 'FETCH_OTHERS', method: 'fetchNextOthers' },
  FETCH_ACCOUNTS: { capability: 'FETCH_ACCOUNTS', method: 'fetchNextAccounts' },
  FETCH_BALANCES: { capability: 'FETCH_BALANCES', method: 'fetchNextBalances' },
  FETCH_EXTERNAL_ACCOUNTS: { capability: 'FETCH_EXTERNAL_ACCOUNTS', method: 'fetchNextExternalAccounts' },
  FETCH_PAYMENTS: { capability: 'FETCH_PAYMENTS', method: 'fetchNextPayments' },
  CREATE_WEBHOOKS: { capability: 'CREATE_WEBHOOKS', method: 'createWebhooks' },
  FETCH_ORDERS: { capability: 'FETCH_ORDERS', method: 'fetchNextOrders' },
  FETCH_CONVERSIONS: { capability: 'FETCH_CONVERSIONS', method: 'fetchNextConversions' },
} as const satisfies Record<TaskType, TaskKind>;

export const TASK_TYPES = Object.keys(TASKS) as TaskType[];
