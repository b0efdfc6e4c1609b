// `paybridge clients …` and `paybridge signing-keys …`: API clients and token signing keys, managed in the
// database directly (like `migrate`: DATABASE_URL, or the embedded data directory), not through the API.
import type { Command } from 'commander';
import type { Db } from '../../storage/db.js';
import { NotFoundError, UsageError } from '../errors.js';
import { formatTime, renderDetails, renderJson, text } from '../output.js';
import { note, print, printList } from './shared.js';

const SCOPE_LIST_HELP =
  'comma-separated: payments:read, payments:write (implies read), payments:admin (the audit trail)';

/** Opens the database the service uses (migrating it, so a client can be created before the first start). */
async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const { readSettings } = await import('../../settings.js');
  const { openDatabase } = await import('../../storage/db.js');
  const { migrate } = await import('../../storage/migrate.js');
  const settings = readSettings();
  const database = await openDatabase({ url: settings.databaseUrl, dataDir: settings.dataDir });
  try {
    await migrate(database.db);
    return await work(database.db);
  } finally {
    await database.close();
  }
}

async function parseScopes(list: string): Promise<string[]> {
  const { SCOPES, isScope, scopeList } = await import('../../security/scopes.js');
  const words = list.split(/[\s,]+/).filter(Boolean);
  const unknown = words.filter((word) => !isScope(word));
  if (unknown.length > 0) {
    throw new UsageError(`unknown scope ${unknown.join(', ')} (known: ${SCOPES.join(', ')})`);
  }
  if (words.length === 0) throw new UsageError('--scopes names no scope');
  return scopeList(words.join(' '));
}

const jsonOf = (command: Command) => command.optsWithGlobals<{ json?: boolean }>().json === true;

export function registerAuthCommands(program: Command): void {
  const clients = program
    .command('clients')
    .description('API clients that get tokens from the token endpoint (works on the database, like migrate)');

  clients
    .command('create <name>')
    .description('create a client; its secret is printed once (only a hash of it is kept)')
    .option('--scopes <list>', SCOPE_LIST_HELP, 'payments:read,payments:write')
    .action(async (name: string, options: { scopes: string }, command: Command) => {
      if (name.trim() === '' || name.length > 200)
        throw new UsageError('the name must be 1 to 200 characters');
      const scopes = await parseScopes(options.scopes);
      const { hashClientSecret, newClientId, newClientSecret } =
        await import('../../security/client-credentials.js');
      const { insertClient } = await import('../../storage/auth-clients.js');
      const clientId = newClientId();
      const clientSecret = newClientSecret();
      await withDatabase((db) =>
        insertClient(db, {
          id: clientId,
          name,
          secretHash: hashClientSecret(clientSecret),
          scope: scopes.join(' '),
        }),
      );
      if (jsonOf(command)) {
        print(renderJson({ clientId, clientSecret, scopes }));
        return;
      }
      print(
        renderDetails([
          ['Client ID', clientId],
          ['Client secret', clientSecret],
          ['Name', name],
          ['Scopes', scopes.join(' ')],
        ]),
      );
      note('the secret is shown only this once: store it now (Paybridge keeps only a hash of it)');
    });

  clients
    .command('list')
    .description('list clients (never their secrets)')
    .action(async (_options: object, command: Command) => {
      const { listClients } = await import('../../storage/auth-clients.js');
      const rows = await withDatabase((db) => listClients(db));
      const { formatDbTime } = await import('../../domain/time.js');
      const items = rows.map((row) => ({
        clientId: row.id,
        name: row.name,
        scopes: row.scope.split(' ').filter(Boolean),
        createdAt: formatDbTime(row.createdAt),
        ...(row.revokedAt === null ? {} : { revokedAt: formatDbTime(row.revokedAt) }),
      }));
      printList(
        { json: jsonOf(command) },
        { items },
        [
          { header: 'client id', value: (r) => text(r.clientId) },
          { header: 'name', value: (r) => text(r.name) },
          { header: 'scopes', value: (r) => (Array.isArray(r.scopes) ? r.scopes.join(' ') : '-') },
          { header: 'created', value: (r) => formatTime(r.createdAt) },
          { header: 'revoked', value: (r) => formatTime(r.revokedAt) },
        ],
        'clients',
        'create one with: paybridge clients create <name>',
      );
    });

  clients
    .command('revoke <clientId>')
    .description('revoke a client: no new tokens, and its tokens are refused within a second')
    .action(async (clientId: string, _options: object, command: Command) => {
      const { revokeClient } = await import('../../storage/auth-clients.js');
      const { formatDbTime } = await import('../../domain/time.js');
      const client = await withDatabase((db) => revokeClient(db, clientId));
      if (!client?.revokedAt) throw new NotFoundError(`no client ${clientId}`);
      const revokedAt = formatDbTime(client.revokedAt);
      if (jsonOf(command)) print(renderJson({ clientId, revokedAt }));
      else print(`revoked ${clientId} (at ${formatTime(revokedAt)})\n`);
    });

  const keys = program
    .command('signing-keys')
    .description('the keys Paybridge signs its tokens with (works on the database, like migrate)');

  keys
    .command('rotate')
    .description('make a new key active; the previous one verifies its tokens until they expire')
    .action(async (_options: object, command: Command) => {
      const { createLogger, openKeyring } = await import('../../app.js');
      const { readSettings } = await import('../../settings.js');
      const { generateSigningKey } = await import('../../security/signing-keys.js');
      const { rotateSigningKey } = await import('../../storage/signing-keys.js');
      const { pino } = await import('pino');
      const settings = readSettings();
      const logger = createLogger({ logLevel: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
      const keyring = await openKeyring(settings, logger);
      const next = await generateSigningKey(keyring);
      const retired = await withDatabase((db) => rotateSigningKey(db, next));
      if (jsonOf(command)) {
        print(renderJson({ kid: next.kid, ...(retired ? { retiredKid: retired } : {}) }));
        return;
      }
      print(`active signing key: ${next.kid}\n`);
      if (retired) {
        note(
          `key ${retired} retired: it stays in the JWKS, and its tokens keep working, until they expire ` +
            `(PAYBRIDGE_AUTH_TOKEN_TTL)`,
        );
      }
    });

  keys
    .command('list')
    .description('list signing keys: active, retired (still published) or expired')
    .action(async (_options: object, command: Command) => {
      const { readSettings } = await import('../../settings.js');
      const { listSigningKeys } = await import('../../storage/signing-keys.js');
      const { RETIRED_KEY_GRACE_MS } = await import('../../security/signing-keys.js');
      const { formatDbTime } = await import('../../domain/time.js');
      const settings = readSettings();
      const rows = await withDatabase((db) => listSigningKeys(db));
      const items = rows.map((row) => {
        const retiredAt = row.retiredAt === null ? undefined : formatDbTime(row.retiredAt);
        const publishedUntil =
          retiredAt === undefined
            ? undefined
            : new Date(Date.parse(retiredAt) + settings.auth.tokenTtlMs + RETIRED_KEY_GRACE_MS).toISOString();
        const status =
          publishedUntil === undefined
            ? 'active'
            : Date.parse(publishedUntil) > Date.now()
              ? 'retired'
              : 'expired';
        return {
          kid: row.kid,
          alg: row.alg,
          status,
          createdAt: formatDbTime(row.createdAt),
          ...(retiredAt ? { retiredAt } : {}),
          ...(publishedUntil ? { publishedUntil } : {}),
        };
      });
      printList(
        { json: jsonOf(command) },
        { items },
        [
          { header: 'status', value: (r) => text(r.status) },
          { header: 'alg', value: (r) => text(r.alg) },
          { header: 'created', value: (r) => formatTime(r.createdAt) },
          { header: 'published until', value: (r) => formatTime(r.publishedUntil) },
          { header: 'kid', value: (r) => text(r.kid) },
        ],
        'signing keys',
        'the first start with PAYBRIDGE_AUTH_ENABLED=true creates one',
      );
    });
}
