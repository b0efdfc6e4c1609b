// Outbox events reach a JetStream consumer exactly once per change, in order per entity, against a real NATS.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { installConnector } from '../../src/engine/lifecycle/connectors.js';
import { runSchedule } from '../../src/engine/ingestion/sync-run.js';
import { scheduleId } from '../../src/engine/ingestion/task-tree.js';
import { EventPublisher } from '../../src/events/publisher.js';
import { NatsSink } from '../../src/events/sinks.js';
import {
  updatePaymentStatus,
  writeDummyPayDirectory,
  type DummyPayData,
} from '../support/dummypay-fixtures.js';
import { startTestEngine, type TestEngine } from '../support/engine.js';

const NATS_URL = process.env.PAYBRIDGE_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const suffix = randomBytes(4).toString('hex');
const STREAM = `PBTEST_${suffix}`;
const SUBJECT = `pbtest.${suffix}`;

let engine: TestEngine;
let publisher: EventPublisher;
let nc: NatsConnection;
let dir: string;
let data: DummyPayData;

beforeAll(async () => {
  engine = await startTestEngine();
  dir = await mkdtemp(join(tmpdir(), 'pb-nats-'));
  data = await writeDummyPayDirectory(dir, { accounts: 3, payments: 40, seed: 9 });
  nc = await connect({ servers: NATS_URL });
  publisher = EventPublisher.start(
    engine.deps.db,
    engine.deps.logger,
    [await NatsSink.connect({ url: NATS_URL, stream: STREAM, subject: SUBJECT })],
    { idleMs: 50 },
  );
});
afterAll(async () => {
  await publisher?.stop();
  if (nc) {
    await (await jetstreamManager(nc)).streams.delete(STREAM).catch(() => undefined);
    await nc.close();
  }
  await engine?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Envelope {
  idempotency_key: string;
  type: string;
  app: string;
  payload: { id?: string; reference?: string; status?: string };
}

/** Everything in the stream, oldest first, through a fresh consumer. */
async function streamMessages(): Promise<{ msgId: string | undefined; body: Envelope }[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(STREAM);
  const total = info.state.messages;
  const name = `reader_${randomBytes(4).toString('hex')}`;
  await jsm.consumers.add(STREAM, { durable_name: name, ack_policy: AckPolicy.Explicit });
  const consumer = await jetstream(nc).consumers.get(STREAM, name);
  const out: { msgId: string | undefined; body: Envelope }[] = [];
  while (out.length < total) {
    const batch = await consumer.fetch({ max_messages: 500, expires: 2000 });
    for await (const m of batch) {
      out.push({ msgId: m.headers?.get('Nats-Msg-Id'), body: parseJson(m.string()) as Envelope });
      m.ack();
    }
  }
  await jsm.consumers.delete(STREAM, name);
  return out;
}

async function pending(): Promise<number> {
  const row = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM outbox_events WHERE status = 'PENDING'`.execute(engine.deps.db);
  return row.rows[0]?.n ?? -1;
}

async function drained(): Promise<void> {
  for (let i = 0; i < 100 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
  expect(await pending()).toBe(0);
}

it('delivers each change once, never re-delivers unchanged data, and lets the broker drop repeats', async () => {
  const { deps } = engine;
  const id = await installConnector(deps, 'dummypay', {
    name: 'published',
    directory: dir,
    pollingPeriod: '1m',
  });
  await runSchedule(deps, scheduleId(id, 'fetch_accounts', ''));
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  await drained();

  let messages = await streamMessages();
  expect(messages.filter((m) => m.body.type === 'SAVED_ACCOUNT')).toHaveLength(data.accounts.length);
  expect(messages.filter((m) => m.body.type === 'SAVED_PAYMENT')).toHaveLength(data.payments.length);
  for (const m of messages) expect(m.msgId).toBe(m.body.idempotency_key);
  expect(new Set(messages.map((m) => m.msgId)).size).toBe(messages.length);
  const sent = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM outbox_events WHERE status = 'SENT'`.execute(deps.db);
  expect(sent.rows[0]?.n).toBe(messages.length);

  // A re-fetch that changes nothing publishes nothing.
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  await drained();
  expect((await streamMessages()).length).toBe(messages.length);

  // A publisher that re-sends (say it crashed before marking its batch) is de-duplicated by the broker.
  await sql`UPDATE outbox_events SET status = 'PENDING' WHERE type = 'SAVED_PAYMENT'`.execute(deps.db);
  await drained();
  expect((await streamMessages()).length).toBe(messages.length);

  // Two changes of one payment arrive in order.
  const target = data.payments[0]?.reference as string;
  await updatePaymentStatus(dir, target, 'FAILED', new Date('2031-01-01T00:00:00Z'));
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  await updatePaymentStatus(dir, target, 'SUCCEEDED', new Date('2032-01-01T00:00:00Z'));
  await runSchedule(deps, scheduleId(id, 'fetch_payments', ''));
  await drained();
  messages = await streamMessages();
  const history = messages
    .filter((m) => m.body.payload.reference === target)
    .map((m) => m.body.payload.status);
  expect(history.slice(-2)).toEqual(['FAILED', 'SUCCEEDED']);
  expect(messages.length).toBe(data.accounts.length + data.payments.length + 2);
});
