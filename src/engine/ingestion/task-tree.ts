// Task trees: validation, node paths and the deterministic schedule ids built from them.
import type { Capability } from '../../connectors/sdk/capabilities.js';
import type { TaskNode } from '../../connectors/sdk/contract.js';
import { InvalidConfigError } from '../../connectors/sdk/errors.js';
import { TASKS } from '../../connectors/sdk/tasks.js';

const NODE_NAME = /^[a-z0-9_]+$/;

/**
 * Rejects trees the engine cannot run: unknown types, names that are not unique among siblings, and,
 * when the registration's capabilities are given, a node whose capability the connector does not declare
 * (the declaration is what the API advertises, so a tree must not do more than it says).
 */
export function validateTree(nodes: TaskNode[], capabilities?: readonly Capability[], parentPath = ''): void {
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
    // A tree read back from JSON may hold any string: check it is a key of the table, not a prototype one.
    if (!Object.hasOwn(TASKS, node.type)) {
      throw new InvalidConfigError(
        `task type ${String(node.type)} is not supported by this version of the engine`,
      );
    }
    const path = childPath(parentPath, node);
    const needed = TASKS[node.type].capability;
    if (capabilities && !capabilities.includes(needed)) {
      throw new InvalidConfigError(
        `task node '${path}' (${node.type}) needs the capability ${needed}, which the connector does not declare`,
      );
    }
    validateTree(node.children, capabilities, path);
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
