// Applies the numbered SQL migrations in order, under an advisory lock so concurrent starts are safe.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './db.js';

// Running from dist/, the SQL files stay in src/ (they ship in the package); from src/ they sit beside us.
function migrationsDir(): string {
  const candidates = ['./migrations/', '../../../src/storage/migrations/'];
  for (const candidate of candidates) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('migrations folder not found');
}

const LOCK_KEY = 0x70617962; // "payb"

export async function migrate(db: Db): Promise<string[]> {
  const dir = migrationsDir();
  const files = (await readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_KEY})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS paybridge_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
      trx,
    );
    const applied = await sql<{ version: number }>`SELECT version FROM paybridge_migrations`.execute(trx);
    const done = new Set(applied.rows.map((r) => Number(r.version)));
    const ran: string[] = [];
    for (const file of files) {
      const version = Number(file.slice(0, 4));
      if (done.has(version)) continue;
      await sql.raw(await readFile(`${dir}/${file}`, 'utf8')).execute(trx);
      await sql`INSERT INTO paybridge_migrations (version, name) VALUES (${version}, ${file})`.execute(trx);
      ran.push(file);
    }
    return ran;
  });
}
