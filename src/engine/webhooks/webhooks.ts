// Webhooks: verify a delivery at intake when its connector can do so locally, store it before
// acknowledging it, then (verify,) split and translate it in a durable job, and commit what it says
// through the same write path as polling.
import { createHash, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Webhook, WebhookTranslation } from '../../connectors/sdk/contract.js';
import { WebhookVerificationError } from '../../connectors/sdk/errors.js';
import { webhookIntakeOf } from '../../connectors/sdk/registry.js';
import { connectorIdCodec, type ConnectorId } from '../../domain/ids.js';
import { webhooksProcessed } from '../../observability/metrics.js';
import type { Db } from '../../storage/db.js';
import { openConnector, registrationOf } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import { NotFoundError } from '../../domain/errors.js';
import { emptyWrites, mapAccounts, mapBalances, mapPayments, type PageWrites } from '../ingestion/items.js';
import { storeWrites } from '../ingestion/page-commit.js';
import { normalisePath, openWebhookConfig, webhookConfigsOf } from '../../storage/webhooks.js';

/** Processing attempts of one delivery (verification or translation errors other than a bad signature). */
export const MAX_WEBHOOK_ATTEMPTS = 5;

export interface IncomingWebhook {
  connectorId: string;
  /** The path after `/connectors/webhooks/{connectorID}`. */
  path: string;
  method: string;
  headers: Record<string, string[]>;
  query: Record<string, string[]>;
  body: Buffer;
}

/** What became of a delivery at intake. */
export type Intake =
  /** Stored and queued; `verified` when its connector verified it already (a `local` verifier). */
  | { outcome: 'stored'; id: string; verified: boolean }
  /** A `local` verifier refused it: nothing was stored. `reason` is the connector's (for logs only). */
  | { outcome: 'refused'; reason: string }
  /** A `network` verifier has `unverifiedMax` deliveries waiting already: nothing was stored. */
  | { outcome: 'backlog-full' };

/** The key that makes a redelivery a no-op: the connector's, else the body's digest. */
const keyOf = (key: string | undefined, body: Buffer) =>
  key ?? createHash('sha256').update(body).digest('hex');

/**
 * Takes a delivery in. The connector must be installed and the path must be exactly one of its webhook
 * configs, else nothing is stored (NotFoundError). One query loads the connector and the config (and,
 * for a `network` verifier, counts its unverified deliveries up to the cap). A `local` verifier then
 * checks it here, against the time of this request, and only a delivery that passes is stored, marked
 * verified with its idempotency key. A `network` verifier's delivery is stored unverified while fewer
 * than the cap wait; the cap is soft by at most the requests in flight at once, which the ingress rate
 * limits bound. Storing and queueing the job is one transaction.
 */
export async function receiveWebhook(deps: EngineDeps, incoming: IncomingWebhook): Promise<Intake> {
  const { verification } = webhookIntakeOf(
    registrationOf(connectorIdCodec.decode(incoming.connectorId).provider),
  );
  const cap = deps.webhooks.unverifiedMax;
  const endpoint = await deps.db
    .selectFrom('webhook_configs as w')
    .innerJoin('connectors as c', 'c.id', 'w.connector_id')
    .select([
      'w.name',
      'w.url_path',
      'w.metadata_sealed',
      'c.provider',
      'c.config_encrypted',
      'c.calls_per_second',
    ])
    .select((eb) =>
      // A bounded count: at most `cap` entries of the partial index webhooks_unverified are read.
      (verification === 'network'
        ? eb
            .selectFrom(
              eb
                .selectFrom('webhooks as u')
                .select(sql<number>`1`.as('one'))
                .whereRef('u.connector_id', '=', 'c.id')
                .where('u.status', '=', 'RECEIVED')
                .where('u.verified_at', 'is', null)
                .limit(cap)
                .as('waiting'),
            )
            .select(eb.fn.countAll<string>().as('n'))
        : eb.val<string>('0')
      ).as('unverified'),
    )
    .where('w.connector_id', '=', incoming.connectorId)
    .where('w.url_path', '=', normalisePath(incoming.path))
    .where('c.scheduled_for_deletion', '=', false)
    .executeTakeFirst();
  if (!endpoint) throw new NotFoundError('no webhook endpoint here');

  let verified: { at: string; key: string } | undefined;
  if (verification === 'local') {
    const receivedAt = new Date();
    const connector = openConnector(deps, endpoint, incoming.connectorId, deps.logger);
    const webhook: Webhook = { headers: incoming.headers, queryValues: incoming.query, body: incoming.body };
    try {
      const answer = await connector.verifyWebhook({
        webhook,
        config: openWebhookConfig(deps.keyring, endpoint),
        receivedAt,
      });
      verified = { at: receivedAt.toISOString(), key: keyOf(answer.idempotencyKey, incoming.body) };
    } catch (error) {
      if (error instanceof WebhookVerificationError) return { outcome: 'refused', reason: error.message };
      throw error;
    }
  } else if (Number(endpoint.unverified) >= cap) {
    return { outcome: 'backlog-full' };
  }

  const id = randomUUID();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('webhooks')
      .values({
        id,
        connector_id: incoming.connectorId,
        config_name: endpoint.name,
        method: incoming.method,
        headers: JSON.stringify(incoming.headers),
        query: JSON.stringify(incoming.query),
        body: incoming.body,
        verified_at: verified?.at ?? null,
        idempotency_key: verified?.key ?? null,
      })
      .execute();
    await deps.jobs.enqueueWebhook(trx, id);
  });
  return { outcome: 'stored', id, verified: verified !== undefined };
}

type Outcome = 'PROCESSED' | 'DUPLICATE' | 'REJECTED' | 'FAILED';

async function finish(db: Db, id: string, status: Outcome, error: string | null): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ status, error, processed_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('status', '=', 'RECEIVED')
    .execute();
}

/** A delivery as its job claims it, with what is needed to open its connector. */
interface ClaimedWebhook {
  connector_id: string;
  config_name: string;
  headers: Record<string, string[]> | null;
  query: Record<string, string[]> | null;
  /** pg returns bytea as a Buffer, PGlite as a plain Uint8Array. */
  body: Uint8Array | null;
  received_at: string;
  attempts: number;
  /** Set when the intake verified it; `idempotency_key` then holds the key the verification gave. */
  verified_at: string | null;
  idempotency_key: string | null;
  provider: string;
  config_encrypted: string;
  calls_per_second: number | null;
  scheduled_for_deletion: boolean;
}

/**
 * The job: verify unless the intake did (a bad signature is recorded and dropped), split, translate, then commit every part
 * whose idempotency key is new, with the delivery's status, in one transaction. A replayed delivery is a
 * no-op that succeeds. Other errors are retried by the queue, up to MAX_WEBHOOK_ATTEMPTS.
 */
export async function processWebhook(deps: EngineDeps, id: string): Promise<void> {
  const claimed = await sql<ClaimedWebhook>`
    UPDATE webhooks w SET attempts = w.attempts + 1
    FROM connectors c
    WHERE w.id = ${id} AND w.status = 'RECEIVED' AND c.id = w.connector_id
    RETURNING w.connector_id, w.config_name, w.headers, w.query, w.body, w.received_at, w.attempts,
      w.verified_at, w.idempotency_key, c.provider, c.config_encrypted, c.calls_per_second, c.scheduled_for_deletion`.execute(
    deps.db,
  );
  const row = claimed.rows[0];
  if (!row) return;
  const logger = deps.logger.child({ webhookId: id, connectorId: row.connector_id });
  if (row.scheduled_for_deletion) {
    await finish(deps.db, id, 'FAILED', 'the connector is being uninstalled');
    return;
  }
  const outcome = await attempt(deps, id, row).catch(async (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof WebhookVerificationError) {
      logger.warn({ reason: message }, 'webhook rejected: verification failed');
      await finish(deps.db, id, 'REJECTED', message);
      return 'REJECTED' as const;
    }
    if (row.attempts >= MAX_WEBHOOK_ATTEMPTS || isTerminal(error)) {
      logger.error({ err: error }, 'webhook failed');
      await finish(deps.db, id, 'FAILED', `${message} (after ${row.attempts} attempts)`);
      return 'FAILED' as const;
    }
    await deps.db.updateTable('webhooks').set({ error: message }).where('id', '=', id).execute();
    throw error; // the queue retries it with backoff
  });
  webhooksProcessed.inc({ provider: row.provider, outcome });
}

/**
 * Errors that will not go away by trying again: the connector refused the delivery's content, or the
 * PSP refused the credentials of a call it made for it.
 */
function isTerminal(error: unknown): boolean {
  return (
    error instanceof Error &&
    ['InvalidRequestError', 'NotImplementedError', 'AuthenticationError'].includes(error.name)
  );
}

async function attempt(deps: EngineDeps, id: string, row: ClaimedWebhook): Promise<Outcome> {
  const config = (await webhookConfigsOf(deps.db, deps.keyring, row.connector_id)).find(
    (c) => c.name === row.config_name,
  );
  if (!config) throw new WebhookVerificationError(`webhook config ${row.config_name} no longer exists`);
  const connector = openConnector(deps, row, row.connector_id, deps.logger);
  const webhook: Webhook = {
    headers: row.headers ?? {},
    queryValues: row.query ?? {},
    // pg returns bytea as a Buffer, PGlite as a plain Uint8Array.
    body: row.body ? Buffer.from(row.body) : Buffer.alloc(0),
  };
  const receivedAt = new Date(row.received_at);
  const key =
    row.verified_at !== null && row.idempotency_key !== null
      ? row.idempotency_key
      : keyOf((await connector.verifyWebhook({ webhook, config, receivedAt })).idempotencyKey, webhook.body);
  let parts: Webhook[] = [webhook];
  try {
    parts = (await connector.trimWebhook({ webhook, config, receivedAt })).webhooks;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'NotImplementedError')) throw error;
  }
  const translated: WebhookTranslation[][] = [];
  for (const part of parts) {
    translated.push(
      (await connector.translateWebhook({ webhook: part, config, receivedAt, name: config.name })).responses,
    );
  }
  const connectorKey = connectorIdCodec.decode(row.connector_id);
  return deps.db.transaction().execute(async (trx) => {
    // Two jobs may hold the same delivery (the sweeper re-queued a slow one): the first to get here
    // decides, the other finds it done and writes nothing.
    const current = await trx
      .selectFrom('webhooks')
      .select('status')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (current?.status !== 'RECEIVED') return (current?.status ?? 'FAILED') as Outcome;
    const writes = emptyWrites();
    let fresh = 0;
    for (const [i, responses] of translated.entries()) {
      const partKey = parts.length > 1 ? `${key}-${i}` : key;
      const inserted = await trx
        .insertInto('webhook_keys')
        .values({ connector_id: row.connector_id, idempotency_key: partKey })
        .onConflict((oc) => oc.doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      if (!inserted) continue;
      fresh += 1;
      merge(writes, toWrites(connectorKey, responses));
    }
    await storeWrites(trx, connectorKey, writes);
    const status: Outcome = fresh === 0 ? 'DUPLICATE' : 'PROCESSED';
    const skipped = writes.skipped.map((s) => `${s.reference}: ${s.reason}`).join('; ');
    await trx
      .updateTable('webhooks')
      .set({
        status,
        idempotency_key: key,
        error: skipped === '' ? null : `skipped ${skipped}`,
        processed_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return status;
  });
}

function toWrites(connector: ConnectorId, responses: WebhookTranslation[]): PageWrites {
  const writes = emptyWrites();
  for (const r of responses) {
    switch (r.kind) {
      case 'account':
        merge(writes, mapAccounts(connector, 'INTERNAL', [r.account]));
        break;
      case 'externalAccount':
        merge(writes, mapAccounts(connector, 'EXTERNAL', [r.account]));
        break;
      case 'payment':
        merge(writes, mapPayments(connector, [r.payment]));
        break;
      case 'balance':
        merge(writes, mapBalances(connector, [r.balance]));
        break;
      case 'paymentToDelete':
        writes.paymentsToDelete.push(r.reference);
        break;
    }
  }
  return writes;
}

/** Appends `more` to `into`; a later write of the same row wins (one statement may touch a row once). */
function merge(into: PageWrites, more: PageWrites): void {
  const last = <T>(rows: T[], key: (row: T) => string) => [...new Map(rows.map((r) => [key(r), r])).values()];
  into.accounts = last([...into.accounts, ...more.accounts], (a) => a.id);
  into.balances = last([...into.balances, ...more.balances], (b) => `${b.accountId}\u0000${b.asset}`);
  into.payments = last(
    [...into.payments, ...more.payments].sort((x, y) => Number(y.child) - Number(x.child)),
    (p) => p.id,
  );
  into.adjustments = last([...into.adjustments, ...more.adjustments], (a) => a.id);
  into.skipped.push(...more.skipped);
  into.paymentsToDelete.push(...more.paymentsToDelete);
}

/**
 * Housekeeping, once a minute: re-queues deliveries whose job was lost (still RECEIVED after a minute),
 * and deletes deliveries and de-duplication keys older than the retention period.
 */
export async function sweepWebhooks(deps: EngineDeps): Promise<void> {
  const stuck = await sql<{ id: string }>`
    SELECT id FROM webhooks WHERE status = 'RECEIVED' AND received_at < now() - interval '1 minute'
    ORDER BY received_at LIMIT 10000`.execute(deps.db);
  await deps.jobs.enqueueWebhooks(
    deps.db,
    stuck.rows.map((r) => r.id),
  );
  const cutoff = new Date(Date.now() - deps.webhooks.retentionMs).toISOString();
  await deps.db
    .deleteFrom('webhooks')
    .where('received_at', '<', cutoff)
    .where('status', '<>', 'RECEIVED')
    .execute();
  await deps.db.deleteFrom('webhook_keys').where('created_at', '<', cutoff).execute();
}
