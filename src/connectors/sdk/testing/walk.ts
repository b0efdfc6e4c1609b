// Walks a connector's task tree in memory, as the engine would (no database): for the runner and tests.
import { mapPage } from '../../../engine/items.js';
import { childPath, validateTree } from '../../../engine/task-tree.js';
import type { ConnectorId } from '../../../domain/ids.js';
import type {
  Connector,
  FetchNextRequest,
  FetchNextResponse,
  FromPayload,
  SkippedRecord,
  TaskNode,
  WebhookConfig,
} from '../contract.js';
import { TASKS } from '../tasks.js';

/** State per task run, keyed by `stateKey`: what the engine keeps per schedule. */
export type TreeState = Record<string, unknown>;

/**
 * The key of one task run's state: the node path for a root (`fetch_accounts`), the path and the
 * parent item's id for a child (`fetch_accounts.fetch_balances-acc-001`), as the engine's schedule ids
 * read without the connector id. Node names cannot hold '-', so the key is unambiguous.
 */
export function stateKey(path: string, parentId?: string): string {
  return parentId === undefined ? path : `${path}-${parentId}`;
}

/** One node run for one parent item (or none, for a root): what it fetched and where it stopped. */
export interface TaskRun {
  path: string;
  node: TaskNode;
  /** The parent item's id, for a child node. */
  parentId?: string;
  pages: number;
  items: unknown[];
  /** Records the connector skipped, then those the engine would leave out (its own validation). */
  skipped: SkippedRecord[];
  /** The state the run ended with: `state[stateKey]` for the next run. */
  newState: unknown;
  /** The last page said more remain (the run stopped at `maxPages`). */
  hasMore: boolean;
  /** CREATE_WEBHOOKS only: the configs the connector answered. */
  webhookConfigs?: WebhookConfig[];
}

export interface TreeWalkOptions {
  connector: Connector;
  /** The connector's `install()` answer. */
  workflow: TaskNode[];
  pageSize: number;
  /** Identifies the connector to the engine's item mapping (child payloads, validation). */
  connectorId: ConnectorId;
  /**
   * Run only this node (a path from `resolveNode`). Its ancestors run first, from an empty state, so
   * that it runs once per parent item as it would in the engine; only its own runs are reported.
   */
  only?: string;
  /** Stop each task run after this many pages, even if the connector has more. */
  maxPages?: number;
  /** Start each task run from `state[stateKey]` instead of an empty state. */
  state?: TreeState;
  /** The base URL CREATE_WEBHOOKS nodes register under (the engine's is the public webhook URL). */
  webhookBaseUrl?: string;
  /** Called after each reported task run, before its children run (for streaming output). */
  onRun?: (run: TaskRun) => void;
}

export interface TreeWalk {
  runs: TaskRun[];
  /** The state of every reported task run after the walk (the given state, updated). */
  state: TreeState;
}

type Fetcher = (connector: Connector, request: FetchNextRequest) => Promise<FetchNextResponse<unknown>>;

function fetcherFor(node: TaskNode): Fetcher {
  const method = TASKS[node.type].method;
  return (connector, request) =>
    (connector[method] as (r: FetchNextRequest) => Promise<FetchNextResponse<unknown>>).call(
      connector,
      request,
    );
}

/** Every node of a tree with its path, parents before children. */
export function nodePaths(tree: TaskNode[], parentPath = ''): { path: string; node: TaskNode }[] {
  return tree.flatMap((node) => {
    const path = childPath(parentPath, node);
    return [{ path, node }, ...nodePaths(node.children, path)];
  });
}

/**
 * The path of the node a selector names: its path (`fetch_accounts.fetch_balances`), its name
 * (`fetch_balances`) or its task type in any case (`FETCH_BALANCES`), when exactly one node matches.
 */
export function resolveNode(tree: TaskNode[], selector: string): string {
  const all = nodePaths(tree);
  const exact = all.find((entry) => entry.path === selector);
  if (exact) return exact.path;
  for (const matches of [
    (entry: { node: TaskNode }) => entry.node.name === selector,
    (entry: { node: TaskNode }) => entry.node.type === selector.toUpperCase(),
  ]) {
    const found = all.filter(matches);
    if (found.length === 1 && found[0]) return found[0].path;
    if (found.length > 1) {
      throw new Error(
        `task '${selector}' matches ${found.length} nodes (${found.map((e) => e.path).join(', ')}); give its path`,
      );
    }
  }
  throw new Error(
    `the task tree has no node '${selector}'; its nodes are ${all.map((e) => `${e.path} (${e.node.type})`).join(', ')}`,
  );
}

/** Runs the tree (or one node of it) to the end of every listing, or `maxPages`, and returns what came out. */
export async function walkTree(options: TreeWalkOptions): Promise<TreeWalk> {
  validateTree(options.workflow);
  const state: TreeState = { ...(options.state ?? {}) };
  const runs: TaskRun[] = [];

  const walk = async (nodes: TaskNode[], parentPath: string, parent?: FromPayload): Promise<void> => {
    for (const node of nodes) {
      const path = childPath(parentPath, node);
      const selected = options.only === undefined || options.only === path;
      // A node off the way to the selected one is not run at all.
      if (!selected && !options.only?.startsWith(`${path}.`)) continue;
      const run = await runTask(options, node, path, parent, selected ? state : {});
      if (selected) {
        state[stateKey(path, parent?.id)] = run.newState;
        runs.push(run);
        options.onRun?.(run);
      }
      // Below the selected node nothing runs: `only` is one node.
      if (options.only !== undefined && selected) continue;
      if (node.children.length === 0) continue;
      for (const child of enginePage(options.connectorId, node, run.items).children) {
        await walk(node.children, path, child);
      }
    }
  };
  await walk(options.workflow, '');
  return { runs, state };
}

/**
 * What the engine makes of a page (engine/items.ts): the payload each child receives, and the items its
 * validation leaves out. A task type the engine has no storage for yet has neither.
 */
function enginePage(connectorId: ConnectorId, node: TaskNode, items: unknown[]) {
  const type = node.type === 'CREATE_WEBHOOKS' ? 'FETCH_OTHERS' : node.type;
  try {
    const { children, skipped } = mapPage(connectorId, type, items);
    return { children, skipped };
  } catch {
    return { children: [], skipped: [] };
  }
}

async function runTask(
  options: TreeWalkOptions,
  node: TaskNode,
  path: string,
  parent: FromPayload | undefined,
  state: TreeState,
): Promise<TaskRun> {
  const run: TaskRun = {
    path,
    node,
    ...(parent ? { parentId: parent.id } : {}),
    pages: 0,
    items: [],
    skipped: [],
    newState: state[stateKey(path, parent?.id)],
    hasMore: false,
  };
  if (node.type === 'CREATE_WEBHOOKS') {
    const response = await options.connector.createWebhooks({
      webhookBaseUrl:
        options.webhookBaseUrl ?? 'http://localhost:8080/api/payments/v3/connectors/webhooks/local',
      ...(parent ? { fromPayload: parent } : {}),
    });
    run.pages = 1;
    run.items = response.others;
    run.webhookConfigs = response.configs;
    run.newState = run.newState ?? {};
    run.skipped = enginePage(options.connectorId, node, run.items).skipped;
    return run;
  }
  const fetch = fetcherFor(node);
  for (;;) {
    const response = await fetch(options.connector, {
      ...(parent ? { fromPayload: parent } : {}),
      state: run.newState,
      pageSize: options.pageSize,
      name: node.name,
      periodic: node.periodic,
    });
    run.pages += 1;
    run.items.push(...response.items);
    run.skipped.push(
      ...(response.skipped ?? []),
      ...enginePage(options.connectorId, node, response.items).skipped,
    );
    run.newState = response.newState;
    run.hasMore = response.hasMore;
    if (!response.hasMore) return run;
    if (options.maxPages !== undefined && run.pages >= options.maxPages) return run;
  }
}
