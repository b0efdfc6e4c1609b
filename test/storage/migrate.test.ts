// Migrations apply once, in order, even when several processes start at the same moment.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OpenedDatabase, openDatabase } from '../../src/storage/db.js';
import { migrate } from '../../src/storage/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let testDb: TestDatabase;
const opened: OpenedDatabase[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.close()));
  await testDb?.drop();
});

it('applies each migration exactly once when three processes migrate concurrently', async () => {
  // Separate pools stand in for separate processes: each has its own connections.
  for (let i = 0; i < 3; i++) opened.push(await openDatabase({ url: testDb.url, dataDir: '' }));
  const results = await Promise.all(opened.map((o) => migrate(o.db)));
  const applied = results.flat();
  // Every file was applied by exactly one of the three.
  const files = (
    await readdir(fileURLToPath(new URL('../../src/storage/migrations/', import.meta.url)))
  ).sort();
  expect([...applied].sort()).toEqual(files);
  const versions = await sql<{
    version: number;
  }>`SELECT version FROM paybridge_migrations ORDER BY version`.execute(opened[0]!.db);
  expect(versions.rows.map((r) => Number(r.version))).toEqual(files.map((f) => Number(f.slice(0, 4))));
  expect(await migrate(opened[1]!.db)).toEqual([]);
});
