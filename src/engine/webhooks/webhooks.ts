// Webhooks: verify a delivery at intake when its connector can do so locally and store it (one statement)
// before acknowledging it, then wake the workers. A worker claims due deliveries in batches (the
// claim is the queue: no job per delivery), verifies, splits and translates them concurrently, and commits
// the results of many deliveries together, through the same write path as polling.
import { createHash, randomUUID } from 'node:crypto';
import type { Connector, Webhook, WebhookConfig, WebhookTranslation } from '../../connectors/sdk/contract.js';
import { WebhookVerificationError } from '../../connectors/sdk/errors.js';
import { webhookIntakeOf } from '../../connectors/sdk/registry.js';
import { connectorIdCodec, type ConnectorId } from '../../domain/ids.js';
import { NotFoundError } from '../../domain/errors.js';
import { webhooksProcessed } from '../../observability/metrics.js';
import {
  type ClaimedDelivery,
  claimDeliveries,
  deleteOldDeliveries,
  type DeliveryKey,
  type DeliveryOutcome,
  finishDeliveries,
  holdAndRecordKeys,
  normalisePath,
  openWebhookConfig,
  storeDelivery,
  webhookEndpoint,
  type WebhookEndpoint,
} from '../../storage/webhooks.js';
import type { ClaimSource, Claimed } from '../execution/loop.js';
import { signalWork } from '../execution/wakeups.js';
import { openConnector, registrationOf } from '../lifecycle/connector-instance.js';
import type { EngineDeps } from '../deps.js';
import {
  emptyWrites,
  mapAccounts,
  mapBalances,
  mapPayments,
  mergeWrites,
  type PageWrites,
} from '../ingestion/items.js';
import { storeWrites } from '../ingestion/page-commit.js';

/** Processing attempts of one delivery (verification or translation errors other than a bad signature). */
export const MAX_WEBHOOK_ATTEMPTS = 5;
/**
 * How long a claimed delivery stays with its worker. A worker that dies leaves its deliveries to whoever
 * claims after that; one that is merely slow finds, at commit, that they were claimed again and drops its
 * result (the claim count fences the commit).
 */
export const WEBHOOK_LEASE_MS = 60_000;
/** The claim loop's sweep: how long a delivery whose notification was lost may wait. */
export const WEBHOOK_SWEEP_MS = 5_000;
/**
 * Deliveries a worker holds at once (at least; PAYBRIDGE_WORKER_CONCURRENCY if higher). Attempts are
 * cheap and commits are shared, so more slots make larger group commits.
 */
export const WEBHOOK_SLOTS = 64;
/** Deliveries committed in one transaction at most. */
const MAX_COMMIT_BATCH = 256;

/** The wait before attempt n + 1 after n failed attempts: 1 s, 2 s, 4 s, 8 s, … (at most a minute). */
export const retryDelayMs = (attempts: number) => Math.min(60_000, 1000 * 2 ** Math.max(0, attempts - 1));

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
  /** Stored (due at once); `verified` when its connector verified it already (a `local` verifier). */
  | { outcome: 'stored'; id: string; verified: boolean }
  /** A `local` verifier refused it: nothing was stored. `reason` is the connector's (for logs only). */
  | { outcome: 'refused'; reason: string }
  /** A `network` verifier has `unverifiedMax` deliveries waiting already: nothing was stored. */
  | { outcome: 'backlog-full' };

/** The key that makes a redelivery a no-op: the connector's, else the body's digest. */
const keyOf = (key: string | undefined, body: Buffer) =>
  key ?? createHash('sha256').update(body).digest('hex');

/** How long the intake reuses an endpoint it looked up (the insert checks it is still current). */
const ENDPOINT_CACHE_MS = 5_000;
const MAX_CACHED_ENDPOINTS = 10_000;
interface CachedEndpoint {
  endpoint: WebhookEndpoint;
  config: WebhookConfig;
  /** Opened once per lookup (the insert checks the connector's config is still the one it opened). */
  connector: Connector | undefined;
  until: number;
}
/** Per database: two services in one process (tests) keep apart. */
const endpointCaches = new WeakMap<object, Map<string, CachedEndpoint>>();

/**
 * Takes a delivery in. The connector must be installed and the path must be exactly one of its webhook
 * configs, else nothing is stored (NotFoundError). One query loads the connector and the config (and,
 * for a `network` verifier, counts its unverified deliveries up to the cap). A `local` verifier then
 * checks it here, against the time of this request, and only a delivery that passes is stored, marked
 * verified with its idempotency key. A `network` verifier's delivery is stored unverified while fewer
 * than the cap wait; the cap is soft by at most the requests in flight at once, which the ingress rate
 * limits bound. Storing it is one statement (then the workers are woken), which stores it only if the endpoint
 * is still the one verified against (and, for a `network` verifier, the cap is not reached); so a `local`
 * verifier's endpoint may come from a short-lived cache, and a busy endpoint costs one statement per
 * delivery. When the endpoint changed, the delivery is taken in again from a fresh lookup.
 */
export async function receiveWebhook(deps: EngineDeps, incoming: IncomingWebhook): Promise<Intake> {
  return (await intake(deps, incoming, true)) ?? (await intake(deps, incoming, false)) ?? notHere();
}

/** Per database: whether a wake-up is being sent, and whether deliveries were stored since it was sent. */
const wakers = new WeakMap<object, { sending: boolean; again: boolean }>();

/**
 * Wakes the webhook workers after a delivery committed: this process's loop at once, the others by a
 * NOTIFY of its own (not folded into the insert: a notifying commit takes a database-wide lock, so one
 * per delivery serialises the intake; measured 2 100 → 380–590 inserts/s from 32 senders). At most one
 * NOTIFY is in flight per process; deliveries stored meanwhile share the next one. Not awaited: the
 * delivery is durable already, and a lost wake-up only delays it until a worker's sweep.
 */
function wakeWorkers(deps: EngineDeps): void {
  deps.wakeups.poke('webhooks');
  let waker = wakers.get(deps.db);
  if (!waker) wakers.set(deps.db, (waker = { sending: false, again: false }));
  if (waker.sending) {
    waker.again = true;
    return;
  }
  const state = waker;
  state.sending = true;
  void (async () => {
    try {
      do {
        state.again = false;
        await signalWork(deps.db, 'webhooks');
      } while (state.again);
    } catch (error) {
      deps.logger.warn(
        { err: error },
        'could not signal webhook workers; their sweep will find the deliveries',
      );
    } finally {
      state.sending = false;
    }
  })();
}

function notHere(): never {
  throw new NotFoundError('no webhook endpoint here');
}

/** One try at taking a delivery in; undefined when the endpoint changed between lookup and insert. */
async function intake(
  deps: EngineDeps,
  incoming: IncomingWebhook,
  cached: boolean,
): Promise<Intake | undefined> {
  const { verification } = webhookIntakeOf(
    registrationOf(connectorIdCodec.decode(incoming.connectorId).provider),
  );
  const cap = deps.webhooks.unverifiedMax;
  let cache = endpointCaches.get(deps.db);
  if (!cache) endpointCaches.set(deps.db, (cache = new Map()));
  const cacheKey = `${incoming.connectorId}\u0000${normalisePath(incoming.path)}`;
  let known = cached && verification === 'local' ? cache.get(cacheKey) : undefined;
  if (known && known.until < Date.now()) known = undefined;
  // A try that may use the cache and finds nothing there is a fresh one.
  if (!known) cached = false;
  if (!known) {
    const endpoint = await webhookEndpoint(
      deps.db,
      incoming.connectorId,
      incoming.path,
      verification === 'network' ? cap : undefined,
    );
    if (!endpoint) return notHere();
    if (verification === 'network' && Number(endpoint.unverified) >= cap) return { outcome: 'backlog-full' };
    known = {
      endpoint,
      config: openWebhookConfig(deps.keyring, endpoint),
      connector:
        verification === 'local'
          ? openConnector(deps, endpoint, incoming.connectorId, deps.logger)
          : undefined,
      until: Date.now() + ENDPOINT_CACHE_MS,
    };
    if (verification === 'local') {
      if (cache.size >= MAX_CACHED_ENDPOINTS) cache.clear();
      cache.set(cacheKey, known);
    }
  }
  const { endpoint, config, connector } = known;

  let verified: { at: string; key: string } | undefined;
  if (connector) {
    const receivedAt = new Date();
    const webhook: Webhook = { headers: incoming.headers, queryValues: incoming.query, body: incoming.body };
    try {
      const answer = await connector.verifyWebhook({ webhook, config, receivedAt });
      verified = { at: receivedAt.toISOString(), key: keyOf(answer.idempotencyKey, incoming.body) };
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        // The secret may have changed since it was cached: only a fresh lookup may refuse.
        if (cached) return undefined;
        return { outcome: 'refused', reason: error.message };
      }
      throw error;
    }
  }

  const id = randomUUID();
  const stored = await storeDelivery(
    deps.db,
    {
      id,
      connectorId: incoming.connectorId,
      method: incoming.method,
      headers: incoming.headers,
      query: incoming.query,
      body: incoming.body,
      ...(verified ? { verified } : {}),
    },
    {
      configName: endpoint.name,
      urlPath: endpoint.url_path,
      metadataSealed: endpoint.metadata_sealed,
      configEncrypted: endpoint.config_encrypted,
      ...(verification === 'network' ? { unverifiedCap: cap } : {}),
    },
  );
  if (stored) {
    wakeWorkers(deps);
    return { outcome: 'stored', id, verified: verified !== undefined };
  }
  cache.delete(cacheKey);
  if (cached) return undefined;
  // Changed again since a fresh lookup: the cap was reached meanwhile, or the endpoint went away.
  return verification === 'network' ? { outcome: 'backlog-full' } : notHere();
}

/** One attempt at a delivery, before its commit. */
type Attempt =
  /** Verified and translated: `parts` (one per split part, with its key) wait to be committed. */
  | {
      kind: 'translated';
      delivery: ClaimedDelivery;
      key: string;
      parts: { key: string; writes: PageWrites }[];
    }
  /** Decided without writes: a bad signature (REJECTED), or a connector being uninstalled (FAILED). */
  | { kind: 'final'; delivery: ClaimedDelivery; status: 'REJECTED' | 'FAILED'; error: string }
  /** Verifying, translating or committing failed: retried with backoff, or FAILED once retries are spent. */
  | { kind: 'failed'; delivery: ClaimedDelivery; error: unknown };

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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Verifies (unless the intake did), splits and translates one claimed delivery. Never throws. */
async function attempt(deps: EngineDeps, delivery: ClaimedDelivery): Promise<Attempt> {
  if (delivery.scheduled_for_deletion) {
    return { kind: 'final', delivery, status: 'FAILED', error: 'the connector is being uninstalled' };
  }
  try {
    if (delivery.url_path === null || delivery.metadata_sealed === null) {
      throw new WebhookVerificationError(`webhook config ${delivery.config_name} no longer exists`);
    }
    const config = openWebhookConfig(deps.keyring, {
      name: delivery.config_name,
      url_path: delivery.url_path,
      metadata_sealed: delivery.metadata_sealed,
    });
    const connector = openConnector(deps, delivery, delivery.connector_id, deps.logger);
    const webhook: Webhook = {
      headers: delivery.headers ?? {},
      queryValues: delivery.query ?? {},
      // pg returns bytea as a Buffer, PGlite as a plain Uint8Array.
      body: delivery.body ? Buffer.from(delivery.body) : Buffer.alloc(0),
    };
    const receivedAt = new Date(delivery.received_at);
    const key =
      delivery.verified_at !== null && delivery.idempotency_key !== null
        ? delivery.idempotency_key
        : keyOf(
            (await connector.verifyWebhook({ webhook, config, receivedAt })).idempotencyKey,
            webhook.body,
          );
    let parts: Webhook[] = [webhook];
    try {
      parts = (await connector.trimWebhook({ webhook, config, receivedAt })).webhooks;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'NotImplementedError')) throw error;
    }
    const connectorKey = connectorIdCodec.decode(delivery.connector_id);
    const translated: { key: string; writes: PageWrites }[] = [];
    for (const [i, part] of parts.entries()) {
      const { responses } = await connector.translateWebhook({
        webhook: part,
        config,
        receivedAt,
        name: config.name,
      });
      translated.push({
        key: parts.length > 1 ? `${key}-${i}` : key,
        writes: toWrites(connectorKey, responses),
      });
    }
    return { kind: 'translated', delivery, key, parts: translated };
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      deps.logger.warn(
        { webhookId: delivery.id, connectorId: delivery.connector_id, reason: error.message },
        'webhook rejected: verification failed',
      );
      return { kind: 'final', delivery, status: 'REJECTED', error: error.message };
    }
    return { kind: 'failed', delivery, error };
  }
}

/** The outcome recorded for a failed attempt: a retry with backoff, or FAILED when it is the last. */
function failure(deps: EngineDeps, delivery: ClaimedDelivery, error: unknown): DeliveryOutcome {
  const message = messageOf(error);
  const base = { id: delivery.id, attempts: delivery.attempts, idempotencyKey: null };
  if (delivery.attempts >= MAX_WEBHOOK_ATTEMPTS || isTerminal(error)) {
    deps.logger.error(
      { err: error, webhookId: delivery.id, connectorId: delivery.connector_id },
      'webhook failed',
    );
    return { ...base, status: 'FAILED', error: `${message} (after ${delivery.attempts} attempts)` };
  }
  deps.logger.warn(
    { err: error, webhookId: delivery.id, connectorId: delivery.connector_id, attempts: delivery.attempts },
    'webhook attempt failed; it will be retried',
  );
  return { ...base, status: 'RECEIVED', error: message, retryInMs: retryDelayMs(delivery.attempts) };
}

/**
 * Commits many attempts in ONE transaction: records the new keys of the deliveries this worker still
 * holds (one statement), writes what their fresh parts say (one storeWrites per connector), and records
 * every outcome (one statement). A part whose key is known already changes nothing; a delivery none of
 * whose parts is new is a DUPLICATE. Throws (and commits nothing) when any write fails.
 */
async function commitTogether(deps: EngineDeps, attempts: Attempt[]): Promise<DeliveryOutcome[]> {
  return deps.db.transaction().execute(async (trx) => {
    const translated = attempts.filter((a) => a.kind === 'translated');
    const keys: DeliveryKey[] = translated.flatMap((t) =>
      t.parts.map((p) => ({ webhookId: t.delivery.id, connectorId: t.delivery.connector_id, key: p.key })),
    );
    const { held, fresh } =
      translated.length > 0
        ? await holdAndRecordKeys(
            trx,
            translated.map((t) => ({ id: t.delivery.id, attempts: t.delivery.attempts })),
            keys,
          )
        : { held: new Set<string>(), fresh: new Set<string>() };
    // A key new in this batch belongs to the first held delivery that brings it (as the insert decided).
    const taken = new Set<string>();
    const byConnector = new Map<string, PageWrites[]>();
    const outcomes: DeliveryOutcome[] = [];
    for (const a of attempts) {
      const { id, attempts: n } = a.delivery;
      if (a.kind === 'final') {
        outcomes.push({ id, attempts: n, status: a.status, error: a.error, idempotencyKey: null });
        continue;
      }
      if (a.kind === 'failed') {
        outcomes.push(failure(deps, a.delivery, a.error));
        continue;
      }
      if (!held.has(id)) continue; // claimed again, or finished, since: not this worker's to commit
      const mine = a.parts.filter((p) => {
        const k = `${a.delivery.connector_id}\u0000${p.key}`;
        if (!fresh.has(k) || taken.has(k)) return false;
        taken.add(k);
        return true;
      });
      const list = byConnector.get(a.delivery.connector_id) ?? [];
      list.push(...mine.map((p) => p.writes));
      byConnector.set(a.delivery.connector_id, list);
      const skipped = mine
        .flatMap((p) => p.writes.skipped)
        .map((s) => `${s.reference}: ${s.reason}`)
        .join('; ');
      outcomes.push({
        id,
        attempts: n,
        status: mine.length === 0 ? 'DUPLICATE' : 'PROCESSED',
        error: skipped === '' ? null : `skipped ${skipped}`,
        idempotencyKey: a.key,
      });
    }
    for (const [connectorId, list] of byConnector) {
      if (list.length > 0) await storeWrites(trx, connectorIdCodec.decode(connectorId), mergeWrites(list));
    }
    await finishDeliveries(trx, outcomes);
    return outcomes;
  });
}

/**
 * Commits the attempts of many deliveries: all in one transaction; if that fails, each on its own, so a
 * delivery whose writes fail fails alone (its failure is recorded on it: retried with backoff, then
 * FAILED) and the others commit.
 */
export async function commitAttempts(deps: EngineDeps, attempts: Attempt[]): Promise<void> {
  if (attempts.length === 0) return;
  let outcomes: DeliveryOutcome[] = [];
  try {
    outcomes = await commitTogether(deps, attempts);
  } catch (error) {
    if (attempts.length === 1) {
      const [only] = attempts as [Attempt];
      const failed = failure(deps, only.delivery, error);
      await finishDeliveries(deps.db, [failed]);
      outcomes = [failed];
    } else {
      deps.logger.warn(
        { err: error, deliveries: attempts.length },
        'committing webhook deliveries together failed; committing each on its own',
      );
      for (const one of attempts) {
        try {
          outcomes.push(...(await commitTogether(deps, [one])));
        } catch (alone) {
          const failed = failure(deps, one.delivery, alone);
          await finishDeliveries(deps.db, [failed]);
          outcomes.push(failed);
        }
      }
    }
  }
  const provider = new Map(attempts.map((a) => [a.delivery.id, a.delivery.provider]));
  for (const o of outcomes) {
    if (o.status !== 'RECEIVED')
      webhooksProcessed.inc({ provider: provider.get(o.id) ?? '', outcome: o.status });
  }
}

/** Attempts claimed deliveries concurrently and commits them together (tests and tools; workers use the loop). */
export async function processDeliveries(deps: EngineDeps, deliveries: ClaimedDelivery[]): Promise<void> {
  await commitAttempts(deps, await Promise.all(deliveries.map((d) => attempt(deps, d))));
}

/**
 * The webhook worker, as a claim source for runClaimLoop: claims due deliveries in batches (leasing them
 * in the claim), attempts each as a slot frees, and commits finished attempts by group commit: while one
 * commit runs, the attempts that finish meanwhile wait and then commit together in the next.
 */
export class WebhookWorker implements ClaimSource<ClaimedDelivery> {
  readonly kind = 'webhooks' as const;
  readonly #deps: EngineDeps;
  readonly #leaseMs: number;
  #waiting: { attempt: Attempt; done: (error?: unknown) => void }[] = [];
  #committing = false;

  constructor(deps: EngineDeps, options: { leaseMs?: number } = {}) {
    this.#deps = deps;
    this.#leaseMs = options.leaseMs ?? WEBHOOK_LEASE_MS;
  }

  async claim(limit: number): Promise<Claimed<ClaimedDelivery>> {
    const { deliveries, nextDueInMs } = await claimDeliveries(this.#deps.db, limit, this.#leaseMs);
    return { items: deliveries, ...(nextDueInMs !== undefined ? { nextDueInMs } : {}) };
  }

  async handle(delivery: ClaimedDelivery): Promise<void> {
    const done = await attempt(this.#deps, delivery);
    await new Promise<void>((resolve, reject) => {
      this.#waiting.push({ attempt: done, done: (error) => (error ? reject(error) : resolve()) });
      if (!this.#committing) void this.#commitWaiting();
    });
  }

  async #commitWaiting(): Promise<void> {
    this.#committing = true;
    // Let attempts that finish in this turn of the event loop join the first commit.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_COMMIT_BATCH);
        try {
          await commitAttempts(
            this.#deps,
            batch.map((w) => w.attempt),
          );
          for (const w of batch) w.done();
        } catch (error) {
          // The database failed even the fallback: the deliveries come back when their lease ends.
          for (const w of batch) w.done(error);
        }
      }
    } finally {
      this.#committing = false;
    }
  }
}

/** Claims due deliveries with `deps.db` and processes them (tests: one claim, as one worker would). */
export async function claimAndProcess(
  deps: EngineDeps,
  limit = 100,
  leaseMs = WEBHOOK_LEASE_MS,
): Promise<number> {
  const { deliveries } = await claimDeliveries(deps.db, limit, leaseMs);
  await processDeliveries(deps, deliveries);
  return deliveries.length;
}

function toWrites(connector: ConnectorId, responses: WebhookTranslation[]): PageWrites {
  const parts: PageWrites[] = [];
  for (const r of responses) {
    switch (r.kind) {
      case 'account':
        parts.push(mapAccounts(connector, 'INTERNAL', [r.account]));
        break;
      case 'externalAccount':
        parts.push(mapAccounts(connector, 'EXTERNAL', [r.account]));
        break;
      case 'payment':
        parts.push(mapPayments(connector, [r.payment]));
        break;
      case 'balance':
        parts.push(mapBalances(connector, [r.balance]));
        break;
      case 'paymentToDelete':
        parts.push({ ...emptyWrites(), paymentsToDelete: [r.reference] });
        break;
    }
  }
  return mergeWrites(parts);
}

/**
 * Retention, from the periodic sweep: deletes finished deliveries and de-duplication keys older than the
 * retention period. (Deliveries no worker took need no sweep: they stay due, or fall due when the lease
 * of the worker that took them ends, and the claim finds them.)
 */
export async function deleteOldWebhooks(deps: Pick<EngineDeps, 'db' | 'webhooks'>): Promise<void> {
  await deleteOldDeliveries(deps.db, new Date(Date.now() - deps.webhooks.retentionMs));
}
