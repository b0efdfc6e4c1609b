// A database server that drops idle connections (restart, failover) must not take the process down.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OpenedDatabase, openDatabase } from '../../src/storage/db.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../support/database.js';

let testDb: TestDatabase;
let opened: OpenedDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = await openDatabase({ url: testDb.url, dataDir: '' });
});
afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

it('keeps working after the server terminates its idle connections', async () => {
  await Promise.all([1, 2, 3].map(() => sql`SELECT pg_sleep(0.05)`.execute(opened.db)));
  const name = new URL(testDb.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const killed = await admin.query(
      'SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1) t',
      [name],
    );
    expect(killed.rows[0].n).toBeGreaterThan(0);
  } finally {
    await admin.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // let the pool see the terminations
  const result = await sql<{ one: number }>`SELECT 1 AS one`.execute(opened.db);
  expect(result.rows[0]?.one).toBe(1);
});
