// Baselines for webhook intake: bare Fastify servers on the ingress's route that read the raw body and
// answer 200, one doing nothing else and one that first INSERTs the delivery as a row in a scratch database.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { createTestDatabase } from '../../test/support/database.js';
import { type Cleanup, once } from './harness.js';

/** The ingress route, so that only the host differs between a baseline and the service. */
const ROUTE = '/api/payments/v3/connectors/webhooks/:connectorID/*';
/** The service's pool size (src/storage/db.ts), so the INSERT baseline gets the same connections. */
const POOL_SIZE = 10;

export interface BaselineReceiver {
  url: string;
  /** Rows stored (the INSERT baseline), to check every delivery was persisted. */
  stored(): Promise<number | undefined>;
  stop(): Promise<void>;
}

function rawBodyServer(maxBytes: number): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: maxBytes, routerOptions: { maxParamLength: 16 * 1024 } });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  return app;
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** Reads the body, answers 200: the cost of HTTP and Fastify alone. */
export async function startBareReceiver(maxBytes: number, cleanup: Cleanup): Promise<BaselineReceiver> {
  const app = rawBodyServer(maxBytes);
  app.all(ROUTE, async (_request, reply) => reply.status(200).send());
  const url = await listen(app);
  const stop = once(() => app.close());
  cleanup.add('stop the bare Fastify baseline', stop);
  return { url, stored: async () => undefined, stop };
}

/**
 * Reads the body, INSERTs the delivery (method, headers, query, body, as the ingress stores it) into a
 * scratch table with one autocommitted statement, answers 200: what persisting a row costs, and no more.
 */
export async function startInsertReceiver(maxBytes: number, cleanup: Cleanup): Promise<BaselineReceiver> {
  const database = await createTestDatabase();
  const drop = once(() => database.drop());
  cleanup.add('drop the INSERT baseline database', drop);
  const pool = new pg.Pool({ connectionString: database.url, max: POOL_SIZE });
  pool.on('error', () => undefined);
  const end = once(() => pool.end());
  cleanup.add('close the INSERT baseline pool', end);
  await pool.query(`
    CREATE TABLE deliveries (
      id text PRIMARY KEY,
      connector_id text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now(),
      method text NOT NULL,
      headers jsonb,
      query jsonb,
      body bytea
    )`);

  const app = rawBodyServer(maxBytes);
  app.all(ROUTE, async (request, reply) => {
    const { connectorID } = request.params as { connectorID: string };
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    await pool.query(
      `INSERT INTO deliveries (id, connector_id, method, headers, query, body)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [randomUUID(), connectorID, request.method, JSON.stringify(request.headers), '{}', body],
    );
    return reply.status(200).send();
  });
  const url = await listen(app);
  const close = once(() => app.close());
  cleanup.add('stop the INSERT baseline', close);
  return {
    url,
    stored: async () =>
      Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM deliveries')).rows[0]?.n ?? 0),
    async stop() {
      await close();
      await end();
      await drop();
    },
  };
}
