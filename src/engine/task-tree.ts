// Task trees: validation, node paths and the deterministic schedule ids built from them.
import type { TaskNode, TaskType } from '../connectors/sdk/contract.js';
import { InvalidConfigError } from '../connectors/sdk/errors.js';

/** Task types the engine can run today; the rest arrive with their own storage. */
const RUNNABLE: ReadonlySet<TaskType> = new Set([
  'FETCH_OTHERS',
  'FETCH_ACCOUNTS',
  'FETCH_BALANCES',
  'FETCH_EXTERNAL_ACCOUNTS',
  'FETCH_PAYMENTS',
  'CREATE_WEBHOOKS',
]);

const NODE_NAME = /^[a-z0-9_]+$/;

/** Rejects trees the engine cannot run: unknown types, or names that are not unique among siblings. */
export function validateTree(nodes: TaskNode[], parentPath = ''): void {
  const seen = new Set<string>();
  for (const node of nodes) {
    if (!NODE_NAME.test(node.name)) {
      throw new InvalidConfigError(`task node name '${node.name}' must match ${NODE_NAME}`);
    }
    if (seen.has(node.name)) {
      throw new InvalidConfigError(
        `task node name '${node.name}' appears twice under '${parentPath || '/'}'`,
      );
    }
    seen.add(node.name);
    if (!RUNNABLE.has(node.type)) {
      throw new InvalidConfigError(`task type ${node.type} is not supported by this version of the engine`);
    }
    validateTree(node.children, childPath(parentPath, node));
  }
}

export function childPath(parentPath: string, node: TaskNode): string {
  return parentPath ? `${parentPath}.${node.name}` : node.name;
}

/** Every node path of a tree, parents before children. */
export function treePaths(nodes: TaskNode[], parentPath = ''): string[] {
  return nodes.flatMap((node) => {
    const path = childPath(parentPath, node);
    return [path, ...treePaths(node.children, path)];
  });
}

export function findNode(tree: TaskNode[], path: string): TaskNode | undefined {
  let nodes = tree;
  let found: TaskNode | undefined;
  for (const name of path.split('.')) {
    found = nodes.find((n) => n.name === name);
    if (!found) return undefined;
    nodes = found.children;
  }
  return found;
}

/**
 * The schedule of a node for one parent item. Node names cannot contain '-', so the id is unambiguous:
 * `<connectorId>-<path>` for roots and `<connectorId>-<path>-<parentId>` for children.
 */
export function scheduleId(connectorId: string, path: string, parentId: string): string {
  return parentId ? `${connectorId}-${path}-${parentId}` : `${connectorId}-${path}`;
}
