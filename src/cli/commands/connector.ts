// `paybridge connector …`: a connector author's tools, offline (no service, no database): run, new, catalogue.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { DEFAULT_PARTS, PART_NAMES } from '../connector/scaffold-templates.js';
import { WRITE_KINDS } from '../connector/writes.js';

export function registerConnectorKitCommands(program: Command): void {
  const connector = program
    .command('connector')
    .description(
      "a connector author's tools, with no service or database (see also `connectors` for the API)",
    );

  connector
    .command('run <provider>')
    .description(
      'run one connector in this process: its task tree (state in memory) or one write; prints items, then the new state',
    )
    .requiredOption('--config <file>', "the connector's config as JSON (an install file works)")
    .option('--task <node>', 'run one node: its path, name or task type (its parents run first, unreported)')
    .option('--pages <n>', 'stop each task run after n pages')
    .option('--state <file|json>', 'start from this state (as a previous run printed it)')
    .option('--page-size <n>', "items per page (default: the config file's pageSize, else the connector's)")
    .option('--record <dir>', 'write every PSP exchange to dir as a redacted JSON fixture file')
    .option('--replay <dir>', 'answer PSP requests from the fixture files in dir (no network)')
    .option('--write <kind>', `call one write method instead: ${WRITE_KINDS.join(', ')}`)
    .option('--body <file>', 'the JSON body of --write')
    .option('--idempotency-key <key>', 'repeat a write with this key (default: a fresh one, printed)')
    .addHelpText(
      'after',
      `
Output: a table per task node, then the new state as JSON (pass it to --state to resume). With --json:
one JSON line per item, {"task":<node path>,"parent":<parent item id>?,"item":{…}}, then {"state":{…}}.
Records the connector or the engine would leave out are noted on stderr. CREATE_WEBHOOKS nodes are not
run (they create things at the PSP); their children are.

State keys are node paths, and for a child node the path and the parent item's id:
  {"fetch_accounts": {…}, "fetch_accounts/fetch_balances#acc-001": {…}}

--record writes 0001-get-accounts.json, … (method, URL, status, headers, body); Authorization, API-key
headers, cookies, tokens and the values of the config's secret fields are replaced by [REDACTED].
--replay serves them back, matched on method, path and query, in recorded order for repeats.`,
    )
    .action(async (provider: string, options: Record<string, string | undefined>, command: Command) => {
      const { runConnectorCommand } = await import('../connector/run.js');
      const json = command.optsWithGlobals<{ json?: boolean }>().json === true;
      await runConnectorCommand(provider, {
        config: options.config ?? '',
        ...pick(options, [
          'task',
          'pages',
          'state',
          'pageSize',
          'record',
          'replay',
          'write',
          'body',
          'idempotencyKey',
        ]),
        json,
      });
    });

  connector
    .command('new <provider>')
    .description(
      'generate src/connectors/<provider>/: registration, config, task tree, client, capability files, MAPPING.md, tests',
    )
    .option('--dir <dir>', 'the connectors folder to write into (default: src/connectors of this checkout)')
    .option(
      '--capabilities <list>',
      `comma-separated, of ${PART_NAMES.join(', ')} (or capability names); default ${DEFAULT_PARTS.join(',')}`,
    )
    .action(async (provider: string, options: { dir?: string; capabilities?: string }) => {
      const { loadConnectors } = await import('../../connectors/load.js');
      const { listConnectors } = await import('../../connectors/sdk/registry.js');
      const { checkoutRoot } = await import('../connector/catalogue.js');
      const { parseParts, scaffoldConnector } = await import('../connector/scaffold.js');
      const parts = parseParts(options.capabilities);
      await loadConnectors();
      const connectorsDir = resolve(options.dir ?? join(checkoutRoot(), 'src', 'connectors'));
      const done = await scaffoldConnector({
        provider,
        connectorsDir,
        parts,
        registered: listConnectors().map((r) => r.provider),
      });
      process.stdout.write(`created ${done.dir}\n${done.files.map((f) => `  ${f}\n`).join('')}`);
      if (!done.formatted) process.stderr.write('note: prettier was not found; run it over the folder\n');
      process.stdout.write(
        `next: fill the TODOs against ${provider}'s API, run it with \`paybridge connector run ${provider} --config <file>\`, ` +
          'record fixtures with --record, then drop `todo: true` from conformance.test.ts; ' +
          'npm run connectors:catalogue updates docs/connectors\n',
      );
    });

  connector
    .command('catalogue')
    .description(
      'write docs/connectors/capabilities.json and README.md from every registration (npm run connectors:catalogue)',
    )
    .option('--root <dir>', 'the checkout to write into (default: the one this command runs from)')
    .action(async (options: { root?: string }) => {
      const { loadConnectors } = await import('../../connectors/load.js');
      const { listConnectors } = await import('../../connectors/sdk/registry.js');
      const { checkoutRoot, writeCatalogue } = await import('../connector/catalogue.js');
      await loadConnectors();
      const written = await writeCatalogue(listConnectors(), options.root ?? checkoutRoot());
      for (const path of written) process.stdout.write(`wrote ${path}\n`);
    });
}

function pick<K extends string>(
  options: Record<string, string | undefined>,
  keys: K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = options[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}
