// `paybridge bank-accounts …`: bank accounts held by Paybridge (numbers only ever shown masked, as the API sends them).
import type { Command } from 'commander';
import { stringifyJson } from '../../domain/json.js';
import { UsageError } from '../errors.js';
import { type Column, formatTime, renderDetails, text, timeColumn } from '../output.js';
import {
  asRow,
  asRows,
  bodyFrom,
  collectPairs,
  contextOf,
  listCommand,
  type ListOptions,
  metadataText,
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
import { getByIdOrName, KINDS, resolveConnector, resolveId } from './resolve.js';

const bankAccountColumns: Column[] = [
  { header: 'name', value: (r) => text(r.name) },
  { header: 'account number', value: (r) => text(r.accountNumber) },
  { header: 'iban', value: (r) => text(r.iban) },
  { header: 'bic', value: (r) => text(r.swiftBicCode) },
  { header: 'country', value: (r) => text(r.country) },
  timeColumn('created', (r) => r.createdAt),
  { header: 'id', value: (r) => text(r.id), id: true },
];

interface CreateOptions {
  file?: string;
  name?: string;
  accountNumber?: string;
  iban?: string;
  swiftBicCode?: string;
  country?: string;
  metadata?: string[];
}

export function registerBankAccountCommands(program: Command): void {
  const bankAccounts = program
    .command('bank-accounts')
    .description('bank accounts (numbers are sealed by the service and shown masked)');

  bankAccounts
    .command('create')
    .description('store a bank account')
    .option('--file <body.json>', 'the whole request body (CreateBankAccount), - for stdin')
    .option('--name <name>')
    .option('--account-number <number>')
    .option('--iban <iban>')
    .option('--swift-bic-code <bic>')
    .option('--country <code>', 'ISO 3166-1 alpha-2, e.g. FR')
    .option('--metadata <key=value>', 'metadata entry (repeatable)', collectPairs)
    .action(async (options: CreateOptions, command: Command) => {
      const context = contextOf(command);
      const body = await bodyFrom(options.file, () => {
        const metadata = parseMetadata(options.metadata);
        return {
          name: required(options.name, '--name'),
          ...(options.accountNumber ? { accountNumber: options.accountNumber } : {}),
          ...(options.iban ? { iban: options.iban } : {}),
          ...(options.swiftBicCode ? { swiftBicCode: options.swiftBicCode } : {}),
          ...(options.country ? { country: options.country } : {}),
          ...(metadata ? { metadata } : {}),
        };
      });
      const id = await context.client.data('POST', '/bank-accounts', { body });
      printData(context, id, () => `bank account '${text(id)}' created\n`);
    });

  withListOptions(bankAccounts.command('list').description('list bank accounts (newest first)')).action(
    (options: ListOptions, command: Command) =>
      listCommand(command, '/bank-accounts', options, bankAccountColumns, 'bank accounts'),
  );

  bankAccounts
    .command('get')
    .description('show one bank account, named by its id or its name')
    .argument('<bankAccount>', 'bank account id, or name')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const account = await getByIdOrName(context.client, KINDS.bankAccount, id);
      const related = asRows(account.relatedAccounts).map(
        (r) => `${text(r.accountID)} (${formatTime(r.createdAt)})`,
      );
      printData(context, account, () =>
        renderDetails([
          ['ID', text(account.id)],
          ['Name', text(account.name)],
          ['Account number', text(account.accountNumber)],
          ['IBAN', text(account.iban)],
          ['BIC', text(account.swiftBicCode)],
          ['Country', text(account.country)],
          ['Created', formatTime(account.createdAt)],
          ['Metadata', metadataText(account.metadata)],
          ['Forwarded to', related.join('\n') || '-'],
        ]),
      );
    });

  bankAccounts
    .command('forward')
    .description('forward a bank account to a connector, which creates it at the PSP')
    .argument('<bankAccount>', 'bank account id, or name')
    .requiredOption('--connector <connector>', 'connector to forward to (id or name)')
    .option('--wait', 'wait until the task has finished, showing progress')
    .addOption(timeoutOption())
    .action(async (id: string, options: WaitOptions & { connector: string }, command: Command) => {
      const context = contextOf(command);
      const waitMs = waitFrom(options);
      const bankAccountID = await resolveId(context.client, KINDS.bankAccount, id);
      const connectorID = await resolveConnector(context.client, options.connector);
      const data = asRow(
        await context.client.data('POST', `/bank-accounts/${seg(bankAccountID)}/forward`, {
          body: stringifyJson({ connectorID }),
        }),
      );
      await reportTask(
        context,
        data,
        text(data.taskID),
        `forward of bank account '${id}'`,
        'forward',
        waitMs,
      );
    });

  bankAccounts
    .command('metadata')
    .description('add or change metadata entries (merged into the existing ones)')
    .argument('<bankAccount>', 'bank account id, or name')
    .argument('<key=value...>')
    .action(async (id: string, pairs: string[], _options: object, command: Command) => {
      const context = contextOf(command);
      const metadata = parseMetadata(pairs);
      if (!metadata) throw new UsageError('give at least one key=value');
      const bankAccountID = await resolveId(context.client, KINDS.bankAccount, id);
      await context.client.request('PATCH', `/bank-accounts/${seg(bankAccountID)}/metadata`, {
        body: stringifyJson({ metadata }),
      });
      if (!context.json) print(`bank account '${id}' metadata updated\n`);
    });
}
