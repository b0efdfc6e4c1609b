// `paybridge accounts|payments|balances …`: the data ingested from PSPs, listed and read.
import type { Command } from 'commander';
import { ApiError } from '../errors.js';
import {
  type Column,
  formatMoney,
  formatTime,
  renderDetails,
  renderTable,
  type Row,
  text,
  timeColumn,
} from '../output.js';
import { getByIdOrName, KINDS, resolveId } from './resolve.js';
import {
  connectorColumn,
  asRow,
  asRows,
  contextOf,
  fetchList,
  listCommand,
  type ListOptions,
  metadataText,
  printData,
  printList,
  seg,
  withListOptions,
} from './shared.js';

const accountColumns: Column[] = [
  { header: 'reference', value: (r) => text(r.reference) },
  { header: 'name', value: (r) => text(r.name) },
  { header: 'type', value: (r) => text(r.type) },
  { header: 'asset', value: (r) => text(r.defaultAsset) },
  connectorColumn,
  timeColumn('created', (r) => r.createdAt),
  { header: 'id', value: (r) => text(r.id), id: true },
];

export const paymentColumns: Column[] = [
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
  { header: 'reference', value: (r) => text(r.reference) },
];

const balanceColumns: Column[] = [
  { header: 'asset', value: (r) => text(r.asset) },
  { header: 'balance', value: (r) => formatMoney(r.balance, r.asset), align: 'right' },
  { header: 'minor units', value: (r) => text(r.balance), align: 'right' },
  timeColumn('since', (r) => r.createdAt),
  timeColumn('last updated', (r) => r.lastUpdatedAt),
];

export function renderPayment(payment: Row): string {
  const adjustments = asRows(payment.adjustments);
  const details = renderDetails([
    ['ID', text(payment.id)],
    ['Reference', text(payment.reference)],
    ['Connector', `${text(payment.connectorID)} (${text(payment.provider)})`],
    ['Type', text(payment.type)],
    ['Status', text(payment.status)],
    [
      'Amount',
      `${formatMoney(payment.amount, payment.asset)} (${text(payment.amount)} ${text(payment.asset)})`,
    ],
    ['Initial amount', formatMoney(payment.initialAmount, payment.asset)],
    ['Scheme', text(payment.scheme)],
    ['Source', text(payment.sourceAccountID)],
    ['Destination', text(payment.destinationAccountID)],
    ['Created', formatTime(payment.createdAt)],
    ['Metadata', metadataText(payment.metadata)],
  ]);
  if (adjustments.length === 0) return details;
  return `${details}\nAdjustments (newest first):\n${renderTable(adjustmentColumns, adjustments)}`;
}

export function registerDataCommands(program: Command): void {
  const accounts = program
    .command('accounts')
    .description('accounts fetched from PSPs or created through the API');
  withListOptions(accounts.command('list').description('list accounts (newest first)')).action(
    (options: ListOptions, command: Command) =>
      listCommand(command, '/accounts', options, accountColumns, 'accounts'),
  );
  accounts
    .command('get')
    .description('show one account, named by its id or its PSP reference')
    .argument('<account>', 'full account id, or PSP reference')
    .option('--connector <connector>', 'the connector (name or id) when several have the reference')
    .action(async (id: string, options: { connector?: string }, command: Command) => {
      const context = contextOf(command);
      const account = await getByIdOrName(context.client, KINDS.account, id, options);
      printData(context, account, () =>
        renderDetails([
          ['ID', text(account.id)],
          ['Reference', text(account.reference)],
          ['Name', text(account.name)],
          ['Type', text(account.type)],
          ['Default asset', text(account.defaultAsset)],
          ['Connector', `${text(account.connectorID)} (${text(account.provider)})`],
          ['Created', formatTime(account.createdAt)],
          ['Metadata', metadataText(account.metadata)],
        ]),
      );
    });

  const payments = program
    .command('payments')
    .description('payments fetched from PSPs or created through the API');
  withListOptions(payments.command('list').description('list payments (newest first)')).action(
    (options: ListOptions, command: Command) =>
      listCommand(command, '/payments', options, paymentColumns, 'payments'),
  );
  payments
    .command('get')
    .description('show one payment with its adjustments (its status history), named by id or PSP reference')
    .argument('<payment>', 'full payment id, or PSP reference')
    .option('--connector <connector>', 'the connector (name or id) when several have the reference')
    .option('--type <type>', 'the payment type (PAY-IN, PAYOUT, TRANSFER) when several have the reference')
    .action(async (id: string, options: { connector?: string; type?: string }, command: Command) => {
      const context = contextOf(command);
      const payment = await getByIdOrName(context.client, KINDS.payment, id, {
        ...(options.connector === undefined ? {} : { connector: options.connector }),
        ...(options.type === undefined
          ? {}
          : { match: { type: { value: options.type.toUpperCase(), flag: '--type' } } }),
      });
      printData(context, payment, () => renderPayment(payment));
    });

  const balances = program.command('balances').description("an account's balances");
  withListOptions(
    balances
      .command('list')
      .description("an account's balance history (newest first)")
      .argument('<account>', 'full account id, or PSP reference')
      .option('--connector <connector>', 'the connector (name or id) when several have the reference')
      .option('--asset <asset>', 'only this asset, e.g. EUR/2')
      .option('--from <time>', 'balances last updated at or after this time (RFC 3339)')
      .option('--to <time>', 'balances that began at or before this time (RFC 3339)'),
    false,
  ).action(
    async (
      name: string,
      options: ListOptions & { asset?: string; from?: string; to?: string; connector?: string },
      command: Command,
    ) => {
      const id = await resolveId(contextOf(command).client, KINDS.account, name, options);
      await listCommand(command, `/accounts/${seg(id)}/balances`, options, balanceColumns, 'balances', {
        asset: options.asset,
        from: options.from,
        to: options.to,
      });
    },
  );
  balances
    .command('get')
    .description("an account's current balance in each asset")
    .argument('<account>', 'full account id, or PSP reference')
    .option('--connector <connector>', 'the connector (name or id) when several have the reference')
    .option('--asset <asset>', 'only this asset, e.g. EUR/2')
    .action(async (name: string, options: { asset?: string; connector?: string }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveId(context.client, KINDS.account, name, options);
      const history = await fetchList(
        context.client,
        `/accounts/${seg(id)}/balances`,
        { all: true, pageSize: '100' },
        {
          asset: options.asset,
        },
      );
      // The history is newest first: the first entry of each asset is its current balance.
      const current = new Map<string, unknown>();
      for (const balance of history.items) {
        const asset = text(asRow(balance).asset);
        if (!current.has(asset)) current.set(asset, balance);
      }
      if (current.size === 0 && options.asset !== undefined) {
        throw new ApiError(404, 'NOT_FOUND', `account '${name}' has no ${options.asset} balance`);
      }
      printList(context, { items: [...current.values()] }, balanceColumns, 'balances');
    });
}
