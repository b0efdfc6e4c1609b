// Every task type of the contract in one typed table: the capability that announces it and the
// connector method that runs it. The engine, the conformance suite and the catalogue read it.
import type { Capability } from './capabilities.js';
import type { Connector, CreateWebhooksResponse, FetchNextResponse, TaskNode, TaskType } from './contract.js';

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

/** The connector method a node of type T runs. */
export type TaskMethod<T extends TaskType> = (typeof TASKS)[T]['method'];

/**
 * What one run of a node of type T yields, derived from its method's answer: the page items of a fetch,
 * or the `others` a CREATE_WEBHOOKS run hands to its children. The engine's table of item mappers is
 * keyed by this, so a mapper always receives what the method really returns.
 */
export type TaskItem<T extends TaskType> =
  Awaited<ReturnType<Connector[TaskMethod<T>]>> extends infer R
    ? R extends FetchNextResponse<infer Item>
      ? Item
      : R extends CreateWebhooksResponse
        ? CreateWebhooksResponse['others'][number]
        : never
    : never;

/** The capabilities a task tree needs: one per distinct node type, parents and children alike. */
export function capabilitiesOfTree(nodes: readonly TaskNode[]): Set<Capability> {
  const found = new Set<Capability>();
  for (const node of nodes) {
    found.add(TASKS[node.type].capability);
    for (const capability of capabilitiesOfTree(node.children)) found.add(capability);
  }
  return found;
}
