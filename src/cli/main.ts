#!/usr/bin/env node
// The `paybridge` command: the service (start, serve, worker, migrate, mock-psp, clients, signing-keys), the v3 API client commands and the connector author's tools.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerBankAccountCommands } from './commands/bank-accounts.js';
import { registerConnectorKitCommands } from './commands/connector.js';
import { registerConnectorCommands } from './commands/connectors.js';
import { registerDataCommands } from './commands/data.js';
import { registerPaymentInitiationCommands } from './commands/payment-initiations.js';
import { registerPoolCommands } from './commands/pools.js';
import { registerServiceCommands } from './commands/service.js';
import { registerTaskCommands } from './commands/tasks.js';
import { describeFailure, EXIT_CODES_HELP } from './errors.js';

const program = new Command('paybridge')
  .description('Payments connectivity service, and a client of its v3 API')
  .version(VERSION)
  // Set before any subcommand is added: subcommands inherit it, so every parse error reaches the handler below.
  .exitOverride()
  // Each subcommand's help also lists the global options (--server, the credentials, --json).
  .configureHelp({ showGlobalOptions: true })
  // Program options are recognised before and after the subcommand (commander's default), so
  // `paybridge --json accounts list` and `paybridge accounts list --json` both work.
  .option('--server <url>', 'Paybridge base URL (env PAYBRIDGE_URL, default http://localhost:8080)')
  .option(
    '--client-id <id>',
    'client id: the CLI gets and renews tokens itself when auth is on (env PAYBRIDGE_CLIENT_ID)',
  )
  .option('--client-secret <secret>', "the client's secret (env PAYBRIDGE_CLIENT_SECRET, preferred)")
  .option(
    '--token-url <url>',
    "token endpoint (env PAYBRIDGE_TOKEN_URL, default /api/auth/oauth/token on the server URL's host)",
  )
  .option('--token <token>', 'bearer token sent as is; wins over --client-id (env PAYBRIDGE_TOKEN)')
  .option('--json', "print JSON (the API's data, amounts exact) instead of tables")
  .option('--wide', 'tables show full ids instead of their short forms')
  .addHelpText('after', EXIT_CODES_HELP);

registerServiceCommands(program);
registerAuthCommands(program);
registerConnectorCommands(program);
registerConnectorKitCommands(program);
registerDataCommands(program);
registerPaymentInitiationCommands(program);
registerBankAccountCommands(program);
registerPoolCommands(program);
registerTaskCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  const failure = describeFailure(error);
  if (failure.message) process.stderr.write(`${failure.message}\n`);
  // Exit once stdout has drained (a piped table is not cut short), even if a half-started service holds handles.
  process.stdout.write('', () => process.exit(failure.exitCode));
});
