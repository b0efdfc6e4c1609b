// `paybridge payment-initiations …`: transfers and payouts initiated through Paybridge, and their lifecycle.
import type { Command } from 'commander';
import { UsageError, WaitFailedError } from '../errors.js';
import { describeInitiation, majorUnitsIn } from '../movements.js';
import {
  type Column,
  formatMoney,
  formatTime,
  renderDetails,
  renderJson,
  type Row,
  text,
  timeColumn,
} from '../output.js';
import { relatedPayments, waitForMovement } from '../wait.js';
import { paymentColumns } from './data.js';
import { getByIdOrName, KINDS } from './resolve.js';
import {
  connectorColumn,
  asRow,
  bodyFrom,
  collectPairs,
  type Context,
  contextOf,
  listCommand,
  type ListOptions,
  parseAmount,
  parseMetadata,
  note,
  print,
  printData,
  required,
  seg,
  timeoutOption,
  waitFrom,
  type WaitOptions,
  withListOptions,
} from './shared.js';

const initiationColumns: Column[] = [
  { header: 'reference', value: (r) => text(r.reference) },
  { header: 'type', value: (r) => text(r.type) },
  { header: 'status', value: (r) => text(r.status) },
  { header: 'amount', value: (r) => formatMoney(r.amount, r.asset), align: 'right' },
  connectorColumn,
  timeColumn('created', (r) => r.createdAt),
  { header: 'id', value: (r) => text(r.id), id: true },
];

const adjustmentColumns: Column[] = [
  timeColumn('created', (r) => r.createdAt),
  { header: 'status', value: (r) => text(r.status) },
  { header: 'amount', value: (r) => formatMoney(r.amount, r.asset), align: 'right' },
  { header: 'error', value: (r) => text(r.error) },
  { header: 'id', value: (r) => text(r.id), id: true },
];

interface CreateOptions extends WaitOptions {
  file?: string;
  connector?: string;
  type?: string;
  reference?: string;
  amount?: string;
  asset?: string;
  source?: string;
  destination?: string;
  description?: string;
  scheduledAt?: string;
  metadata?: string[];
  validation: boolean;
}

const CLI = 'paybridge payment-initiations';

async function readInitiation(context: Context, id: string): Promise<Row> {
  return asRow(await context.client.data('GET', `/payment-initiations/${seg(id)}`));
}

const kindOf = (pi: Row) => (typeof pi.type === 'string' ? pi.type.toLowerCase() : 'payment');

/** The actions whose task `--wait` follows, as the first progress line names them. */
type MovementAction = 'create' | 'approve' | 'retry' | 'reverse';
const STARTED: Record<MovementAction, string> = {
  create: 'Created',
  approve: 'Approved',
  retry: 'Retrying',
  reverse: 'Reversing',
};

/**
 * Follows the task an action started until it ends (see waitForMovement), then says how the initiation
 * ended: on stdout when the task succeeded, as a failure (exit 6) with the reason in major units and
 * what can be done next when it failed. JSON prints the finished task, as `tasks get --wait` does.
 */
async function followMovement(
  context: Context,
  pi: Row,
  taskID: string,
  label: MovementAction,
  waitMs: number,
  before: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  const id = text(pi.id);
  if (!context.json) note(`${STARTED[label]} ${describeInitiation(pi)}; following it: task ${taskID}`);
  const { task, payment } = await waitForMovement(context.client, {
    initiationID: id,
    taskID,
    kind: kindOf(pi),
    label,
    timeoutMs: waitMs,
    before,
  });
  const after = await readInitiation(context, id);
  if (task.status === 'SUCCEEDED') {
    if (context.json) {
      print(renderJson(task.raw));
      return;
    }
    const psp = payment ? `; the PSP reports the ${kindOf(pi)} ${text(payment.status)}` : '';
    print(`${describeInitiation(after)} is ${text(after.status)}${psp}\n`);
    if (payment) print(`Payment: ${text(payment.id)}\n`);
    if (task.error) note(`warning: ${majorUnitsIn(task.error)}`);
    return;
  }
  throw new WaitFailedError(movementFailure(after, task.error));
}

/** Why a waited-for action failed, amounts in major units, and what the initiation's status allows next. */
export function movementFailure(pi: Row, reason: string | undefined): string {
  const id = text(pi.id);
  const why = majorUnitsIn(
    reason ?? (typeof pi.error === 'string' && pi.error ? pi.error : 'no reason given'),
  );
  const status = text(pi.status);
  const next =
    status === 'FAILED'
      ? `The initiation is FAILED. To try again (a new attempt, under a new idempotency key):\n` +
        `  ${CLI} retry ${id} --wait`
      : status === 'PROCESSING' || status === 'REVERSE_PROCESSING'
        ? `The initiation stays ${status}: the money may have moved, so check the payment at the PSP. ` +
          `To ask the PSP again under the same idempotency key:\n  ${CLI} retry ${id} --wait`
        : `The initiation is ${status}.`;
  return `${describeInitiation(pi)} failed: ${why}\n${next}`;
}

/** approve, retry and reverse answer a task: say what started, or follow it with `--wait`. */
async function taskAction(
  command: Command,
  id: string,
  action: 'approve' | 'retry' | 'reverse',
  options: WaitOptions,
  body?: string,
): Promise<void> {
  const context = contextOf(command);
  const waitMs = waitFrom(options);
  const pi = await readInitiation(context, id);
  const before = new Map<string, string>();
  if (waitMs !== undefined) {
    for (const p of await relatedPayments(context.client, id)) before.set(text(p.id), text(p.status));
  }
  const data = asRow(
    await context.client.data(
      'POST',
      `/payment-initiations/${seg(id)}/${action}`,
      body === undefined ? {} : { body },
    ),
  );
  const taskID = text(data.taskID);
  if (waitMs !== undefined) return followMovement(context, pi, taskID, action, waitMs, before);
  if (context.json) {
    print(renderJson(data));
    return;
  }
  print(
    `${action} of ${describeInitiation(pi)} started: task ${taskID}\n` +
      `Follow it: paybridge tasks get ${taskID} --wait (or add --wait to ${action})\n`,
  );
}

/** What `create` prints for a person: what was created, and the commands for what comes next. */
export function createdText(pi: Row, taskID: string): string {
  const id = text(pi.id);
  const status = text(pi.status);
  const kind = kindOf(pi);
  const lines = [
    `Created ${describeInitiation(pi)}: ${status}`,
    renderDetails([['ID', id], ...(taskID ? ([['Task', taskID]] as [string, string][]) : [])]).trimEnd(),
    '',
  ];
  if (status === 'WAITING_FOR_VALIDATION') {
    lines.push(
      `Nothing goes to the PSP until it is approved. Approve it, and follow the ${kind} to its end:`,
      `  ${CLI} approve ${id} --wait`,
      'or reject it:',
      `  ${CLI} reject ${id}`,
    );
  } else if (status === 'SCHEDULED_FOR_PROCESSING') {
    lines.push(
      `Paybridge asks the PSP to make the ${kind} at ${formatTime(pi.scheduledAt)}. Follow it with:`,
      `  paybridge tasks get ${taskID} --wait`,
    );
  } else if (status === 'PROCESSED') {
    lines.push(`The PSP has made the ${kind}. Its payment:`, `  ${CLI} payments ${id}`);
  } else if (status === 'FAILED') {
    lines.push(
      `It failed: ${majorUnitsIn(text(pi.error))}`,
      'To try again (a new attempt):',
      `  ${CLI} retry ${id} --wait`,
    );
  } else {
    lines.push(
      `Paybridge is asking the PSP to make the ${kind}. Follow it with:`,
      `  paybridge tasks get ${taskID} --wait`,
      `or see where it stands with:`,
      `  ${CLI} get ${id}`,
      `(create --no-validation --wait follows it in one command, showing what the PSP reports)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function registerPaymentInitiationCommands(program: Command): void {
  const initiations = program
    .command('payment-initiations')
    .description('transfers and payouts initiated through Paybridge');

  initiations
    .command('create')
    .description('initiate a transfer or a payout (it waits for approval unless --no-validation)')
    .option('--file <body.json>', 'the whole request body (InitiatePayment), - for stdin')
    .option('--connector <connectorID>', 'connector that moves the money')
    .option('--type <type>', 'TRANSFER or PAYOUT', 'TRANSFER')
    .option('--reference <reference>', 'your unique reference (3 to 1000 characters)')
    .option('--amount <minor units>', 'amount in minor units, a whole number (1050 = 10.50 EUR/2)')
    .option('--asset <asset>', 'asset with precision, e.g. EUR/2')
    .option('--source <accountID>', 'source account')
    .option('--destination <accountID>', 'destination account')
    .option('--description <text>')
    .option('--scheduled-at <time>', 'RFC 3339 time in the future')
    .option('--metadata <key=value>', 'metadata entry (repeatable)', collectPairs)
    .option('--no-validation', "approve at once (the API's noValidation=true)")
    .option('--wait', 'with --no-validation: wait until the PSP has made it, showing what the PSP reports')
    .addOption(timeoutOption())
    .action(async (options: CreateOptions, command: Command) => {
      const context = contextOf(command);
      const waitMs = waitFrom(options);
      if (waitMs !== undefined && options.validation) {
        throw new UsageError(
          '--wait needs --no-validation: an initiation waiting for validation goes nowhere until ' +
            'approved (then use approve --wait)',
        );
      }
      const body = await bodyFrom(options.file, () => {
        const metadata = parseMetadata(options.metadata);
        return {
          reference: required(options.reference, '--reference'),
          connectorID: required(options.connector, '--connector'),
          type: required(options.type, '--type').toUpperCase(),
          amount: parseAmount(required(options.amount, '--amount')),
          asset: required(options.asset, '--asset'),
          destinationAccountID: required(options.destination, '--destination'),
          ...(options.source ? { sourceAccountID: options.source } : {}),
          ...(options.description ? { description: options.description } : {}),
          ...(options.scheduledAt ? { scheduledAt: options.scheduledAt } : {}),
          ...(metadata ? { metadata } : {}),
        };
      });
      const data = asRow(
        await context.client.data('POST', '/payment-initiations', {
          body,
          params: { noValidation: options.validation ? 'false' : 'true' },
        }),
      );
      const id = text(data.paymentInitiationID);
      const taskID = typeof data.taskID === 'string' ? data.taskID : '';
      if (waitMs !== undefined && taskID) {
        const pi = await readInitiation(context, id);
        return followMovement(context, pi, taskID, 'create', waitMs);
      }
      if (context.json) {
        print(renderJson(data));
        return;
      }
      print(createdText(await readInitiation(context, id), taskID));
    });

  for (const action of ['approve', 'retry'] as const) {
    initiations
      .command(action)
      .description(
        action === 'approve'
          ? 'approve an initiation waiting for validation (the PSP is then asked to move the money)'
          : 'retry a FAILED initiation (a new attempt), or resume one whose step gave up (the same attempt)',
      )
      .argument('<paymentInitiationID>')
      .option('--wait', 'wait until the PSP has made it or failed it, showing what the PSP reports')
      .addOption(timeoutOption())
      .action((id: string, options: WaitOptions, command: Command) =>
        taskAction(command, id, action, options),
      );
  }

  initiations
    .command('reverse')
    .description('reverse (part of) a processed initiation')
    .argument('<paymentInitiationID>')
    .option('--file <body.json>', 'the whole request body, - for stdin')
    .option('--reference <reference>', 'your unique reference for the reversal')
    .option('--amount <minor units>', 'amount in minor units, a whole number')
    .option('--asset <asset>', "the initiation's asset, e.g. EUR/2")
    .option('--description <text>')
    .option('--metadata <key=value>', 'metadata entry (repeatable)', collectPairs)
    .option('--wait', 'wait until the PSP has made the reversal or failed it, showing what it reports')
    .addOption(timeoutOption())
    .action(async (id: string, options: CreateOptions & WaitOptions, command: Command) => {
      const body = await bodyFrom(options.file, () => {
        const metadata = parseMetadata(options.metadata);
        return {
          reference: required(options.reference, '--reference'),
          amount: parseAmount(required(options.amount, '--amount')),
          asset: required(options.asset, '--asset'),
          ...(options.description ? { description: options.description } : {}),
          ...(metadata ? { metadata } : {}),
        };
      });
      await taskAction(command, id, 'reverse', options, body);
    });

  initiations
    .command('reject')
    .description('reject an initiation waiting for validation')
    .argument('<paymentInitiationID>')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const pi = context.json ? undefined : await readInitiation(context, id);
      await context.client.request('POST', `/payment-initiations/${seg(id)}/reject`);
      if (pi) print(`Rejected ${describeInitiation(pi)}: nothing was sent to the PSP\n`);
    });

  initiations
    .command('delete')
    .description('delete an initiation waiting for validation')
    .argument('<paymentInitiationID>')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const pi = context.json ? undefined : await readInitiation(context, id);
      await context.client.request('DELETE', `/payment-initiations/${seg(id)}`);
      if (pi) print(`Deleted ${describeInitiation(pi)}: nothing had been sent to the PSP\n`);
    });

  withListOptions(initiations.command('list').description('list initiations (newest first)')).action(
    (options: ListOptions, command: Command) =>
      listCommand(command, '/payment-initiations', options, initiationColumns, 'payment initiations'),
  );

  initiations
    .command('get')
    .description('show one initiation, named by its id or its reference')
    .argument('<paymentInitiation>', 'full payment initiation id, or its reference')
    .option('--connector <connector>', 'the connector (name or id) when several have the reference')
    .action(async (id: string, options: { connector?: string }, command: Command) => {
      const context = contextOf(command);
      const pi = await getByIdOrName(context.client, KINDS.paymentInitiation, id, options);
      printData(context, pi, () =>
        renderDetails([
          ['ID', text(pi.id)],
          ['Reference', text(pi.reference)],
          ['Connector', `${text(pi.connectorID)} (${text(pi.provider)})`],
          ['Type', text(pi.type)],
          ['Status', text(pi.status)],
          ['Amount', `${formatMoney(pi.amount, pi.asset)} (${text(pi.amount)} ${text(pi.asset)})`],
          ['Source', text(pi.sourceAccountID)],
          ['Destination', text(pi.destinationAccountID)],
          ['Description', text(pi.description)],
          ['Scheduled at', formatTime(pi.scheduledAt)],
          ['Created', formatTime(pi.createdAt)],
          ['Error', text(pi.error)],
        ]),
      );
    });

  withListOptions(
    initiations
      .command('adjustments')
      .description("an initiation's status history (newest first)")
      .argument('<paymentInitiationID>'),
  ).action((id: string, options: ListOptions, command: Command) =>
    listCommand(
      command,
      `/payment-initiations/${seg(id)}/adjustments`,
      options,
      adjustmentColumns,
      'adjustments',
    ),
  );

  withListOptions(
    initiations
      .command('payments')
      .description('the payments an initiation produced at the PSP')
      .argument('<paymentInitiationID>'),
    false,
  ).action((id: string, options: ListOptions, command: Command) =>
    listCommand(command, `/payment-initiations/${seg(id)}/payments`, options, paymentColumns, 'payments'),
  );
}
