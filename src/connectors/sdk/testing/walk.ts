// Runs a connector's task tree in memory, as the engine would but with no database: each fetch node page by page, children once per parent item.
import { mapPage } from '../../../engine/ingestion/items.js';
import { parseJson, stringifyJson } from '../../../domain/json.js';
import type {
  Connector,
  FetchNextRequest,
  FetchNextResponse,
  FromPayload,
  SkippedRecord,
  TaskNode,
} from '../contract.js';
import { TASKS } from '../tasks.js';

/** Task types whose node pages through a PSP listing (everything but CREATE_WEBHOOKS). */
export function isFetchNode(node: TaskNode): boolean {
  return node.type !== 'CREATE_WEBHOOKS';
}

/** One call of a fetch node, through the method the task table names for its type. */
export function fetchPage(
  connector: Connector,
  node: TaskNode,
  request: Omit<FetchNextRequest, 'name' | 'periodic'>,
): Promise<FetchNextResponse<unknown>> {
  const method = TASKS[node.type].method;
  const call = connector[method] as (request: FetchNextRequest) => Promise<FetchNextResponse<unknown>>;
  return call.call(connector, { ...request, name: node.name, periodic: node.periodic });
}

/**
 * What the engine hands a child task for one item of its parent's page (engine/ingestion/items.ts), after the
 * JSON round trip through the database. Items the engine would refuse give no child.
 */
export function childPayloads(node: TaskNode, items: unknown[]): FromPayload[] {
  let children: FromPayload[];
  try {
    children = mapPage({ provider: 'walk', reference: 'walk' }, node.type, items).children;
  } catch {
    // A task type the engine does not store yet: its items' own reference (or id) names the child.
    children = items.map((item) => {
      const record = item as { reference?: unknown; id?: unknown };
      return { id: String(record.reference ?? record.id), payload: item };
    });
  }
  return children.map((child) => ({ id: child.id, payload: roundTrip(child.payload) }));
}

/** The JSON round trip the engine's database puts a state or payload through (bigints kept exact). */
export function roundTrip<T>(value: T): T {
  return value === undefined ? value : (parseJson(stringifyJson(value)) as T);
}

export interface PageEvent {
  node: TaskNode;
  /** Node names from the root, joined with `/`. */
  path: string;
  fromPayload?: FromPayload;
  /** 1-based, within this run of the node. */
  page: number;
  response: FetchNextResponse<unknown>;
}

export interface NodeRunOptions {
  pageSize: number;
  /** The node's saved state; undefined for a first run. */
  state?: unknown;
  fromPayload?: FromPayload;
  /** Stop after this many pages even if the PSP has more (the runner's `--pages`). */
  maxPages?: number;
  /** Put the state through JSON after every page, as the engine's database does (default true). */
  roundTripState?: boolean;
  /** A guard against a connector whose `hasMore` never ends (default 10 000 pages). */
  pageLimit?: number;
  onPage?: (event: PageEvent) => void | Promise<void>;
  path?: string;
}

export interface NodeRun {
  node: TaskNode;
  path: string;
  fromPayload?: FromPayload;
  items: unknown[];
  /** The state after the last page: where the next run starts. */
  state: unknown;
  pages: number;
  /** Every page's state, in order (after the round trip): a run may resume from any of them. */
  states: unknown[];
  /** How many items each page held, in order. */
  pageItems: number[];
  /** Records the connector reported it could not map. */
  skipped: SkippedRecord[];
  /** Whether the PSP still had more when `maxPages` stopped the run. */
  hasMore: boolean;
}

/** Runs one fetch node until its PSP has no more (or `maxPages`), as one engine run of it does. */
export async function runNode(
  connector: Connector,
  node: TaskNode,
  options: NodeRunOptions,
): Promise<NodeRun> {
  const path = options.path ?? node.name;
  const limit = options.pageLimit ?? 10_000;
  const items: unknown[] = [];
  const states: unknown[] = [];
  const pageItems: number[] = [];
  const skipped: SkippedRecord[] = [];
  let state = options.state;
  let pages = 0;
  let hasMore = true;
  while (hasMore && (options.maxPages === undefined || pages < options.maxPages)) {
    if (pages >= limit) throw new Error(`${path}: still hasMore after ${limit} pages`);
    const response = await fetchPage(connector, node, {
      state,
      pageSize: options.pageSize,
      ...(options.fromPayload ? { fromPayload: options.fromPayload } : {}),
    });
    pages += 1;
    items.push(...response.items);
    pageItems.push(response.items.length);
    skipped.push(...(response.skipped ?? []));
    state = options.roundTripState === false ? response.newState : roundTrip(response.newState);
    states.push(state);
    hasMore = response.hasMore;
    await options.onPage?.({
      node,
      path,
      page: pages,
      response,
      ...(options.fromPayload ? { fromPayload: options.fromPayload } : {}),
    });
  }
  return {
    node,
    path,
    items,
    state,
    pages,
    states,
    pageItems,
    skipped,
    hasMore,
    ...(options.fromPayload ? { fromPayload: options.fromPayload } : {}),
  };
}

export interface TreeWalkOptions extends Omit<NodeRunOptions, 'state' | 'fromPayload' | 'path'> {
  /**
   * Saved states by `stateKey(path, parentId)`, read at the start and updated as nodes run: pass the
   * same map to a second walk to poll again from where the first left off.
   */
  states?: Map<string, unknown>;
  /**
   * The parent items each node has yielded so far, by `stateKey(path, parentId)`: pass the same map to
   * the next walk to poll as the engine does, where a periodic child keeps its schedule for every item
   * its parent ever yielded, so it runs again even when the parent yields nothing new (a FETCH_OTHERS
   * that lists only new profiles, say). Without it, children run only for this walk's items.
   */
  parents?: Map<string, FromPayload[]>;
}

/** Where a node's state lives: its path in the tree and the parent item it runs for (engine invariant 7). */
export function stateKey(path: string, parentId?: string): string {
  return parentId === undefined ? path : `${path}#${parentId}`;
}

/**
 * Runs every fetch node of a tree: roots first, then each child once per item its parent produced
 * in this walk. CREATE_WEBHOOKS nodes are not run (they create things at the PSP); their children are.
 */
export async function walkTree(
  connector: Connector,
  tree: readonly TaskNode[],
  options: TreeWalkOptions,
): Promise<{ runs: NodeRun[]; states: Map<string, unknown> }> {
  const states = options.states ?? new Map<string, unknown>();
  const runs: NodeRun[] = [];
  const visit = async (nodes: readonly TaskNode[], prefix: string, fromPayload?: FromPayload) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix}/${node.name}` : node.name;
      if (!isFetchNode(node)) {
        await visit(node.children, path, fromPayload);
        continue;
      }
      const key = stateKey(path, fromPayload?.id);
      const run = await runNode(connector, node, {
        ...options,
        path,
        state: states.get(key),
        ...(fromPayload ? { fromPayload } : {}),
      });
      states.set(key, run.state);
      runs.push(run);
      if (node.children.length === 0) continue;
      const yielded = childPayloads(node, run.items);
      for (const child of yielded) await visit(node.children, path, child);
      if (!options.parents) continue;
      const fresh = new Set(yielded.map((child) => child.id));
      const earlier = (options.parents.get(key) ?? []).filter((child) => !fresh.has(child.id));
      const periodic = node.children.filter((child) => child.periodic);
      for (const child of earlier) await visit(periodic, path, child);
      options.parents.set(key, [...earlier, ...yielded]);
    }
  };
  await visit(tree, '');
  return { runs, states };
}
