// `paybridge connector run`: one connector, in this process, no database: its task tree, or one write.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { pino } from 'pino';
import { z } from 'zod';
import { loadConnectors } from '../../connectors/load.js';
import type { ConnectorContext, PspFetch } from '../../connectors/sdk/context.js';
import { systemClock } from '../../connectors/sdk/context.js';
import type { Connector } from '../../connectors/sdk/contract.js';
import { type ConnectorRegistration, findConnector, listConnectors } from '../../connectors/sdk/registry.js';
import {
  Redactor,
  recordingFetch,
  replayingFetch,
  type Replay,
} from '../../connectors/sdk/testing/capture.js';
import { resolveNode, type TaskRun, type TreeState, walkTree } from '../../connectors/sdk/testing/walk.js';
import type { ConnectorId } from '../../domain/ids.js';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { secretFieldsOf } from '../../engine/connector-config.js';
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
async function readState(value: string): Promise<TreeState> {
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
  if (options.record !== undefined) return { fetch: recordingFetch(network, options.record, redactor) };
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
  const secrets = secretFieldsOf(registration)
    .map((key) => config[key])
    .filter((value): value is string => typeof value === 'string');
  const redactor = new Redactor(secrets);
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
  } catch (error) {
    // A replay miss reaches the connector as a failed request, which it may retry or wrap: name it here.
    const miss = replay?.misses[0];
    if (miss) throw new Error(`replay: ${miss.message}`, { cause: error });
    throw error;
  }
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
  const state = options.state === undefined ? undefined : await readState(options.state);
  const { workflow } = await connector.install();
  let only: string | undefined;
  if (options.task !== undefined) {
    try {
      only = resolveNode(workflow, options.task);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const walk = await walkTree({
    connector,
    workflow,
    pageSize,
    connectorId,
    ...(only === undefined ? {} : { only }),
    ...(maxPages === undefined ? {} : { maxPages }),
    ...(state === undefined ? {} : { state }),
    // JSON lines go out as each task run ends: a long run shows progress, and a failure keeps what came.
    onRun: (run) => {
      reportSkipped(run);
      if (options.json) for (const line of jsonLines(run)) print(`${line}\n`);
    },
  });
  if (options.json) {
    print(`${stringifyJson({ state: walk.state })}\n`);
    return;
  }
  print(renderRuns(walk.runs));
  print(`\nstate (resume with --state):\n${renderJson(walk.state)}`);
}

/** Records left out: the connector's own skips and those the engine's validation would make. */
function reportSkipped(run: TaskRun): void {
  for (const skipped of run.skipped) {
    note(`${run.path}: skipped ${skipped.reference}: ${skipped.reason}`);
  }
}

function jsonLines(run: TaskRun): string[] {
  const parent = run.parentId === undefined ? {} : { parent: run.parentId };
  const lines = run.items.map((item) => stringifyJson({ task: run.path, ...parent, item }));
  for (const config of run.webhookConfigs ?? [])
    lines.push(stringifyJson({ task: run.path, ...parent, webhookConfig: config }));
  return lines;
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
  CREATE_WEBHOOKS: COLUMNS.other,
};

/** One table per node, its runs for every parent together (with a parent column), in tree order. */
function renderRuns(runs: TaskRun[]): string {
  const paths = [...new Set(runs.map((run) => run.path))];
  return paths
    .map((path) => {
      const ofPath = runs.filter((run) => run.path === path);
      const first = ofPath[0];
      if (!first) return '';
      const pages = ofPath.reduce((sum, run) => sum + run.pages, 0);
      const rows: Row[] = ofPath.flatMap((run) =>
        asRows(run.items).map((item) => ({ ...item, '@parent': run.parentId })),
      );
      const more = ofPath.some((run) => run.hasMore) ? ', more remain (stopped by --pages)' : '';
      const parents = first.parentId === undefined ? '' : `, ${ofPath.length} parent items`;
      const heading = `${path} (${first.node.type}): ${rows.length} items, ${pages} pages${parents}${more}\n`;
      const base = COLUMNS_BY_TYPE[first.node.type] ?? COLUMNS.any ?? [];
      const columns: Column[] =
        first.parentId === undefined
          ? base
          : [{ header: 'parent', value: (r) => text(r['@parent']) }, ...base];
      const configs = ofPath.flatMap((run) => run.webhookConfigs ?? []);
      const webhookLines = configs.map((c) => `webhook config ${c.name}: ${c.urlPath}\n`).join('');
      return heading + (rows.length > 0 ? renderTable(columns, rows) : '') + webhookLines;
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
