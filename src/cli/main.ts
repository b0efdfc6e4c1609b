#!/usr/bin/env node
// The `paybridge` command: start (API and worker), serve (API only), worker (jobs only) and migrate.
import { Command } from 'commander';
import { createLogger, type Roles, startPaybridge } from '../app.js';
import { readSettings } from '../settings.js';
import { openDatabase } from '../storage/db.js';
import { migrate } from '../storage/migrate.js';
import { VERSION } from '../version.js';

async function run(roles: Roles): Promise<void> {
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

const program = new Command('paybridge').description('Payments connectivity service').version(VERSION);

program
  .command('start', { isDefault: true })
  .description('run the API and the worker in one process')
  .action(() => run({ api: true, worker: true }));
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
    const settings = readSettings();
    const database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir });
    const applied = await migrate(database.db);
    await database.close();
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
