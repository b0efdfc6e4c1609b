// The HTTP event sink: every event POSTed once, signed the Standard Webhooks way, retried after a failure.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { EventPublisher } from '../../src/events/publisher.js';
import { HttpSink } from '../../src/events/sinks.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { eventually } from '../support/service.js';

const SECRET = `whsec_${Buffer.from('a secret of the receiving end').toString('base64')}`;

let engine: TestEngine;
let server: Server;
let publisher: EventPublisher;
let dir: string;
const received: { id: string; verified: unknown }[] = [];
let failuresToGo = 1;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = await mkdtemp(join(tmpdir(), 'pb-http-sink-'));
  await writeDummyPayDirectory(dir, { accounts: 4, payments: 6, seed: 3 });
  const verifier = new Webhook(SECRET);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (failuresToGo > 0) {
        failuresToGo -= 1; // the receiver is down for the first delivery
        res.writeHead(503).end();
        return;
      }
      // Throws when the signature or timestamp is wrong.
      const verified = verifier.verify(body, req.headers as Record<string, string>);
      received.push({ id: String(req.headers['webhook-id']), verified });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  publisher = EventPublisher.start(engine.deps.db, engine.deps.logger, [new HttpSink(url, SECRET)], {
    idleMs: 50,
  });
});
afterAll(async () => {
  await publisher?.stop();
  server?.close();
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('delivers each event once with a valid signature, after retrying a failed delivery', async () => {
  const { deps } = engine;
  const id = await installConnector(deps, 'dummypay', {
    name: 'hooked',
    directory: dir,
    pollingPeriod: '1m',
  });
  await runSchedule(deps, scheduleId(id, 'fetch_accounts', ''));
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  const expected = await deps.db.selectFrom('outbox_events').select('id').execute();
  expect(expected.length).toBe(4 + 6);

  await eventually(
    async () => (received.length >= expected.length ? true : undefined),
    20_000,
    'all deliveries',
  );
  expect(received.map((r) => r.id).sort()).toEqual(expected.map((e) => e.id).sort());
  expect(received[0]?.verified).toMatchObject({ app: 'payments', version: 'v3', type: expect.any(String) });
  // The publisher marks a batch SENT after the receiver has answered, so the last mark may lag the
  // last delivery a little.
  const states = await eventually(
    async () => {
      const rows = await sql<{ status: string; attempts: number }>`
        SELECT status, attempts FROM outbox_events ORDER BY attempts DESC`.execute(deps.db);
      return rows.rows.every((r) => r.status === 'SENT') ? rows.rows : undefined;
    },
    10_000,
    'every event to be marked SENT',
  );
  expect(states.map((r) => r.attempts).sort()).toEqual(
    [2, ...new Array<number>(expected.length - 1).fill(1)].sort(),
  );
  expect(received).toHaveLength(expected.length); // and nothing was delivered twice
});
