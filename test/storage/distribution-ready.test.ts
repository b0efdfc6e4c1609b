// The schema stays ready to be distributed by connector (Citus or any sharded PostgreSQL that co-locates
// rows by one column): every connector-scoped table can be sharded on `connector_id`, and every other
// table is global by nature (a reference table, replicated to every node). docs/scaling.md explains why.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OpenedDatabase, openDatabase } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Tables that are not sharded by connector, each with the reason. Any other table must hold a
 * `connector_id` column and meet the rules below; a new table fails this test until it does or is listed.
 */
const GLOBAL_TABLES: Record<string, string> = {
  paybridge_migrations: 'migration bookkeeping, read and written only by migrate()',
  connectors: 'the shard key itself; a handful of rows, names unique across all connectors',
  tasks:
    'API task ids for background work that outlives its connector (connector_id is null or points at a deleted connector)',
  outbox_events:
    'one publish order (seq) across the service, and events about pools, bank accounts and PSUs carry no connector (known gap, docs/scaling.md)',
  pools: 'user-defined sets of accounts across connectors; pool names unique service-wide',
  bank_accounts: 'created through the API, then forwarded to any number of connectors',
  payment_service_users: 'created through the API, then forwarded to any number of connectors',
  auth_clients: 'API clients of the whole service',
  auth_signing_keys: 'token signing keys of the whole service (at most one active)',
  audit_records: 'write requests to the API, whatever connector they touch',
  background_jobs:
    'the rare background work (removals, forwards, deletions at PSPs, housekeeping): ids only, some outlive their connector',
};

let testDb: TestDatabase;
let opened: OpenedDatabase;

interface TableInfo {
  name: string;
  connectorAttnum: number | null;
  connectorNotNull: boolean;
}
interface UniqueIndex {
  table: string;
  index: string;
  keys: number[];
}
interface ForeignKey {
  name: string;
  table: string;
  referenced: string;
  keys: number[];
  referencedKeys: number[];
}

let tables: Map<string, TableInfo>;
let uniques: UniqueIndex[];
let foreignKeys: ForeignKey[];

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = await openDatabase({ url: testDb.url, dataDir: '' });
  await migrate(opened.db);
  const db = opened.db;
  const tableRows = await sql<{ name: string; attnum: number | null; notnull: boolean | null }>`
    SELECT c.relname AS name, a.attnum, a.attnotnull AS notnull
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'connector_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`.execute(db);
  tables = new Map(
    tableRows.rows.map((r) => [
      r.name,
      {
        name: r.name,
        connectorAttnum: r.attnum === null ? null : Number(r.attnum),
        connectorNotNull: r.notnull === true,
      },
    ]),
  );
  const indexRows = await sql<{ table: string; index: string; keys: string }>`
    SELECT t.relname AS table, i.relname AS index, x.indkey::text AS keys
    FROM pg_index x
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND x.indisunique`.execute(db);
  uniques = indexRows.rows.map((r) => ({
    table: r.table,
    index: r.index,
    keys: r.keys.split(' ').map(Number),
  }));
  const fkRows = await sql<{
    name: string;
    table: string;
    referenced: string;
    keys: number[];
    referenced_keys: number[];
  }>`
    SELECT con.conname AS name, t.relname AS table, r.relname AS referenced,
      con.conkey::int[] AS keys, con.confkey::int[] AS referenced_keys
    FROM pg_constraint con
    JOIN pg_class t ON t.oid = con.conrelid
    JOIN pg_class r ON r.oid = con.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND con.contype = 'f'`.execute(db);
  foreignKeys = fkRows.rows.map((r) => ({
    name: r.name,
    table: r.table,
    referenced: r.referenced,
    keys: r.keys.map(Number),
    referencedKeys: r.referenced_keys.map(Number),
  }));
});

afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

const isGlobal = (table: string) => Object.hasOwn(GLOBAL_TABLES, table);
const scoped = () => [...tables.values()].filter((t) => !isGlobal(t.name));

it('reads a schema with both kinds of table (the catalog queries found something)', () => {
  expect(tables.size).toBeGreaterThan(20);
  for (const name of Object.keys(GLOBAL_TABLES)) expect(tables.has(name), `${name} exists`).toBe(true);
  expect(scoped().map((t) => t.name)).toEqual(expect.arrayContaining(['accounts', 'payments', 'schedules']));
});

it('gives every table not listed as global a NOT NULL connector_id to shard on', () => {
  const missing = scoped()
    .filter((t) => t.connectorAttnum === null || !t.connectorNotNull)
    .map((t) => t.name);
  expect(missing, 'tables neither global nor carrying a NOT NULL connector_id').toEqual([]);
});

it('includes connector_id in every primary key and unique index of a connector-scoped table', () => {
  const broken: string[] = [];
  for (const table of scoped()) {
    const own = uniques.filter((u) => u.table === table.name);
    if (own.length === 0) broken.push(`${table.name} (no primary key)`);
    for (const unique of own) {
      if (table.connectorAttnum === null || !unique.keys.includes(table.connectorAttnum)) {
        broken.push(`${table.name}.${unique.index}`);
      }
    }
  }
  expect(broken, 'unique indexes a shard cannot enforce on its own').toEqual([]);
});

it('joins connector-scoped tables on connector_id in every foreign key between them', () => {
  const broken: string[] = [];
  for (const fk of foreignKeys) {
    if (isGlobal(fk.referenced)) continue; // a distributed or reference table may point at a reference table
    if (isGlobal(fk.table)) {
      broken.push(`${fk.table}.${fk.name} (a global table must not point at a sharded one)`);
      continue;
    }
    const from = tables.get(fk.table)?.connectorAttnum;
    const to = tables.get(fk.referenced)?.connectorAttnum;
    const position = from == null ? -1 : fk.keys.indexOf(from);
    if (position < 0 || fk.referencedKeys[position] !== to) broken.push(`${fk.table}.${fk.name}`);
  }
  expect(broken, 'foreign keys that would cross shards').toEqual([]);
});
