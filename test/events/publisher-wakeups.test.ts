// The publisher on wake-ups: with a sweep far longer than the test, events reach the sink only because
// recordEvents signals them at commit, and a failed delivery comes back when its backoff ends.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { EventPublisher } from '../../src/events/publisher.js';
import { HttpSink } from '../../src/events/sinks.js';
import { writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';
import { eventually } from '../support/service.js';

const SECRET = `whsec_${Buffer.from('wake-up test').toString('base64')}`;
/** Longer than the whole test: no delivery here can come from a sweep. */
const SWEEP_MS = 10 * 60_000;

let engine: TestEngine;
let server: Server;
let publisher: EventPublisher;
let dir: string;
const received: string[] = [];
let failuresToGo = 1;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = await mkdtemp(join(tmpdir(), 'pb-publisher-wakeups-'));
  await writeDummyPayDirectory(dir, { accounts: 2, payments: 3, seed: 11 });
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (failuresToGo > 0) {
        failuresToGo -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push(String(req.headers['webhook-id']));
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  publisher = EventPublisher.start(engine.deps.db, engine.deps.logger, [new HttpSink(url, SECRET)], {
    wakeups: engine.deps.wakeups,
    idleMs: SWEEP_MS,
  });
});
afterAll(async () => {
  await publisher?.stop();
  server?.close();
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('publishes new events on their signal and retries a failed one after its backoff, without polling', async () => {
  const { deps } = engine;
  const id = await installConnector(deps, 'dummypay', {
    name: 'signalled',
    directory: dir,
    pollingPeriod: '1m',
  });
  await runSchedule(deps, scheduleId(id, 'fetch_accounts', ''));
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  const expected = await deps.db
    .selectFrom('outbox_events')
    .select('id')
    .where('connector_id', '=', id)
    .execute();
  expect(expected).toHaveLength(2 + 3);

  await eventually(
    async () => (received.length >= expected.length ? true : undefined),
    30_000,
    'all deliveries',
  );
  expect([...received].sort()).toEqual(expected.map((e) => e.id).sort());
  expect(failuresToGo).toBe(0);
  expect(deps.wakeups.received.get('events') ?? 0).toBeGreaterThan(0);
});
