// Opens the database: PostgreSQL through pg when a URL is given, otherwise embedded PGlite. Same SQL either way.
import { mkdir } from 'node:fs/promises';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { parseJson } from '../domain/json.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// Type OIDs whose text form we keep exact: int8, numeric, timestamptz (and timestamp); JSON goes through parseJson.
const KEEP_TEXT = [20, 1700, 1184, 1114];
const JSON_TYPES = [114, 3802];

export interface OpenedDatabase {
  db: Db;
  embedded: boolean;
  /**
   * Subscribes to a NOTIFY channel. On PostgreSQL this holds one connection of its own (outside the
   * pool) and reconnects after a loss; notifications sent while it was away are lost, so a listener must
   * only ever speed work up, never be the only way work is found. Returns the unsubscribe.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The pg type parsers every connection of ours uses (exact text for numbers and times, JSON parsed losslessly). */
function pgTypes() {
  const identity = (value: string) => value;
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (KEEP_TEXT.includes(oid)) return identity;
      if (JSON_TYPES.includes(oid)) return parseJson;
      return pg.types.getTypeParser(oid, format);
    }) as typeof pg.types.getTypeParser,
  };
}

/**
 * LISTEN on a dedicated client. A dropped connection is reopened after a pause (doubling up to 10 s);
 * the caller's sweep finds whatever was signalled meanwhile.
 */
async function listenOnPostgres(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let pauseMs = 250;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (message.channel === channel) onPayload(message.payload ?? '');
    });
    next.on('error', () => {
      // Handled by 'end', which follows: reconnect.
    });
    next.on('end', () => {
      if (stopped || client !== next) return;
      client = undefined;
      retry = setTimeout(() => void reconnect(), pauseMs);
      pauseMs = Math.min(pauseMs * 2, 10_000);
    });
    client = next;
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    pauseMs = 250;
  };
  const reconnect = async (): Promise<void> => {
    if (stopped) return;
    try {
      await connect();
    } catch {
      const failed = client;
      client = undefined;
      await failed?.end().catch(() => undefined);
      if (!stopped) {
        retry = setTimeout(() => void reconnect(), pauseMs);
        pauseMs = Math.min(pauseMs * 2, 10_000);
      }
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    const last = client;
    client = undefined;
    await last?.end().catch(() => undefined);
  };
}

export async function openDatabase(options: { url?: string; dataDir: string }): Promise<OpenedDatabase> {
  if (options.url) {
    const url = options.url;
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      // No JIT: our statements are short, and a batch write whose per-row index probes the planner
      // overestimates crossed jit_above_cost, paying ~50 ms of code generation per page (far more on a
      // busy machine) to save microseconds.
      options: '-c TimeZone=UTC -c jit=off',
      types: pgTypes(),
    });
    // The server may drop an idle connection (a restart, a failover, an administrator): the pool discards
    // it and the next query opens a new one. Without a listener, that event would crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      embedded: false,
      listen: (channel, onPayload) => listenOnPostgres(url, channel, onPayload),
      close: () => db.destroy(),
    };
  }

  const { PGlite } = await import('@electric-sql/pglite');
  const dir = `${options.dataDir}/pglite`;
  await mkdir(dir, { recursive: true });
  const identity = (value: string) => value;
  const parsers: Record<number, (value: string) => unknown> = {};
  for (const oid of KEEP_TEXT) parsers[oid] = identity;
  for (const oid of JSON_TYPES) parsers[oid] = parseJson;
  const lite = await PGlite.create(dir, { parsers });
  await lite.exec(`SET TIME ZONE 'UTC'`);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  return {
    db,
    embedded: true,
    // PGlite is one session in this process: its NOTIFYs reach its own listeners, delivered at commit.
    listen: async (channel, onPayload) => lite.listen(channel, onPayload),
    close: () => db.destroy(),
  };
}
