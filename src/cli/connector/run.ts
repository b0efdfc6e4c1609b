// `paybridge connector run`: one connector, in this process, no database: its task tree, or one write.
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConnectors } from '../../connectors/load.js';
import type { ConnectorContext, PspFetch } from '../../connectors/sdk/context.js';
import { systemClock } from '../../connectors/sdk/context.js';
import type { Connector, FromPayload, SkippedRecord, TaskNode } from '../../connectors/sdk/contract.js';
import { type ConnectorRegistration, findConnector, listConnectors } from '../../connectors/sdk/registry.js';
import {
  Redactor,
  recordingFetch,
  replayingFetch,
  type Replay,
} from '../../connectors/sdk/testing/capture.js';
import {
  childPayloads,
  isFetchNode,
  type NodeRun,
  type NodeRunOptions,
  type PageEvent,
  runNode,
  stateKey,
  walkTree,
} from '../../connectors/sdk/testing/walk.js';
import type { ConnectorId } from '../../domain/ids.js';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { secretValuesOf } from '../../engine/lifecycle/connector-config.js';
import { mapPage } from '../../engine/ingestion/items.js';
import { validateTree } from '../../engine/ingestion/task-tree.js';
import { UsageError } from '../errors.js';
import { clip, type Column, formatMoney, renderJson, renderTable, type Row, text } from '../output.js';
import { asRows, note, print } from '../commands/shared.js';
import { WRITE_KINDS, WRITES } from './writes.js';

export interface RunOptions {
  config: string;
  task?: string;
  pages?: string;
  state?: string;
  pageSize?: string;
  record?: string;
  replay?: string;
  write?: string;
  body?: string;
  idempotencyKey?: string;
  json: boolean;
}

function positive(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive integer`);
  return Number(value);
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${path}: ${error instanceof Error ? error.message : error}`);
  }
  try {
    return parseJson(text);
  } catch (error) {
    throw new UsageError(`${what} ${path} is not JSON: ${error instanceof Error ? error.message : error}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `--state`: a JSON object given inline, or the path of a file holding one. */
async function readState(value: string): Promise<Record<string, unknown>> {
  let state: unknown;
  if (value.trim().startsWith('{')) {
    try {
      state = parseJson(value);
    } catch (error) {
      throw new UsageError(`--state is not JSON: ${error instanceof Error ? error.message : error}`);
    }
  } else state = await readJsonFile(value, 'state file');
  if (!isObject(state))
    throw new UsageError('--state must be a JSON object: task → state, as a run prints it');
  return state;
}

function registrationOf(provider: string): ConnectorRegistration {
  const registration = findConnector(provider);
  if (registration) return registration;
  const known = listConnectors()
    .map((r) => r.provider)
    .join(', ');
  throw new UsageError(`unknown connector '${provider}'; connectors here: ${known}`);
}

/** The connector's own fields from a config file (the install file works: engine fields are dropped). */
function connectorConfig(registration: ConnectorRegistration, raw: unknown): Record<string, unknown> {
  const parsed = z.object(registration.config.shape).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new UsageError(`invalid ${registration.provider} config: ${issues.join('; ')}`);
  }
  return parsed.data as Record<string, unknown>;
}

/** The fetch the connector gets: the network, recorded to a directory, or a recorded directory. */
async function captureFetch(
  options: RunOptions,
  redactor: Redactor,
): Promise<{ fetch: PspFetch; replay?: Replay }> {
  if (options.record !== undefined && options.replay !== undefined)
    throw new UsageError('--record and --replay cannot go together');
  const network: PspFetch = (input, init) => fetch(input, init);
  if (options.record !== undefined) {
    // Files are numbered from 0001 each session: a second session in the same place would mix with the first.
    const existing = await readdir(options.record).catch(() => []);
    if (existing.length > 0)
      throw new UsageError(
        `--record ${options.record} is not empty: record each session into a new directory`,
      );
    return { fetch: recordingFetch(network, options.record, redactor) };
  }
  if (options.replay !== undefined) {
    let replay: Replay;
    try {
      replay = await replayingFetch(options.replay, redactor);
    } catch (error) {
      throw new UsageError(
        `cannot read --replay ${options.replay}: ${error instanceof Error ? error.message : error}`,
      );
    }
    return { fetch: replay.fetch, replay };
  }
  return { fetch: network };
}

export async function runConnectorCommand(provider: string, options: RunOptions): Promise<void> {
  await loadConnectors();
  const registration = registrationOf(provider);
  const rawConfig = await readJsonFile(options.config, 'config file');
  const config = connectorConfig(registration, rawConfig);
  const redactor = new Redactor(secretValuesOf(registration, config));
  const { fetch, replay } = await captureFetch(options, redactor);
  const connectorId: ConnectorId = { provider: registration.provider, reference: 'local-run' };
  const context: ConnectorContext = {
    connectorId: 'local-run',
    logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2)),
    fetch,
    clock: systemClock,
  };
  const connector = registration.create(config, context);
  try {
    if (options.write !== undefined) await runWrite(connector, options);
    else await runTree(connector, registration, connectorId, rawConfig, options);
    const unused = replay?.unused().length ?? 0;
    if (unused > 0)
      note(`replay: ${unused} recorded exchanges were not requested (the connector asked for less)`);
  } catch (error) {
    // A replay miss reaches the connector as a failed request, which it may retry or wrap: name it here.
    const miss = replay?.misses[0];
    if (miss) throw new Error(`replay: ${miss.message}`, { cause: error });
    throw error;
  }
}

/** The chain of nodes from a root to the node a selector names, or a usage error listing the nodes. */
function selectNode(workflow: TaskNode[], selector: string): TaskNode[] {
  const all: { path: string; chain: TaskNode[] }[] = [];
  const visit = (nodes: TaskNode[], prefix: string, chain: TaskNode[]) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix}/${node.name}` : node.name;
      all.push({ path, chain: [...chain, node] });
      visit(node.children, path, [...chain, node]);
    }
  };
  visit(workflow, '', []);
  // A path may be written with dots, as the engine's node paths are.
  const exact = all.find((entry) => entry.path === selector.replaceAll('.', '/'));
  if (exact) return exact.chain;
  const last = (entry: { chain: TaskNode[] }) => entry.chain[entry.chain.length - 1];
  for (const matches of [
    (entry: { chain: TaskNode[] }) => last(entry)?.name === selector,
    (entry: { chain: TaskNode[] }) => last(entry)?.type === selector.toUpperCase(),
  ]) {
    const found = all.filter(matches);
    if (found.length === 1 && found[0]) return found[0].chain;
    if (found.length > 1)
      throw new UsageError(
        `--task '${selector}' matches ${found.length} nodes (${found.map((e) => e.path).join(', ')}); give its path`,
      );
  }
  const nodes = all.map((e) => `${e.path} (${last(e)?.type ?? ''})`).join(', ');
  throw new UsageError(`the task tree has no node '${selector}'; its nodes are ${nodes}`);
}

/**
 * Runs the last node of `chain` once per parent item, as the engine would: its ancestors run first from
 * an empty state (every parent item, whatever state was given), unreported.
 */
async function walkOne(
  connector: Connector,
  chain: TaskNode[],
  options: Omit<NodeRunOptions, 'state' | 'fromPayload' | 'path'>,
  states: Map<string, unknown>,
): Promise<NodeRun[]> {
  const target = chain[chain.length - 1];
  if (!target) return [];
  if (!isFetchNode(target))
    throw new UsageError(
      `${target.name} is a ${target.type} node: the runner does not create things at the PSP`,
    );
  let parents: (FromPayload | undefined)[] = [undefined];
  let path = '';
  for (const ancestor of chain.slice(0, -1)) {
    path = path ? `${path}/${ancestor.name}` : ancestor.name;
    if (!isFetchNode(ancestor)) continue;
    const next: FromPayload[] = [];
    for (const parent of parents) {
      const run = await runNode(connector, ancestor, {
        pageSize: options.pageSize,
        path,
        ...(parent ? { fromPayload: parent } : {}),
      });
      next.push(...childPayloads(ancestor, run.items));
    }
    parents = next;
  }
  path = path ? `${path}/${target.name}` : target.name;
  const runs: NodeRun[] = [];
  for (const parent of parents) {
    const key = stateKey(path, parent?.id);
    const run = await runNode(connector, target, {
      ...options,
      path,
      state: states.get(key),
      ...(parent ? { fromPayload: parent } : {}),
    });
    states.set(key, run.state);
    runs.push(run);
  }
  return runs;
}

async function runTree(
  connector: Connector,
  registration: ConnectorRegistration,
  connectorId: ConnectorId,
  rawConfig: unknown,
  options: RunOptions,
): Promise<void> {
  if (options.body !== undefined || options.idempotencyKey !== undefined)
    throw new UsageError('--body and --idempotency-key go with --write');
  const filePageSize = isObject(rawConfig) && typeof rawConfig.pageSize === 'number' ? rawConfig.pageSize : 0;
  const pageSize =
    positive(options.pageSize, '--page-size') ??
    (filePageSize > 0 ? Math.min(filePageSize, registration.pageSize) : registration.pageSize);
  const maxPages = positive(options.pages, '--pages');
  const given = options.state === undefined ? {} : await readState(options.state);
  const { workflow } = await connector.install();
  // The engine refuses a tree it cannot run at install: so does the runner, before any fetch.
  validateTree(workflow);
  const states = checkedStates(registration, workflow, given);
  const chain = options.task === undefined ? undefined : selectNode(workflow, options.task);
  const nodeOptions = {
    pageSize,
    ...(maxPages === undefined ? {} : { maxPages }),
    // Pages go out as they come: a long run shows progress, and a failure keeps what came before it.
    onPage: (event: PageEvent) => {
      const parent = event.fromPayload?.id;
      for (const skipped of skippedOf(connectorId, event))
        note(
          `${event.path}${parent === undefined ? '' : ` (${parent})`}: skipped ${skipped.reference}: ${skipped.reason}`,
        );
      if (!options.json) return;
      for (const item of event.response.items)
        print(`${stringifyJson({ task: event.path, ...(parent === undefined ? {} : { parent }), item })}\n`);
    },
  };
  const runs = chain
    ? await walkOne(connector, chain, nodeOptions, states)
    : (await walkTree(connector, workflow, { ...nodeOptions, states })).runs;
  const state = Object.fromEntries(states);
  if (options.json) {
    print(`${stringifyJson({ state })}\n`);
    return;
  }
  print(renderRuns(runs));
  print(`\nstate (resume with --state):\n${renderJson(state)}`);
}

/** Every node of a tree by its walker path (`fetch_accounts/fetch_balances`). */
function nodesByPath(
  nodes: TaskNode[],
  prefix = '',
  out = new Map<string, TaskNode>(),
): Map<string, TaskNode> {
  for (const node of nodes) {
    const path = prefix ? `${prefix}/${node.name}` : node.name;
    out.set(path, node);
    nodesByPath(node.children, path, out);
  }
  return out;
}

/**
 * The `--state` entries the tree can use, read as the engine reads a saved state: through the
 * registration's state schema for the task type when it declares one (kit typed state), an entry the
 * schema refuses starting its task from scratch, with a note. An entry naming no node is a note too
 * (a typo would otherwise silently start from scratch).
 */
function checkedStates(
  registration: ConnectorRegistration,
  workflow: TaskNode[],
  given: Record<string, unknown>,
): Map<string, unknown> {
  const schemas = registration.state ?? {};
  const nodes = nodesByPath(workflow);
  const states = new Map<string, unknown>();
  for (const [key, value] of Object.entries(given)) {
    const node = nodes.get(key.split('#')[0] ?? key);
    if (!node) {
      note(`--state: '${key}' names no node of the task tree (${[...nodes.keys()].join(', ')}); ignored`);
      continue;
    }
    const schema = schemas[node.type];
    if (!schema) {
      states.set(key, value);
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) states.set(key, parsed.data);
    else note(`--state: '${key}' does not fit the ${node.type} state schema; that task starts from scratch`);
  }
  return states;
}

/** Records left out of a page: those the connector skipped, then those the engine's validation would. */
function skippedOf(connectorId: ConnectorId, event: PageEvent): SkippedRecord[] {
  let engine: SkippedRecord[] = [];
  try {
    engine = mapPage(connectorId, event.node.type, event.response.items).skipped;
  } catch {
    // A task type the engine has no storage for yet: nothing to say about its items.
  }
  return [...(event.response.skipped ?? []), ...engine];
}

const time = (value: unknown) => (value instanceof Date ? value.toISOString() : text(value));

const COLUMNS: Record<string, Column[]> = {
  account: [
    { header: 'reference', value: (r) => text(r.reference) },
    { header: 'name', value: (r) => text(r.name) },
    { header: 'created', value: (r) => time(r.createdAt) },
    { header: 'asset', value: (r) => text(r.defaultAsset) },
    { header: 'metadata', value: (r) => clip(text(r.metadata), 40) },
  ],
  balance: [
    { header: 'account', value: (r) => text(r.accountReference) },
    { header: 'asset', value: (r) => text(r.asset) },
    { header: 'amount', value: (r) => formatMoney(r.amount, r.asset), align: 'right' },
    { header: 'created', value: (r) => time(r.createdAt) },
  ],
  payment: [
    { header: 'reference', value: (r) => text(r.reference) },
    { header: 'type', value: (r) => text(r.type) },
    { header: 'status', value: (r) => text(r.status) },
    { header: 'amount', value: (r) => formatMoney(r.amount, r.asset), align: 'right' },
    { header: 'asset', value: (r) => text(r.asset) },
    { header: 'created', value: (r) => time(r.createdAt) },
    { header: 'source', value: (r) => text(r.sourceAccountReference) },
    { header: 'destination', value: (r) => text(r.destinationAccountReference) },
    { header: 'parent', value: (r) => text(r.parentReference) },
  ],
  other: [
    { header: 'id', value: (r) => text(r.id) },
    { header: 'other', value: (r) => clip(text(r.other), 80) },
  ],
  any: [
    { header: 'reference', value: (r) => text(r.reference) },
    { header: 'created', value: (r) => time(r.createdAt) },
    { header: 'raw', value: (r) => clip(text(r.raw), 80) },
  ],
};

const COLUMNS_BY_TYPE: Record<string, Column[] | undefined> = {
  FETCH_ACCOUNTS: COLUMNS.account,
  FETCH_EXTERNAL_ACCOUNTS: COLUMNS.account,
  FETCH_BALANCES: COLUMNS.balance,
  FETCH_PAYMENTS: COLUMNS.payment,
  FETCH_OTHERS: COLUMNS.other,
};

/** One table per node, its runs for every parent together (with a parent column), in tree order. */
function renderRuns(runs: NodeRun[]): string {
  const paths = [...new Set(runs.map((run) => run.path))];
  return paths
    .map((path) => {
      const ofPath = runs.filter((run) => run.path === path);
      const first = ofPath[0];
      if (!first) return '';
      const pages = ofPath.reduce((sum, run) => sum + run.pages, 0);
      const rows: Row[] = ofPath.flatMap((run) =>
        asRows(run.items).map((item) => ({ ...item, '@parent': run.fromPayload?.id })),
      );
      const more = ofPath.some((run) => run.hasMore) ? ', more remain (stopped by --pages)' : '';
      const parents = first.fromPayload === undefined ? '' : `, ${ofPath.length} parent items`;
      const heading = `${path} (${first.node.type}): ${rows.length} items, ${pages} pages${parents}${more}\n`;
      const base = COLUMNS_BY_TYPE[first.node.type] ?? COLUMNS.any ?? [];
      const columns: Column[] =
        first.fromPayload === undefined
          ? base
          : [{ header: 'parent', value: (r) => text(r['@parent']) }, ...base];
      return heading + (rows.length > 0 ? renderTable(columns, rows) : '');
    })
    .join('\n');
}

async function runWrite(connector: Connector, options: RunOptions): Promise<void> {
  const kind = WRITES[options.write ?? ''];
  if (!kind)
    throw new UsageError(`--write takes one of ${WRITE_KINDS.join(', ')}, not '${options.write ?? ''}'`);
  if (options.body === undefined) throw new UsageError(`--write ${options.write} needs --body: ${kind.body}`);
  if (options.task !== undefined || options.pages !== undefined || options.state !== undefined)
    throw new UsageError('--task, --pages and --state go with a task-tree run, not --write');
  const body = await readJsonFile(options.body, 'body file');
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  let call: (connector: Connector) => Promise<unknown>;
  try {
    call = kind.prepare(body, idempotencyKey);
  } catch (error) {
    if (error instanceof z.ZodError)
      throw new UsageError(`--body ${options.body} is not ${kind.body}:\n${z.prettifyError(error)}`);
    throw error;
  }
  // The engine has installed a connector before it writes through it; so does the runner.
  await connector.install();
  const result = await call(connector);
  const key = kind.idempotent ? { idempotencyKey } : {};
  if (options.json) print(`${stringifyJson({ write: options.write, ...key, result })}\n`);
  else {
    if (kind.idempotent) print(`idempotency key: ${idempotencyKey} (repeat with --idempotency-key)\n`);
    print(renderJson(result));
  }
}
