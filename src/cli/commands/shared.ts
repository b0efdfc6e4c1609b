// What every API-client command shares: the global options, list paging, input files, exact amounts.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { parseDuration } from '../../domain/duration.js';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { ApiClient, type Credentials, DEFAULT_SERVER, isRecord } from '../client.js';
import { UsageError } from '../errors.js';
import { type Column, renderJson, renderTable, type Row, text } from '../output.js';
import { waitForTask } from '../wait.js';

export interface Context {
  client: ApiClient;
  json: boolean;
  /** `--wide`: tables show full ids. */
  wide: boolean;
}

export interface GlobalOptions {
  server?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  json?: boolean;
  wide?: boolean;
}

/** The global options (`--server`, the credentials, `--json`), wherever they were typed, then the environment. */
export function contextOf(command: Command): Context {
  const options = command.optsWithGlobals<GlobalOptions>();
  const server = options.server ?? (process.env.PAYBRIDGE_URL || DEFAULT_SERVER);
  const credentials = credentialsFrom(options, process.env);
  return {
    client: new ApiClient({ server, ...(credentials ? { credentials } : {}) }),
    json: options.json === true,
    wide: options.wide === true,
  };
}

/**
 * The credentials to use. A token given as is wins over client credentials given the same way, and what
 * was typed on the command line wins over the environment (a stale PAYBRIDGE_TOKEN does not hide the
 * --client-id typed now). Half of a pair is a usage error, whichever half is missing.
 */
export function credentialsFrom(
  options: GlobalOptions,
  env: Record<string, string | undefined>,
): Credentials | undefined {
  const typed = (value: string | undefined) => (value === '' ? undefined : value);
  const fromEnv = (name: string) => env[name] || undefined;
  const flagToken = typed(options.token);
  if (flagToken) return { kind: 'token', token: flagToken };
  const flagClient = typed(options.clientId) !== undefined || typed(options.clientSecret) !== undefined;
  const envToken = fromEnv('PAYBRIDGE_TOKEN');
  if (!flagClient && envToken) return { kind: 'token', token: envToken };
  const clientId = typed(options.clientId) ?? fromEnv('PAYBRIDGE_CLIENT_ID');
  const clientSecret = typed(options.clientSecret) ?? fromEnv('PAYBRIDGE_CLIENT_SECRET');
  if (clientId === undefined && clientSecret === undefined) return undefined;
  if (clientId === undefined)
    throw new UsageError('a client secret needs a client id: --client-id or PAYBRIDGE_CLIENT_ID');
  if (clientSecret === undefined)
    throw new UsageError(
      `client id '${clientId}' needs its secret: PAYBRIDGE_CLIENT_SECRET (or --client-secret)`,
    );
  const tokenUrl = typed(options.tokenUrl) ?? fromEnv('PAYBRIDGE_TOKEN_URL');
  return { kind: 'client', clientId, clientSecret, ...(tokenUrl ? { tokenUrl } : {}) };
}

/** Writes to stdout: what a script may read. */
export function print(text: string): void {
  process.stdout.write(text);
}

/** Writes to stderr: notes for a person (hints, progress) that must not pollute piped output. */
export function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Answers the `{data}` of a single object: JSON as the API sent it, or the given rendering. */
export function printData(context: Context, data: unknown, render: (data: unknown) => string): void {
  print(context.json ? renderJson(data) : render(data));
}

export function asRow(value: unknown): Row {
  return isRecord(value) ? value : {};
}

export function asRows(value: unknown): Row[] {
  return Array.isArray(value) ? value.map(asRow) : [];
}

// ---------------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------------

export interface ListOptions {
  query?: string;
  pageSize?: string;
  cursor?: string;
  all?: boolean;
}

/** `--query`, `--page-size`, `--cursor` and `--all`, as every list endpoint accepts them. */
export function withListOptions(command: Command, filter = true): Command {
  if (filter) {
    command.option(
      '--query <json>',
      'filter in the API\'s filter language, e.g. \'{"$match":{"type":"INTERNAL"}}\'',
    );
  }
  return command
    .option('--page-size <n>', 'items per page (the API caps it at 100)')
    .option('--cursor <cursor>', 'continue from a cursor printed by a previous call')
    .option('--all', 'fetch every page, following the cursors');
}

/**
 * Fetches one page, or every page with `--all`. The filter text is validated as JSON but sent unchanged,
 * so the server's filter language (and its integer exactness) applies as documented.
 */
export async function fetchList(
  client: ApiClient,
  path: string,
  options: ListOptions,
  params: Record<string, string | undefined> = {},
): Promise<{ items: unknown[]; next?: string }> {
  if (options.query !== undefined) parseJsonObject(options.query, '--query');
  const pageSize =
    options.pageSize === undefined ? undefined : positiveInteger(options.pageSize, '--page-size');
  const items: unknown[] = [];
  let cursor = options.cursor;
  for (;;) {
    const page = await client.page(
      path,
      cursor === undefined
        ? { ...params, query: options.query, pageSize: pageSize === undefined ? undefined : String(pageSize) }
        : { cursor },
    );
    items.push(...page.items);
    if (!page.hasMore || page.next === undefined) return { items };
    if (!options.all) return { items, next: page.next };
    cursor = page.next;
  }
}

/**
 * Prints a list: a JSON array of the items fetched (all pages with `--all`), or a table. When more pages
 * remain, how to get them goes to stderr, so the JSON on stdout stays a plain array.
 */
export function printList(
  context: Pick<Context, 'json'> & { wide?: boolean },
  list: { items: unknown[]; next?: string },
  columns: Column[],
  noun: string,
  /** What to do about an empty list, said after it. */
  emptyHint?: string,
): void {
  if (context.json) print(renderJson(list.items));
  else if (list.items.length === 0) note(`no ${noun} found${emptyHint ? ` (${emptyHint})` : ''}`);
  else print(renderTable(columns, asRows(list.items), { wide: context.wide }));
  if (list.next !== undefined) note(`more ${noun}: add --cursor ${list.next} (or --all)`);
}

export async function listCommand(
  command: Command,
  path: string,
  options: ListOptions,
  columns: Column[],
  noun: string,
  params: Record<string, string | undefined> = {},
): Promise<void> {
  const context = contextOf(command);
  const list = await fetchList(context.client, path, options, params);
  // A table names each row's connector (two connectors of one provider are common); JSON stays the API's.
  if (!context.json && columns.some((column) => column.header === 'connector')) {
    list.items = await withConnectorNames(context.client, asRows(list.items));
  }
  printList(context, list, columns, noun);
}

/** Connector id → name (the first page of connectors covers any ordinary installation). */
export async function connectorNames(client: ApiClient): Promise<Map<string, string>> {
  try {
    const page = await client.page('/connectors', { pageSize: '100' });
    return new Map(asRows(page.items).map((row) => [text(row.id), text(row.name)]));
  } catch {
    // Names are a convenience: without them the column falls back to the provider.
    return new Map();
  }
}

/** Rows with `connectorName` added, for the `connector` column of a table. */
export async function withConnectorNames(client: ApiClient, rows: Row[]): Promise<Row[]> {
  if (rows.length === 0) return rows;
  const names = await connectorNames(client);
  return rows.map((row) => {
    const name = names.get(text(row.connectorID));
    return name === undefined ? row : { ...row, connectorName: name };
  });
}

/** The `connector` column: the connector's name, or its provider when the name is unknown. */
export const connectorColumn: Column = {
  header: 'connector',
  value: (r) => text(r.connectorName ?? r.provider),
};

// ---------------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------------

/** A path segment: ids are base64url or UUIDs, but a pasted id must never change the path. */
export function seg(id: string): string {
  return encodeURIComponent(id);
}

/** Reads a JSON object from a file, or from stdin for `-`; answers its text unchanged (for exactness) too. */
export async function readJsonObjectFile(
  path: string,
): Promise<{ text: string; value: Record<string, unknown> }> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { text, value: parseJsonObject(text, path === '-' ? 'stdin' : path) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw new UsageError(
      `${what} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isRecord(value)) throw new UsageError(`${what} must be a JSON object`);
  return value;
}

/**
 * An amount in minor units, exact at any size. Decimals are refused rather than guessed: `10.50` could
 * mean 1050 cents or a mistake, and only the asset's precision can tell.
 */
export function parseAmount(text: string, flag = '--amount'): bigint {
  if (!/^\d+$/.test(text.trim())) {
    throw new UsageError(
      `${flag} must be a whole number of minor units (e.g. 1050 for 10.50 EUR/2), got '${text}'`,
    );
  }
  return BigInt(text.trim());
}

export function positiveInteger(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${flag} must be a positive integer, got '${text}'`);
  }
  return value;
}

/** `--timeout` takes a Go duration (`90s`, `10m`), like every duration in Paybridge's configuration. */
export function timeoutOption(defaultValue = '10m'): Option {
  return new Option('--timeout <duration>', 'how long to wait (Go duration: 90s, 10m)').default(defaultValue);
}

export function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    throw new UsageError(`--timeout must be a duration such as 90s or 10m, got '${text}'`);
  return ms;
}

/** Metadata as `key=value` lines, for a detail view. */
export function metadataText(value: unknown): string {
  const entries = Object.entries(asRow(value));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${text(v)}`).join('\n');
}

/** `--metadata key=value`, repeatable. */
export function collectPairs(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseMetadata(pairs: string[] | undefined): Record<string, string> | undefined {
  if (pairs === undefined || pairs.length === 0) return undefined;
  const metadata: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`metadata must be key=value, got '${pair}'`);
    metadata[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return metadata;
}

/** The body of a create command: `--file` as written, or the object built from flags (bigints exact). */
export async function bodyFrom(
  file: string | undefined,
  build: () => Record<string, unknown>,
): Promise<string> {
  if (file !== undefined) return (await readJsonObjectFile(file)).text;
  return stringifyJson(build());
}

/** A flag a create command needs when no `--file` is given. */
export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === '')
    throw new UsageError(`${flag} is required (or give the whole body with --file)`);
  return value;
}

export interface WaitOptions {
  wait?: boolean;
  timeout: string;
}

/**
 * `--wait` as the milliseconds to wait, or undefined without it. Read before the request is sent, so a
 * bad `--timeout` is refused before any work starts.
 */
export function waitFrom(options: WaitOptions): number | undefined {
  const timeoutMs = parseTimeout(options.timeout);
  return options.wait ? timeoutMs : undefined;
}

/**
 * Prints a started background task and, with `--wait` (`waitMs`), follows it to its end, its progress
 * named `label`. JSON prints the API's answer, or the finished task when waiting; text prints the task
 * id so a person can look it up later.
 */
export async function reportTask(
  context: Context,
  answer: unknown,
  taskID: string,
  what: string,
  label: string,
  waitMs: number | undefined,
  /** What the task's createdObjectID is, when worth showing (reset: the new connector). */
  createdLabel?: string,
): Promise<void> {
  if (waitMs === undefined) {
    print(context.json ? renderJson(answer) : `${what} started: task ${taskID}\n`);
    return;
  }
  if (!context.json) note(`${what} started: task ${taskID}`);
  const task = await waitForTask(context.client, taskID, label, waitMs);
  if (context.json) print(renderJson(task.raw));
  else {
    const created = task.createdObjectID ?? '';
    const shown = createdLabel && created ? ` (${createdLabel} '${created}')` : '';
    print(`${what} done: task ${taskID} SUCCEEDED${shown}\n`);
    // A succeeded task may carry a warning (e.g. the PSP-side cleanup of an uninstall failed).
    if (task.error) note(`warning: ${task.error}`);
  }
}
