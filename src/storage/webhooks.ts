// Webhook configs (the endpoints a connector registered at its PSP, their metadata sealed) and deliveries
// (stored at intake, claimed by workers in batches, finished many at a time).
import type { WebhookConfig } from '../connectors/sdk/contract.js';
import { parseJson, stringifyJson } from '../domain/json.js';
import type { Keyring } from '../security/encryption.js';
import { sql } from 'kysely';
import type { Db } from './db.js';
import { unnestRows } from './unnest.js';

/** `/events`, `events/` and `events` are one path. */
export const normalisePath = (path: string) => `/${path.replace(/^\/+/, '').replace(/\/+$/, '')}`;

/** Stores (or replaces) a connector's webhook configs. */
export async function saveWebhookConfigs(
  db: Db,
  keyring: Keyring,
  connectorId: string,
  configs: WebhookConfig[],
): Promise<void> {
  if (configs.length === 0) return;
  await db
    .insertInto('webhook_configs')
    .values(
      configs.map((c) => ({
        connector_id: connectorId,
        name: c.name,
        url_path: normalisePath(c.urlPath),
        metadata_sealed: keyring.encrypt(stringifyJson(c.metadata)),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['connector_id', 'name']).doUpdateSet((eb) => ({
        url_path: eb.ref('excluded.url_path'),
        metadata_sealed: eb.ref('excluded.metadata_sealed'),
      })),
    )
    .execute();
}

/** A connector's webhook configs with their metadata opened (for verification and for uninstall). */
export async function webhookConfigsOf(
  db: Db,
  keyring: Keyring,
  connectorId: string,
): Promise<WebhookConfig[]> {
  const rows = await db
    .selectFrom('webhook_configs')
    .select(['name', 'url_path', 'metadata_sealed'])
    .where('connector_id', '=', connectorId)
    .execute();
  return rows.map((r) => openWebhookConfig(keyring, r));
}

/** A stored webhook config with its metadata opened. */
export function openWebhookConfig(
  keyring: Keyring,
  row: { name: string; url_path: string; metadata_sealed: string },
): WebhookConfig {
  return {
    name: row.name,
    urlPath: row.url_path,
    metadata: parseJson(keyring.decrypt(row.metadata_sealed)) as Record<string, string>,
  };
}

// ---- deliveries ---------------------------------------------------------------------------------------

/** What the intake needs to verify and store a delivery: its endpoint and connector. */
export interface WebhookEndpoint {
  name: string;
  url_path: string;
  metadata_sealed: string;
  provider: string;
  config_encrypted: string;
  calls_per_second: number | null;
  /** A network verifier's deliveries waiting unverified, counted up to the cap ('0' without a cap). */
  unverified: string;
}

/**
 * The endpoint at `path` of an installed connector (undefined if none), in one query. With `unverifiedCap`,
 * also counts the connector's unverified deliveries, reading at most that many entries of the partial
 * index webhooks_unverified.
 */
export async function webhookEndpoint(
  db: Db,
  connectorId: string,
  path: string,
  unverifiedCap: number | undefined,
): Promise<WebhookEndpoint | undefined> {
  return db
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
      (unverifiedCap !== undefined
        ? eb
            .selectFrom(
              eb
                .selectFrom('webhooks as u')
                .select(sql<number>`1`.as('one'))
                .whereRef('u.connector_id', '=', 'c.id')
                .where('u.status', '=', 'RECEIVED')
                .where('u.verified_at', 'is', null)
                .limit(unverifiedCap)
                .as('waiting'),
            )
            .select(eb.fn.countAll<string>().as('n'))
        : eb.val<string>('0')
      ).as('unverified'),
    )
    .where('w.connector_id', '=', connectorId)
    .where('w.url_path', '=', normalisePath(path))
    .where('c.scheduled_for_deletion', '=', false)
    .executeTakeFirst() as Promise<WebhookEndpoint | undefined>;
}

export interface NewDelivery {
  id: string;
  connectorId: string;
  method: string;
  headers: Record<string, string[]>;
  query: Record<string, string[]>;
  body: Buffer;
  /** Set when the intake verified it, with the key the verification gave. */
  verified?: { at: string; key: string };
}

/**
 * The endpoint as the intake saw it: the delivery is stored only if it is still so (same config, same
 * sealed secret, same connector config, the connector not being uninstalled) and, with `unverifiedCap`,
 * fewer than that many of the connector's deliveries wait unverified.
 */
export interface DeliveryGuard {
  configName: string;
  urlPath: string;
  metadataSealed: string;
  configEncrypted: string;
  unverifiedCap?: number;
}

/**
 * Stores a delivery, due at once, in ONE statement, provided the endpoint is still as `guard` says.
 * Returns false (nothing stored) when it is not. It does not NOTIFY: a notifying transaction takes a
 * database-wide lock at commit, which serialises concurrent intakes (the caller wakes the workers,
 * coalesced, after the commit).
 */
export async function storeDelivery(db: Db, d: NewDelivery, guard: DeliveryGuard): Promise<boolean> {
  const cap =
    guard.unverifiedCap === undefined
      ? sql``
      : sql`AND (SELECT count(*) FROM (SELECT 1 FROM webhooks u WHERE u.connector_id = c.id
          AND u.status = 'RECEIVED' AND u.verified_at IS NULL LIMIT ${guard.unverifiedCap}) waiting) < ${guard.unverifiedCap}`;
  const { rows } = await sql<{ id: string }>`
    WITH stored AS (
      INSERT INTO webhooks (id, connector_id, config_name, method, headers, query, body, verified_at, idempotency_key)
      SELECT ${d.id}, w.connector_id, w.name, ${d.method}, ${JSON.stringify(d.headers)}::jsonb,
        ${JSON.stringify(d.query)}::jsonb, ${d.body}, ${d.verified?.at ?? null}::timestamptz, ${d.verified?.key ?? null}
      FROM webhook_configs w JOIN connectors c ON c.id = w.connector_id
      WHERE w.connector_id = ${d.connectorId} AND w.name = ${guard.configName} AND w.url_path = ${guard.urlPath}
        AND w.metadata_sealed = ${guard.metadataSealed} AND c.config_encrypted = ${guard.configEncrypted}
        AND NOT c.scheduled_for_deletion ${cap}
      RETURNING id
    )
    SELECT id FROM stored`.execute(db);
  return rows.length > 0;
}

/** A delivery as a worker claims it, with what is needed to open its connector and its config. */
export interface ClaimedDelivery {
  id: string;
  connector_id: string;
  config_name: string;
  headers: Record<string, string[]> | null;
  query: Record<string, string[]> | null;
  /** pg returns bytea as a Buffer, PGlite as a plain Uint8Array. */
  body: Uint8Array | null;
  received_at: string;
  /** This attempt's number; it also fences the commit (a later claim of the delivery increments it). */
  attempts: number;
  /** Set when the intake verified it; `idempotency_key` then holds the key the verification gave. */
  verified_at: string | null;
  idempotency_key: string | null;
  provider: string;
  config_encrypted: string;
  calls_per_second: number | null;
  scheduled_for_deletion: boolean;
  /** The delivery's webhook config (null: it no longer exists). */
  url_path: string | null;
  metadata_sealed: string | null;
}

/**
 * Claims up to `limit` due deliveries, oldest due first, and leases them for `leaseMs` (due_at moves to
 * the lease's end and attempts counts the claim), in ONE statement that skips deliveries other workers
 * hold. Also returns how long until the next delivery that is not due yet falls due (a retry, or a lease
 * that will expire), so an idle worker sleeps no longer than that.
 */
export async function claimDeliveries(
  db: Db,
  limit: number,
  leaseMs: number,
): Promise<{ deliveries: ClaimedDelivery[]; nextDueInMs: number | undefined }> {
  const { rows } = await sql<Partial<ClaimedDelivery> & { next_due_ms: number | null }>`
    WITH due AS (
      SELECT id FROM webhooks WHERE status = 'RECEIVED' AND due_at <= now()
      ORDER BY due_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE webhooks w SET attempts = w.attempts + 1, due_at = now() + ${leaseMs}::int * interval '1 millisecond'
      FROM due WHERE w.id = due.id
      RETURNING w.id, w.connector_id, w.config_name, w.headers, w.query, w.body, w.received_at, w.attempts,
        w.verified_at, w.idempotency_key, w.due_at
    ), later AS (
      SELECT (1000 * extract(epoch FROM min(due_at) - now()))::float8 AS next_due_ms
      FROM webhooks WHERE status = 'RECEIVED' AND due_at > now()
    )
    SELECT d.id, d.connector_id, d.config_name, d.headers, d.query, d.body, d.received_at, d.attempts,
      d.verified_at, d.idempotency_key, d.provider, d.config_encrypted, d.calls_per_second,
      d.scheduled_for_deletion, d.url_path, d.metadata_sealed, later.next_due_ms
    FROM later LEFT JOIN (
      SELECT claimed.*, c.provider, c.config_encrypted, c.calls_per_second, c.scheduled_for_deletion,
        wc.url_path, wc.metadata_sealed
      FROM claimed JOIN connectors c ON c.id = claimed.connector_id
      LEFT JOIN webhook_configs wc ON wc.connector_id = claimed.connector_id AND wc.name = claimed.config_name
    ) d ON true
    ORDER BY d.due_at`.execute(db);
  const next = rows[0]?.next_due_ms;
  return {
    deliveries: rows.filter((r) => r.id != null) as ClaimedDelivery[],
    nextDueInMs: next == null ? undefined : Math.max(0, Number(next)),
  };
}

/** A claimed delivery, named by its id and the attempt that claimed it. */
export interface DeliveryClaim {
  id: string;
  attempts: number;
}

/** A de-duplication key one delivery (or one part of it) brings. */
export interface DeliveryKey {
  webhookId: string;
  connectorId: string;
  key: string;
}

/**
 * Inside the commit's transaction, in ONE statement: locks the deliveries this worker still holds (still
 * RECEIVED and not claimed again since: `attempts` unchanged) and records the keys those bring. Returns
 * the deliveries held and the keys that were new (`connectorId \0 key`); a key several deliveries bring
 * is new for at most one of them, the first in `keys` among those held.
 */
export async function holdAndRecordKeys(
  trx: Db,
  claims: DeliveryClaim[],
  keys: DeliveryKey[],
): Promise<{ held: Set<string>; fresh: Set<string> }> {
  const { rows } = await sql<{ kind: 'held' | 'fresh'; a: string; b: string | null }>`
    WITH held AS (
      SELECT w.id FROM webhooks w
      JOIN ${unnestRows(claims, 'o', { id: (c) => c.id, attempts: (c) => String(c.attempts) })}
        ON w.id = o.id AND w.attempts = o.attempts::int
      WHERE w.status = 'RECEIVED'
      FOR UPDATE OF w
    ), fresh AS (
      INSERT INTO webhook_keys (connector_id, idempotency_key)
      SELECT DISTINCT ON (k.connector_id, k.idempotency_key) k.connector_id, k.idempotency_key
      FROM ${unnestRows(
        keys.map((k, i) => ({ ...k, i })),
        'k',
        {
          webhook_id: (k) => k.webhookId,
          connector_id: (k) => k.connectorId,
          idempotency_key: (k) => k.key,
          ord: (k) => String(k.i),
        },
      )}
      JOIN held ON held.id = k.webhook_id
      ORDER BY k.connector_id, k.idempotency_key, k.ord::int
      ON CONFLICT DO NOTHING
      RETURNING connector_id, idempotency_key
    )
    SELECT 'held' AS kind, id AS a, NULL AS b FROM held
    UNION ALL SELECT 'fresh', connector_id, idempotency_key FROM fresh`.execute(trx);
  const held = new Set<string>();
  const fresh = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'held') held.add(r.a);
    else fresh.add(`${r.a}\u0000${r.b}`);
  }
  return { held, fresh };
}

/** What became of one attempt at a delivery. */
export interface DeliveryOutcome extends DeliveryClaim {
  /** RECEIVED: the attempt failed and the delivery is retried after `retryInMs`. */
  status: 'PROCESSED' | 'DUPLICATE' | 'REJECTED' | 'FAILED' | 'RECEIVED';
  error: string | null;
  /** The key the delivery's verification gave (kept as it was when null). */
  idempotencyKey: string | null;
  retryInMs?: number;
}

/**
 * Records the outcomes of many attempts in ONE statement; only deliveries still held by the attempt
 * (RECEIVED, `attempts` unchanged) change. A finished delivery gets its processing time; a retried one
 * stays RECEIVED with its error and falls due again after its backoff.
 */
export async function finishDeliveries(db: Db, outcomes: DeliveryOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    UPDATE webhooks w SET
      status = o.status,
      error = o.error,
      idempotency_key = COALESCE(o.idempotency_key, w.idempotency_key),
      processed_at = CASE WHEN o.status = 'RECEIVED' THEN NULL ELSE now() END,
      due_at = CASE WHEN o.status = 'RECEIVED' THEN now() + o.retry_ms::int * interval '1 millisecond'
               ELSE w.due_at END
    FROM ${unnestRows(outcomes, 'o', {
      id: (o) => o.id,
      attempts: (o) => String(o.attempts),
      status: (o) => o.status,
      error: (o) => o.error,
      idempotency_key: (o) => o.idempotencyKey,
      retry_ms: (o) => String(Math.round(o.retryInMs ?? 0)),
    })}
    WHERE w.id = o.id AND w.attempts = o.attempts::int AND w.status = 'RECEIVED'`.execute(db);
}

/** Deletes finished deliveries and de-duplication keys older than `cutoff` (retention). */
export async function deleteOldDeliveries(db: Db, cutoff: Date): Promise<void> {
  const at = cutoff.toISOString();
  await db.deleteFrom('webhooks').where('received_at', '<', at).where('status', '<>', 'RECEIVED').execute();
  await db.deleteFrom('webhook_keys').where('created_at', '<', at).execute();
}
