// `paybridge connectors …`: install, list, get, config, uninstall, reset, capabilities, schedules, runs, webhooks.
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { stringifyJson } from '../../domain/json.js';
import type { ApiClient } from '../client.js';
import { ApiError, DeclinedError, NotFoundError, UsageError, WaitFailedError } from '../errors.js';
import {
  clip,
  type Column,
  formatTime,
  renderDetails,
  renderJson,
  hasShortId,
  renderTable,
  type Row,
  text,
  timeColumn,
} from '../output.js';
import { Progress, pollUntil } from '../wait.js';
import {
  asRow,
  asRows,
  contextOf,
  fetchList,
  listCommand,
  type ListOptions,
  note,
  parseTimeout,
  print,
  printData,
  readJsonObjectFile,
  reportTask,
  seg,
  timeoutOption,
  waitFrom,
  type WaitOptions,
  withListOptions,
} from './shared.js';
import { resolveConnector } from './resolve.js';

const connectorColumns: Column[] = [
  { header: 'name', value: (r) => text(r.name) },
  { header: 'provider', value: (r) => text(r.provider) },
  timeColumn('created', (r) => r.createdAt),
  { header: 'status', value: (r) => (r.scheduledForDeletion === true ? 'uninstalling' : 'installed') },
  { header: 'id', value: (r) => text(r.id), id: true },
];

/** A schedule's newest run in one word: what a person scanning a health view needs first. */
function runState(schedule: Row): string {
  if (schedule.pausedAt) return 'paused';
  const run = asRow(schedule.lastRun);
  if (!run.id) return 'not run yet';
  if (!run.terminatedAt) return 'running';
  return run.error ? 'failed' : 'succeeded';
}

/**
 * The schedule's task type, with its node's name when that says more (Increase reads three lists, each a
 * FETCH_PAYMENTS node). The id is `<connector>-<node path>[-<parent item>]`, node names [a-z0-9_].
 */
export function scheduleTask(schedule: Row): string {
  const type = text(schedule.taskType);
  const id = text(schedule.id);
  const prefix = `${text(schedule.connectorID)}-`;
  if (!id.startsWith(prefix)) return type;
  const node = id.slice(prefix.length).split('-')[0]?.split('.').at(-1) ?? '';
  return node === '' || node === type.toLowerCase() ? type : `${type} (${node})`;
}

const scheduleColumns: Column[] = [
  { header: 'task', value: scheduleTask },
  { header: 'last run', value: runState },
  { header: 'items', value: (r) => text(asRow(r.lastRun).items), align: 'right' },
  { header: 'failures', value: (r) => text(r.consecutiveFailures), align: 'right' },
  timeColumn('next run', (r) => r.nextRunAt),
  { header: 'error', value: (r) => clip(text(r.pausedReason ?? asRow(r.lastRun).error), 40) },
  { header: 'id', value: (r) => text(r.id), id: true },
];

const instanceColumns: Column[] = [
  timeColumn('started', (r) => r.createdAt),
  timeColumn('ended', (r) => r.terminatedAt),
  { header: 'pages', value: (r) => text(r.pages), align: 'right' },
  { header: 'items', value: (r) => text(r.items), align: 'right' },
  { header: 'skipped', value: (r) => text(r.skippedRecords), align: 'right' },
  { header: 'error', value: (r) => clip(text(r.error), 40) },
  { header: 'warnings', value: (r) => warningsSummary(r.warnings) },
  { header: 'id', value: (r) => text(r.id), id: true },
];

/** A run's warnings in one cell: the first, clipped, and how many more (all of them with --json). */
function warningsSummary(value: unknown): string {
  const warnings = Array.isArray(value) ? value.map((warning) => text(warning)) : [];
  const [first] = warnings;
  if (first === undefined) return '-';
  return clip(first) + (warnings.length > 1 ? ` (+${warnings.length - 1} more)` : '');
}

const webhookColumns: Column[] = [
  timeColumn('received', (r) => r.receivedAt),
  { header: 'config', value: (r) => text(r.config) },
  { header: 'status', value: (r) => text(r.status) },
  { header: 'attempts', value: (r) => text(r.attempts), align: 'right' },
  { header: 'error', value: (r) => clip(text(r.error), 40) },
  { header: 'id', value: (r) => text(r.id), id: true },
];

/** A config as `key: value` lines; secrets arrive masked from the API and are shown as they came. */
function renderConfig(config: unknown): string {
  const row = asRow(config);
  return renderDetails(Object.entries(row).map(([key, value]) => [key, text(value)]));
}

/**
 * There is no GET /connectors/{id}: the list filtered on the id is the way to read one. Named by its id or
 * its name (unique), like every connector argument.
 */
async function findConnector(client: ApiClient, idOrName: string): Promise<Row> {
  const id = await resolveConnector(client, idOrName);
  const page = await client.page('/connectors', { query: stringifyJson({ $match: { id } }) });
  const found = asRows(page.items).find((row) => row.id === id);
  if (!found) {
    throw new NotFoundError(
      `no connector with id or name '${clip(idOrName)}'\nhint: list them with \`paybridge connectors list\``,
    );
  }
  return found;
}

/**
 * A schedule argument: its full id, or the short id a schedules table shows. Schedule ids are long
 * (`<stack>-<connector id>-FETCH_BALANCES-<parent>`) and never pure hex, so hex text is a short id, and is
 * matched exactly against every schedule of that one connector: one match is the answer, several are
 * refused with the candidates, none is "not found".
 */
async function scheduleArg(client: ApiClient, connectorID: string, value: string): Promise<string> {
  if (!/^[0-9a-f]{8,64}$/i.test(value)) return value;
  const wanted = value.toLowerCase();
  const schedules = await listSchedules(client, connectorID);
  const found = schedules.filter((schedule) => hasShortId(text(schedule.id), wanted));
  const [only] = found;
  if (only === undefined) {
    throw new NotFoundError(
      `no schedule with id or short id '${value}' at this connector\n` +
        'hint: list them with `paybridge connectors schedules <connector>` (--wide for full ids)',
    );
  }
  if (found.length > 1) {
    throw new UsageError(
      `short id '${value}' fits ${found.length} schedules:\n${renderTable(scheduleColumns, found, { wide: true })}` +
        'hint: give more digits, or the full id',
    );
  }
  return text(only.id);
}

/** A connector argument (id or name) as the id the API's paths take. */
async function connectorArg(command: Command, idOrName: string): Promise<string> {
  return resolveConnector(contextOf(command).client, idOrName);
}

async function listSchedules(client: ApiClient, connectorID: string): Promise<Row[]> {
  const list = await fetchList(client, `/connectors/${seg(connectorID)}/schedules`, {
    all: true,
    pageSize: '100',
  });
  return asRows(list.items);
}

const count = (value: unknown) => (typeof value === 'number' ? value : 0);

/**
 * Waits until every schedule of a new connector has finished a first run. Child schedules (one per
 * fetched account, …) appear while their parents run, so the total can grow; it is final once every
 * schedule known has run. A failed or paused run ends the wait with exit code 6: the connector stays
 * installed and keeps retrying, but a script should not carry on as if data were there.
 */
async function waitForFirstSync(client: ApiClient, connectorID: string, timeoutMs: number): Promise<void> {
  const progress = new Progress();
  /** Schedule id → items of its first finished run. */
  const done = new Map<string, number>();
  /** Schedule id → the run seen in progress when the schedule was first seen. */
  const firstSeenRun = new Map<string, string>();
  let summary = '';
  /** Schedules counted by the previous poll when all were done, else -1. */
  let doneBefore = -1;
  const fail = (schedule: Row, reason: string): never => {
    progress.finish(`first sync: ${summary}`);
    throw new WaitFailedError(
      `first sync of connector '${connectorID}' failed: schedule ${text(schedule.id)} (${text(schedule.taskType)}) ${reason}`,
    );
  };
  await pollUntil(`the first sync of connector '${connectorID}'`, timeoutMs, async () => {
    const schedules = await listSchedules(client, connectorID);
    let items = 0;
    for (const schedule of schedules) {
      const id = text(schedule.id);
      const run = asRow(schedule.lastRun);
      if (schedule.pausedAt) fail(schedule, `paused: ${text(schedule.pausedReason)}`);
      if (run.terminatedAt && run.error) fail(schedule, `run ${text(run.id)} failed: ${text(run.error)}`);
      if (!done.has(id) && count(schedule.consecutiveFailures) > 0) {
        fail(schedule, `failed ${count(schedule.consecutiveFailures)} time(s)`);
      }
      if (!done.has(id) && run.id) {
        const runId = text(run.id);
        const seen = firstSeenRun.get(id);
        if (run.terminatedAt) done.set(id, count(run.items));
        else if (seen !== undefined && seen !== runId) done.set(id, 0);
        else if (seen === undefined) {
          firstSeenRun.set(id, runId);
          // First seen mid-run: only its history tells whether an earlier run already finished.
          const history = await client.page(
            `/connectors/${seg(connectorID)}/schedules/${seg(id)}/instances`,
            {
              pageSize: '2',
            },
          );
          const earlier = asRows(history.items).find(
            (instance) => instance.id !== runId && instance.terminatedAt,
          );
          if (earlier?.error) fail(schedule, `run ${text(earlier.id)} failed: ${text(earlier.error)}`);
          if (earlier) done.set(id, count(earlier.items));
        }
      }
      items += done.get(id) ?? count(run.items);
    }
    const finished = schedules.filter((s) => done.has(text(s.id))).length;
    summary = `${finished}/${schedules.length} schedules done, ${items} items`;
    progress.update(`first sync: ${summary}`);
    // The listing takes several pages, and a child schedule created meanwhile can sort before the
    // cursor: two polls in a row must agree that everything is done before the wait ends.
    const allDone = finished === schedules.length;
    const confirmed = allDone && doneBefore === schedules.length;
    doneBefore = allDone ? schedules.length : -1;
    return confirmed ? true : undefined;
  }).catch((error: unknown) => {
    if (!(error instanceof WaitFailedError)) progress.finish(`first sync: ${summary}`);
    throw error;
  });
  progress.finish(`first sync done: ${summary}`);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What an uninstall or a reset deletes, from the counts route, for a person to read before saying yes.
 * Processed initiations are called out: their record is the only trace in Paybridge of money that moved.
 */
export function describeDeletion(connector: Row, countsData: unknown, action: 'uninstall' | 'reset'): string {
  const counts = asRow(countsData);
  const n = (value: unknown) => (typeof value === 'number' ? value : 0);
  const pis = asRow(counts.paymentInitiations);
  const processed = n(pis.processed);
  const inFlight = n(pis.inFlight);
  const who = `connector '${text(connector.name)}' (${text(connector.provider)})`;
  const head =
    action === 'uninstall'
      ? `Uninstalling ${who} deletes everything Paybridge holds for it:`
      : `Resetting ${who} reinstalls it under a new id with the same config,\nand deletes everything Paybridge holds for the old one:`;
  const piDetail = [
    processed > 0 ? `${processed} processed at the PSP` : '',
    inFlight > 0 ? `${inFlight} being sent to the PSP` : '',
    n(pis.waitingForValidation) > 0 ? `${n(pis.waitingForValidation)} waiting for validation` : '',
  ].filter(Boolean);
  const rows: [string, number, string][] = [
    [
      'accounts',
      n(counts.accounts),
      `with ${plural(n(counts.balances), 'balance entry', 'balance entries')}`,
    ],
    [
      'payments',
      n(counts.payments),
      `with ${plural(n(counts.paymentAdjustments), 'status-history entry', 'status-history entries')}`,
    ],
    ['payment initiations', n(pis.total), piDetail.join(', ')],
    ['bank-account links', n(counts.bankAccountLinks), 'the bank accounts themselves stay'],
    ['pool memberships', n(counts.poolMemberships), 'the pools themselves stay'],
    ['orders', n(counts.orders), ''],
    ['conversions', n(counts.conversions), ''],
    ['schedules', n(counts.schedules), ''],
    ['webhook deliveries', n(counts.webhooks), ''],
  ];
  const width = Math.max(...rows.map(([, count]) => String(count).length));
  const lines = rows
    .filter(([label, count]) => count > 0 || ['accounts', 'payments', 'payment initiations'].includes(label))
    .map(
      ([label, count, detail]) =>
        `  ${label.padEnd(20)} ${String(count).padStart(width)}${detail && count > 0 ? `  (${detail})` : ''}`,
    );
  const warnings: string[] = [];
  if (processed > 0) {
    warnings.push(
      `WARNING: ${plural(processed, 'payment initiation was', 'payment initiations were')} PROCESSED at the ` +
        `PSP: money has moved, and the ${action}\n` +
        `deletes Paybridge's record of ${processed === 1 ? 'it' : 'them'} (the PSP keeps its own).\n` +
        'Export first: paybridge payment-initiations list --all --json',
    );
  }
  if (inFlight > 0) {
    warnings.push(
      `WARNING: ${plural(inFlight, 'payment initiation is', 'payment initiations are')} being sent to the PSP ` +
        'now:\nthe money may still move, and Paybridge will not record the outcome.',
    );
  }
  return [head, ...lines, ...warnings].join('\n');
}

/**
 * Says what an uninstall or a reset deletes (on stderr), then asks, unless `--yes`. Without a terminal to
 * ask on, it refuses (exit 2) rather than deleting on nobody's word.
 */
async function confirmDeletion(
  client: ApiClient,
  connector: Row,
  action: 'uninstall' | 'reset',
  yes: boolean,
): Promise<void> {
  try {
    const counts = await client.data('GET', `/connectors/${seg(text(connector.id))}/counts`);
    note(describeDeletion(connector, counts, action));
  } catch (error) {
    // A server from before the counts route: the question is still asked, without the numbers.
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    note(
      `The ${action} of connector '${text(connector.name)}' deletes its accounts, payments and payment ` +
        'initiations\n(this server cannot count them).',
    );
  }
  if (yes) return;
  const name = text(connector.name);
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `not confirmed: stdin is not a terminal, so the ${action} of connector '${name}' cannot be asked ` +
        'about; pass --yes to go ahead',
    );
  }
  const answer = await ask(`${action === 'uninstall' ? 'Uninstall' : 'Reset'} connector '${name}'? [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) {
    throw new DeclinedError(`${action} of connector '${name}' not confirmed: nothing was deleted`);
  }
}

async function ask(question: string): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await prompt.question(question);
  } finally {
    prompt.close();
  }
}

export function registerConnectorCommands(program: Command): void {
  const connectors = program.command('connectors').description('install and operate connectors');

  connectors
    .command('install')
    .description('install a connector from a JSON config file (- reads stdin)')
    .argument('<provider>', 'provider, e.g. generic, dummypay')
    .argument('<config>', 'config file (JSON), or - for stdin')
    .option('--wait', 'wait until every schedule has finished a first run, showing progress')
    .addOption(timeoutOption())
    .action(
      async (
        provider: string,
        file: string,
        options: { wait?: boolean; timeout: string },
        command: Command,
      ) => {
        const context = contextOf(command);
        const timeoutMs = parseTimeout(options.timeout);
        const config = await readJsonObjectFile(file);
        // The file is sent as written, so big integers and key order reach the API unchanged.
        const id = text(
          await context.client.data('POST', `/connectors/install/${seg(provider.toLowerCase())}`, {
            body: config.text,
          }),
        );
        if (context.json) print(renderJson(id));
        else print(` SUCCESS  ${provider}: connector '${id}' installed!\n`);
        if (options.wait) await waitForFirstSync(context.client, id, timeoutMs);
      },
    );

  withListOptions(connectors.command('list').description('list installed connectors')).action(
    (options: ListOptions, command: Command) =>
      listCommand(command, '/connectors', options, connectorColumns, 'connectors'),
  );

  connectors
    .command('get')
    .description('show one connector')
    .argument('<connector>', 'connector id, or name')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const connector = await findConnector(context.client, id);
      printData(context, connector, () =>
        renderDetails([
          ['ID', text(connector.id)],
          ['Name', text(connector.name)],
          ['Provider', text(connector.provider)],
          ['Reference', text(connector.reference)],
          ['Created', formatTime(connector.createdAt)],
          ['Updated', formatTime(connector.updatedAt)],
          ['Status', connector.scheduledForDeletion === true ? 'uninstalling' : 'installed'],
          ['Capabilities', Array.isArray(connector.capabilities) ? connector.capabilities.join(', ') : '-'],
          ['Config', renderConfig(connector.config).trimEnd()],
        ]),
      );
    });

  const config = connectors.command('config').description("read or replace a connector's config");
  config
    .command('get')
    .argument('<connector>', 'connector id, or name')
    .description('show the config (secrets masked)')
    .action(async (name: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const id = await connectorArg(command, name);
      const data = await context.client.data('GET', `/connectors/${seg(id)}/config`);
      printData(context, data, renderConfig);
    });
  config
    .command('update')
    .description('replace the config with a file (the whole config, validated like an install)')
    .argument('<connector>', 'connector id, or name')
    .argument('<config>', 'config file (JSON), or - for stdin')
    .action(async (name: string, file: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const body = await readJsonObjectFile(file);
      const id = await connectorArg(command, name);
      await context.client.request('PATCH', `/connectors/${seg(id)}/config`, { body: body.text });
      if (!context.json) print(`connector '${name}' config updated\n`);
    });

  connectors
    .command('uninstall')
    .description(
      'uninstall a connector and delete its data (in the background), after saying what goes and asking',
    )
    .argument('<connector>', 'connector id, or name')
    .option('--yes', 'do not ask for confirmation (scripts; needed when stdin is not a terminal)')
    .option('--wait', 'wait until the uninstall task has finished, showing progress')
    .addOption(timeoutOption())
    .action(async (name: string, options: WaitOptions & { yes?: boolean }, command: Command) => {
      const context = contextOf(command);
      const waitMs = waitFrom(options);
      const connector = await findConnector(context.client, name);
      const id = text(connector.id);
      await confirmDeletion(context.client, connector, 'uninstall', options.yes === true);
      const data = asRow(await context.client.data('DELETE', `/connectors/${seg(id)}`));
      await reportTask(
        context,
        data,
        text(data.taskID),
        `uninstall of connector '${text(connector.name)}'`,
        'uninstall',
        waitMs,
      );
    });

  connectors
    .command('reset')
    .description(
      'reinstall a connector under a new id with the same config, deleting the old data (asks first)',
    )
    .argument('<connector>', 'connector id, or name')
    .option('--yes', 'do not ask for confirmation (scripts; needed when stdin is not a terminal)')
    .option('--wait', 'wait until the reset task has finished, showing progress')
    .addOption(timeoutOption())
    .action(async (name: string, options: WaitOptions & { yes?: boolean }, command: Command) => {
      const context = contextOf(command);
      const waitMs = waitFrom(options);
      const connector = await findConnector(context.client, name);
      const id = text(connector.id);
      await confirmDeletion(context.client, connector, 'reset', options.yes === true);
      // Reset answers a bare task id, where uninstall answers {taskID}.
      const data = await context.client.data('POST', `/connectors/${seg(id)}/reset`);
      await reportTask(
        context,
        data,
        text(data),
        `reset of connector '${text(connector.name)}'`,
        'reset',
        waitMs,
        'new connector',
      );
    });

  connectors
    .command('capabilities')
    .description("a connector's capabilities, or every provider's without an id")
    .argument('[connector]', 'connector id, or name')
    .action(async (name: string | undefined, _options: object, command: Command) => {
      const context = contextOf(command);
      if (name !== undefined) {
        const id = await connectorArg(command, name);
        const data = await context.client.data('GET', `/connectors/${seg(id)}/capabilities`);
        printData(context, data, (list) =>
          Array.isArray(list) ? list.map((c) => `${text(c)}\n`).join('') : '',
        );
        return;
      }
      const data = asRow(await context.client.data('GET', '/connectors/capabilities'));
      printData(context, data, () =>
        renderTable(
          [
            { header: 'provider', value: (r) => text(r.provider) },
            { header: 'capabilities', value: (r) => text(r.capabilities) },
          ],
          Object.entries(data).map(([provider, list]) => ({
            provider,
            capabilities: Array.isArray(list) ? list.join(', ') : '',
          })),
        ),
      );
    });

  connectors
    .command('configs')
    .description("each provider's config parameters (type, required, default)")
    .argument('[provider]', 'only this provider')
    .action(async (provider: string | undefined, _options: object, command: Command) => {
      const context = contextOf(command);
      const all = asRow(await context.client.data('GET', '/connectors/configs'));
      const chosen = provider === undefined ? all : { [provider]: all[provider.toLowerCase()] };
      if (provider !== undefined && chosen[provider] === undefined) {
        throw new ApiError(404, 'NOT_FOUND', `no provider '${provider}' (see paybridge connectors configs)`);
      }
      const rows = Object.entries(chosen).flatMap(([name, parameters]) =>
        Object.entries(asRow(parameters)).map(([parameter, entry]) => ({
          provider: name,
          parameter,
          ...asRow(entry),
        })),
      );
      printData(context, provider === undefined ? all : chosen[provider], () =>
        renderTable(
          [
            { header: 'provider', value: (r) => text(r.provider) },
            { header: 'parameter', value: (r) => text(r.parameter) },
            { header: 'type', value: (r) => text(r.dataType) },
            { header: 'required', value: (r) => (r.required === true ? 'yes' : 'no') },
            { header: 'default', value: (r) => text(r.defaultValue) },
            // Secret parameters are stored sealed and read back masked.
            { header: 'secret', value: (r) => (r.secret === true ? 'yes' : 'no') },
          ],
          rows,
        ),
      );
    });

  withListOptions(
    connectors
      .command('schedules')
      .description("a connector's schedules and the state of their newest run, or one schedule")
      .argument('<connector>', 'connector id, or name')
      .argument('[schedule]', 'schedule id, or its short id from the schedules table'),
  ).action(async (name: string, scheduleID: string | undefined, options: ListOptions, command: Command) => {
    const id = await connectorArg(command, name);
    if (scheduleID === undefined) {
      await listCommand(command, `/connectors/${seg(id)}/schedules`, options, scheduleColumns, 'schedules');
      return;
    }
    const context = contextOf(command);
    const scheduleId = await scheduleArg(context.client, id, scheduleID);
    const schedule = asRow(
      await context.client.data('GET', `/connectors/${seg(id)}/schedules/${seg(scheduleId)}`),
    );
    const run = asRow(schedule.lastRun);
    printData(context, schedule, () =>
      renderDetails([
        ['ID', text(schedule.id)],
        ['Connector', text(schedule.connectorID)],
        ['Task', text(schedule.taskType)],
        ['Created', formatTime(schedule.createdAt)],
        ['Next run', formatTime(schedule.nextRunAt)],
        ['Failures in a row', text(schedule.consecutiveFailures)],
        [
          'Paused',
          schedule.pausedAt ? `${formatTime(schedule.pausedAt)}: ${text(schedule.pausedReason)}` : 'no',
        ],
        ['Last run', run.id ? `${text(run.id)} (${runState(schedule)})` : '-'],
        ['  started', formatTime(run.createdAt)],
        ['  ended', formatTime(run.terminatedAt)],
        ['  items', text(run.items)],
        ['  skipped', text(run.skippedRecords)],
        ['  error', text(run.error)],
        [
          '  warnings',
          Array.isArray(run.warnings) && run.warnings.length > 0 ? run.warnings.map(text).join('\n') : '-',
        ],
      ]),
    );
  });

  withListOptions(
    connectors
      .command('instances')
      .description("a schedule's runs (newest first): pages, items, skipped records, errors, warnings")
      .argument('<connector>', 'connector id, or name')
      .argument('<schedule>', 'schedule id, or its short id from the schedules table'),
    false,
  ).action(async (name: string, scheduleID: string, options: ListOptions, command: Command) => {
    const id = await connectorArg(command, name);
    const scheduleId = await scheduleArg(contextOf(command).client, id, scheduleID);
    await listCommand(
      command,
      `/connectors/${seg(id)}/schedules/${seg(scheduleId)}/instances`,
      options,
      instanceColumns,
      'runs',
    );
  });

  connectors
    .command('resume')
    .description('resume a schedule paused after repeated failures')
    .argument('<connector>', 'connector id, or name')
    .argument('<schedule>', 'schedule id, or its short id from the schedules table')
    .action(async (name: string, scheduleID: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const id = await connectorArg(command, name);
      const scheduleId = await scheduleArg(context.client, id, scheduleID);
      await context.client.request('POST', `/connectors/${seg(id)}/schedules/${seg(scheduleId)}/resume`);
      if (!context.json) print(`schedule '${scheduleID}' resumed\n`);
    });

  withListOptions(
    connectors
      .command('webhooks')
      .description('webhook deliveries received for a connector and what became of them')
      .argument('<connector>', 'connector id, or name'),
  ).action(async (name: string, options: ListOptions, command: Command) => {
    const id = await connectorArg(command, name);
    await listCommand(
      command,
      `/connectors/${seg(id)}/webhooks`,
      options,
      webhookColumns,
      'webhook deliveries',
    );
  });
}
