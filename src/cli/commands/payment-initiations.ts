// `paybridge payment-initiations …`: transfers and payouts initiated through Paybridge, and their lifecycle.
import type { Command } from 'commander';
import { type Column, formatMoney, formatTime, renderDetails, text, timeColumn } from '../output.js';
import { paymentColumns } from './data.js';
import { getByIdOrName, KINDS } from './resolve.js';
import {
  connectorColumn,
  asRow,
  bodyFrom,
  collectPairs,
  contextOf,
  listCommand,
  type ListOptions,
  parseAmount,
  parseMetadata,
  print,
  printData,
  reportTask,
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

interface CreateOptions {
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

/** approve, retry and reverse answer a task: print it, or follow it with `--wait`. */
async function taskAction(
  command: Command,
  id: string,
  action: string,
  options: WaitOptions,
  body?: string,
): Promise<void> {
  const context = contextOf(command);
  const waitMs = waitFrom(options);
  const data = asRow(
    await context.client.data(
      'POST',
      `/payment-initiations/${seg(id)}/${action}`,
      body === undefined ? {} : { body },
    ),
  );
  await reportTask(
    context,
    data,
    text(data.taskID),
    `${action} of payment initiation '${id}'`,
    action,
    waitMs,
  );
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
    .action(async (options: CreateOptions, command: Command) => {
      const context = contextOf(command);
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
      printData(context, data, () =>
        renderDetails([
          ['Payment initiation', text(data.paymentInitiationID)],
          ['Task', text(data.taskID)],
        ]),
      );
    });

  for (const action of ['approve', 'retry'] as const) {
    initiations
      .command(action)
      .description(
        action === 'approve'
          ? 'approve an initiation waiting for validation (the PSP is then asked to move the money)'
          : 'retry a FAILED initiation',
      )
      .argument('<paymentInitiationID>')
      .option('--wait', 'wait until the task has finished, showing progress')
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
    .option('--wait', 'wait until the task has finished, showing progress')
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
      await context.client.request('POST', `/payment-initiations/${seg(id)}/reject`);
      if (!context.json) print(`payment initiation '${id}' rejected\n`);
    });

  initiations
    .command('delete')
    .description('delete an initiation waiting for validation')
    .argument('<paymentInitiationID>')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      await context.client.request('DELETE', `/payment-initiations/${seg(id)}`);
      if (!context.json) print(`payment initiation '${id}' deleted\n`);
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
