// Wake-ups and the claim loop on both databases: a NOTIFY reaches a waiting loop at commit (not before,
// not after a rollback), a lost notification only delays work until the sweep, and a loop claims in batches.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClaimLoop } from '../../src/engine/execution/loop.js';
import { signalWork, Wakeups } from '../../src/engine/execution/wakeups.js';
import { openDatabase, type OpenedDatabase } from '../../src/storage/db.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const logger = pino({ level: 'silent' });

const backends: [string, () => Promise<{ opened: OpenedDatabase; cleanup(): Promise<void> }>][] = [
  [
    'PostgreSQL',
    async () => {
      const database: TestDatabase = await createTestDatabase();
      const opened = await openDatabase({ url: database.url, dataDir: '' });
      return {
        opened,
        async cleanup() {
          await opened.close();
          await database.drop();
        },
      };
    },
  ],
  [
    'PGlite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'pb-wakeups-'));
      const opened = await openDatabase({ dataDir: dir });
      return {
        opened,
        async cleanup() {
          await opened.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

describe.each(backends)('wake-ups on %s', (_name, open) => {
  let opened: OpenedDatabase;
  let cleanup: () => Promise<void>;
  let wakeups: Wakeups;

  beforeAll(async () => {
    ({ opened, cleanup } = await open());
    wakeups = await Wakeups.start(opened, logger);
  });
  afterAll(async () => {
    await wakeups.stop();
    await cleanup();
  });

  it('wakes a waiting loop when the signalling transaction commits, and not on a rollback', async () => {
    // A rolled-back signal never arrives: the wait runs to its timeout.
    const rolledBack = wakeups.wait('webhooks', 300);
    await opened.db
      .transaction()
      .execute(async (trx) => {
        await signalWork(trx, 'webhooks');
        throw new Error('roll back');
      })
      .catch(() => undefined);
    expect(await rolledBack).toBe('timeout');

    const waiting = wakeups.wait('webhooks', 10_000);
    const started = Date.now();
    await opened.db.transaction().execute(async (trx) => {
      await signalWork(trx, 'webhooks');
    });
    expect(await waiting).toBe('signal');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('keeps a signal that came while nobody waited for the next wait of that kind only', async () => {
    const before = wakeups.received.get('movements') ?? 0;
    await signalWork(opened.db, 'movements');
    // Delivery is asynchronous on PostgreSQL: wait for it to arrive.
    for (let i = 0; i < 100 && (wakeups.received.get('movements') ?? 0) === before; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(wakeups.received.get('movements')).toBe(before + 1);
    expect(await wakeups.wait('schedules', 50)).toBe('timeout');
    expect(await wakeups.wait('movements', 10_000)).toBe('signal');
    expect(await wakeups.wait('movements', 50)).toBe('timeout');
  });
});

describe('the claim loop', () => {
  let database: TestDatabase;
  let opened: OpenedDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase({ url: database.url, dataDir: '' });
    await sql`CREATE TABLE work (id int PRIMARY KEY, due_at timestamptz NOT NULL, done_at timestamptz,
      lease_until timestamptz, claimed_in int)`.execute(opened.db);
  });
  afterAll(async () => {
    await opened.close();
    await database.drop();
  });

  it('claims due rows in batches, runs each once, and finds unsignalled work at its sweep', async () => {
    const wakeups = await Wakeups.start(opened, logger);
    let claims = 0;
    const handled: number[] = [];
    const loop = runClaimLoop<{ id: number }>(
      {
        kind: 'jobs',
        async claim(limit) {
          claims += 1;
          const claimNo = claims;
          const result = await sql<{ id: number }>`
            UPDATE work SET lease_until = now() + interval '1 minute', claimed_in = ${claimNo}
            WHERE id IN (SELECT id FROM work WHERE done_at IS NULL AND due_at <= now()
              AND (lease_until IS NULL OR lease_until < now()) ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
            RETURNING id`.execute(opened.db);
          return { items: result.rows };
        },
        async handle(item) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          handled.push(item.id);
          await sql`UPDATE work SET done_at = now(), lease_until = NULL WHERE id = ${item.id}`.execute(
            opened.db,
          );
        },
      },
      { concurrency: 8, sweepMs: 400, wakeups, logger },
    );
    // 40 rows, signalled: handled promptly, each once, in batches (far fewer claims than rows).
    await opened.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO work (id, due_at) SELECT g, now() FROM generate_series(1, 40) g`.execute(trx);
      await signalWork(trx, 'jobs');
    });
    for (let i = 0; i < 200 && handled.length < 40; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const batches = await sql<{ n: number }>`SELECT count(DISTINCT claimed_in)::int AS n FROM work`.execute(
      opened.db,
    );
    expect(batches.rows[0]!.n).toBeLessThan(20);

    // A row inserted with no signal at all (a lost notification) is still found, by the sweep.
    await sql`INSERT INTO work (id, due_at) VALUES (41, now())`.execute(opened.db);
    for (let i = 0; i < 200 && !handled.includes(41); i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(handled).toContain(41);
    await wakeups.stop();
    await loop;
  });
});
