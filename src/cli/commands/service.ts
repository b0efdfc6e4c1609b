// `paybridge start|serve|worker|migrate|mock-psp`: run the service itself.
// The service's modules are imported when one of these runs, so API-client commands start fast without them.
import type { Command } from 'commander';
import type { Roles } from '../../app.js';
import { UsageError } from '../errors.js';

async function run(roles: Roles): Promise<void> {
  const { createLogger, startPaybridge } = await import('../../app.js');
  const { readSettings } = await import('../../settings.js');
  const settings = readSettings();
  const logger = createLogger(settings);
  const paybridge = await startPaybridge(settings, roles, logger);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await paybridge.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

export function registerServiceCommands(program: Command): void {
  program
    .command('start', { isDefault: true })
    .description('run the API and the worker in one process (the default)')
    // As the default command, start receives any word commander does not know (`paybridge acounts list`):
    // say that the command is unknown rather than start a service or complain about start's arguments.
    .allowExcessArguments(true)
    .action((_options: object, command: Command) => {
      const [word] = command.args;
      if (word !== undefined) throw new UsageError(`unknown command '${word}' (see paybridge --help)`);
      return run({ api: true, worker: true });
    });
  program
    .command('serve')
    .description('run the API only')
    .action(() => run({ api: true, worker: false }));
  program
    .command('worker')
    .description('run background jobs only')
    .action(() => run({ api: false, worker: true }));
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      const { readSettings } = await import('../../settings.js');
      const { openDatabase } = await import('../../storage/db.js');
      const { migrate } = await import('../../storage/migrate.js');
      const settings = readSettings();
      const database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir });
      const applied = await migrate(database.db);
      await database.close();
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
    });

  program
    .command('mock-psp')
    .description('run the Generic PSP simulator (contract, admin API and browser panel)')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8090')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data-file <path>', 'JSON file to load the data from and save it to')
    .action(async (options: { port: string; host: string; dataFile?: string }) => {
      const port = Number(options.port);
      if (!/^\d+$/.test(options.port) || port > 65535) throw new Error(`invalid --port: ${options.port}`);
      const { createLogger } = await import('../../app.js');
      const { startMockPsp } = await import('../../mock-psp/server.js');
      const logger = createLogger({ logLevel: process.env.LOG_LEVEL ?? 'warn' });
      const psp = await startMockPsp({ port, host: options.host, dataFile: options.dataFile, logger });
      console.log(`mock PSP listening on ${psp.url}`);
      let stopping = false;
      const shutdown = async () => {
        if (stopping) return;
        stopping = true;
        await psp.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown());
      process.on('SIGTERM', () => void shutdown());
    });
}
