// `paybridge pools …`: groups of accounts (a fixed list, or every account matching a filter) and their balances.
import type { Command } from 'commander';
import { stringifyJson } from '../../domain/json.js';
import { type Column, formatMoney, formatTime, renderDetails, text, timeColumn } from '../output.js';
import {
  bodyFrom,
  collectPairs,
  contextOf,
  listCommand,
  type ListOptions,
  parseJsonObject,
  print,
  printData,
  printList,
  required,
  seg,
  withListOptions,
} from './shared.js';
import { getByIdOrName, KINDS, resolveId } from './resolve.js';

const poolColumns: Column[] = [
  { header: 'name', value: (r) => text(r.name) },
  { header: 'type', value: (r) => text(r.type) },
  {
    header: 'accounts',
    value: (r) => (Array.isArray(r.poolAccounts) ? String(r.poolAccounts.length) : '-'),
    align: 'right',
  },
  timeColumn('created', (r) => r.createdAt),
  { header: 'id', value: (r) => text(r.id), id: true },
];

const poolBalanceColumns: Column[] = [
  { header: 'asset', value: (r) => text(r.asset) },
  { header: 'balance', value: (r) => formatMoney(r.amount, r.asset), align: 'right' },
  { header: 'minor units', value: (r) => text(r.amount), align: 'right' },
  {
    header: 'accounts',
    value: (r) => (Array.isArray(r.relatedAccounts) ? String(r.relatedAccounts.length) : '-'),
    align: 'right',
  },
];

export function registerPoolCommands(program: Command): void {
  const pools = program.command('pools').description('pools of accounts and their balances');

  pools
    .command('create')
    .description('create a static pool (--account …) or a dynamic one (--query)')
    .option('--file <body.json>', 'the whole request body, - for stdin')
    .option('--name <name>')
    .option('--account <accountID>', 'a member account (repeatable): a static pool', collectPairs)
    .option('--query <json>', 'an accounts filter: a dynamic pool')
    .action(
      async (
        options: { file?: string; name?: string; account?: string[]; query?: string },
        command: Command,
      ) => {
        const context = contextOf(command);
        const body = await bodyFrom(options.file, () => ({
          name: required(options.name, '--name'),
          ...(options.query !== undefined ? { query: parseJsonObject(options.query, '--query') } : {}),
          ...(options.account ? { accountIDs: options.account } : {}),
        }));
        const id = await context.client.data('POST', '/pools', { body });
        printData(context, id, () => `pool '${text(id)}' created\n`);
      },
    );

  withListOptions(pools.command('list').description('list pools (newest first)')).action(
    (options: ListOptions, command: Command) => listCommand(command, '/pools', options, poolColumns, 'pools'),
  );

  pools
    .command('get')
    .description('show one pool and its accounts, named by its id or its name')
    .argument('<pool>', 'pool id, or name')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      const pool = await getByIdOrName(context.client, KINDS.pool, id);
      printData(context, pool, () =>
        renderDetails([
          ['ID', text(pool.id)],
          ['Name', text(pool.name)],
          ['Type', text(pool.type)],
          ['Query', text(pool.query)],
          ['Created', formatTime(pool.createdAt)],
          [
            'Accounts',
            Array.isArray(pool.poolAccounts) ? pool.poolAccounts.map(text).join('\n') || '-' : '-',
          ],
        ]),
      );
    });

  pools
    .command('delete')
    .description('delete a pool (its accounts stay)')
    .argument('<poolID>')
    .action(async (id: string, _options: object, command: Command) => {
      const context = contextOf(command);
      await context.client.request('DELETE', `/pools/${seg(id)}`);
      if (!context.json) print(`pool '${id}' deleted\n`);
    });

  pools
    .command('balances')
    .description("the pool's balances summed per asset: latest, or at a past time")
    .argument('<pool>', 'pool id, or name')
    .option('--at <time>', 'RFC 3339 time, not in the future')
    .action(async (name: string, options: { at?: string }, command: Command) => {
      const context = contextOf(command);
      const id = await resolveId(context.client, KINDS.pool, name);
      const data =
        options.at === undefined
          ? await context.client.data('GET', `/pools/${seg(id)}/balances/latest`)
          : await context.client.data('GET', `/pools/${seg(id)}/balances`, { params: { at: options.at } });
      printList(context, { items: Array.isArray(data) ? data : [] }, poolBalanceColumns, 'balances');
    });

  for (const [name, method, verb] of [
    ['add-account', 'POST', 'added to'],
    ['remove-account', 'DELETE', 'removed from'],
  ] as const) {
    pools
      .command(name)
      .description(`${name === 'add-account' ? 'add an account to' : 'remove an account from'} a static pool`)
      .argument('<poolID>')
      .argument('<accountID>')
      .action(async (id: string, accountID: string, _options: object, command: Command) => {
        const context = contextOf(command);
        await context.client.request(method, `/pools/${seg(id)}/accounts/${seg(accountID)}`);
        if (!context.json) print(`account '${accountID}' ${verb} pool '${id}'\n`);
      });
  }

  pools
    .command('update-query')
    .description("replace a dynamic pool's accounts filter")
    .argument('<poolID>')
    .argument('<json>', 'an accounts filter, e.g. \'{"$match":{"type":"INTERNAL"}}\'')
    .action(async (id: string, query: string, _options: object, command: Command) => {
      const context = contextOf(command);
      await context.client.request('PATCH', `/pools/${seg(id)}/query`, {
        body: stringifyJson({ query: parseJsonObject(query, 'the query') }),
      });
      if (!context.json) print(`pool '${id}' query updated\n`);
    });
}
