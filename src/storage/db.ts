// Opens the database: PostgreSQL through pg when a URL is given, otherwise embedded PGlite. Same SQL either way.
import { mkdir } from 'node:fs/promises';
import { CompiledQuery, Kysely, PostgresDialect } from 'kysely';
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
  close(): Promise<void>;
}

export async function openDatabase(options: { url?: string; dataDir: string }): Promise<OpenedDatabase> {
  if (options.url) {
    const identity = (value: string) => value;
    const pool = new pg.Pool({
      connectionString: options.url,
      max: 10,
      options: '-c TimeZone=UTC',
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
          if (KEEP_TEXT.includes(oid)) return identity;
          if (JSON_TYPES.includes(oid)) return parseJson;
          return pg.types.getTypeParser(oid, format);
        }) as typeof pg.types.getTypeParser,
      },
    });
    // The server may drop an idle connection (a restart, a failover, an administrator): the pool discards
    // it and the next query opens a new one. Without a listener, that event would crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, embedded: false, close: () => db.destroy() };
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
  return { db, embedded: true, close: () => db.destroy() };
}

/** The shape pg-boss expects of a database: it runs its SQL through our Kysely connection (or transaction). */
export function jobDatabase(db: Kysely<unknown>) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      const result = await db.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows };
    },
  };
}
