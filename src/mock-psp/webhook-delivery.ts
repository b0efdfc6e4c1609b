// Pushes each tenant's record changes to its registered webhook URLs: signed the Standard Webhooks way, queued per tenant, retried with backoff, under the webhook fault modes.
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import { accountJson, beneficiaryJson, contractBalances, formatMs, transactionJson } from './presenters.js';
import type { InternalAccount, RecordChange, Tenant } from './store.js';
import type { WebhookRegistration } from './webhook-registrations.js';

export type WebhookEventType =
  | 'account.created'
  | 'beneficiary.created'
  | 'transaction.created'
  | 'transaction.updated'
  | 'balance.changed';

/** Attempts of one message, the first included; then it is marked failed. */
export const MAX_ATTEMPTS = 8;
const FIRST_RETRY_DELAY_MS = 1000;
const MAX_RETRY_DELAY_MS = 30_000;
const ATTEMPT_TIMEOUT_MS = 5000;
/** POSTs in flight per tenant. */
const CONCURRENCY = 4;
/** The webhookReorder fault holds each delivery back by up to this long. */
const REORDER_MAX_DELAY_MS = 2000;
/** Deliveries the admin view keeps per tenant. */
const LOG_SIZE = 10_000;

/** Wait before the attempt that follows attempt number `attempts`: 1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attempts - 1), MAX_RETRY_DELAY_MS);
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One message to one registration, as the admin view reports it. */
export interface Delivery {
  /** The `webhook-id` header: the same on every attempt and duplicate. */
  id: string;
  /** The registration it goes to. */
  webhookId: string;
  type: WebhookEventType;
  /** POSTs of this message so far, a duplicate included. */
  attempts: number;
  status: DeliveryStatus;
  lastError?: string;
  deliveredAtMs?: number;
}

/** What a worker sends: the message and its body (kept here so the log holds no bodies). */
interface Job {
  delivery: Delivery;
  body: string;
  /** A second copy of a delivered message (the webhookDuplicates fault): its outcome changes nothing. */
  duplicate: boolean;
}

/** A FIFO that stays O(1) per item for the large backlogs a big generation queues. */
class JobQueue {
  private items: Array<Job | undefined> = [];
  private head = 0;

  push(job: Job): void {
    this.items.push(job);
  }

  shift(): Job | undefined {
    if (this.head >= this.items.length) return undefined;
    const job = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return job;
  }
}

interface BalanceMove {
  account: InternalAccount;
  net: Map<string, bigint>;
  atMs: number;
}

/** A tenant's messages: its delivery log, its ready queue, and balance moves waiting to be coalesced. */
class TenantOutbox {
  /** Oldest first; trimmed to the last LOG_SIZE now and then. */
  readonly log: Delivery[] = [];
  readonly ready = new JobQueue();
  active = 0;
  readonly balanceMoves = new Map<string, BalanceMove>();
  balanceFlushQueued = false;

  record(delivery: Delivery): void {
    this.log.push(delivery);
    if (this.log.length >= 2 * LOG_SIZE) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  newestFirst(): Delivery[] {
    return this.log.slice(-LOG_SIZE).reverse();
  }
}

interface InFlight {
  registrationId: string;
  controller: AbortController;
}

export interface WebhookDispatcherOptions {
  logger: Logger;
  random?: () => number;
  /** The contract's schedule unless a test shortens it. */
  retryDelayMs?: (attempts: number) => number;
}

const DELETED = 'the webhook registration was deleted';

export class WebhookDispatcher {
  private readonly outboxes = new Map<Tenant, TenantOutbox>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<InFlight>();
  private readonly running = new Set<Promise<void>>();
  private readonly signers = new WeakMap<WebhookRegistration, Webhook>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true });
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly retryDelayMs: (attempts: number) => number;
  private stopped = false;

  constructor(options: WebhookDispatcherOptions) {
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.retryDelayMs = options.retryDelayMs ?? retryDelayMs;
  }

  /** The registry's record observer: turns each change into messages for the tenant's registrations. */
  readonly observe = (tenant: Tenant, change: RecordChange): void => {
    if (this.stopped || tenant.webhooks.size === 0) return;
    switch (change.type) {
      case 'account.created':
        this.publish(tenant, change.type, change.account.createdAtMs, accountJson(change.account));
        break;
      case 'beneficiary.created':
        this.publish(
          tenant,
          change.type,
          change.beneficiary.createdAtMs,
          beneficiaryJson(change.beneficiary),
        );
        break;
      case 'transaction.created':
        this.publish(
          tenant,
          change.type,
          change.transaction.createdAtMs,
          transactionJson(change.transaction),
        );
        break;
      case 'transaction.updated':
        this.publish(
          tenant,
          change.type,
          change.transaction.updatedAtMs,
          transactionJson(change.transaction),
        );
        break;
      case 'balance.moved':
        this.noteBalanceMove(tenant, change);
        break;
    }
  };

  /** The tenant's deliveries, newest first (the last 10 000). */
  deliveries(tenant: Tenant): Delivery[] {
    return this.outboxes.get(tenant)?.newestFirst() ?? [];
  }

  /** After a registration is deleted nothing more goes to it: its pending messages fail, its POSTs are cut. */
  registrationRemoved(tenant: Tenant, registrationId: string): void {
    for (const delivery of this.outboxes.get(tenant)?.log ?? []) {
      if (delivery.webhookId === registrationId) this.fail(tenant, delivery, DELETED);
    }
    for (const entry of this.inFlight) {
      if (entry.registrationId === registrationId) entry.controller.abort(new Error(DELETED));
    }
  }

  /** Drops every queued and waiting message and cuts the POSTs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const entry of this.inFlight) entry.controller.abort(new Error('the simulator stopped'));
    await Promise.allSettled([...this.running]);
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private outboxOf(tenant: Tenant): TenantOutbox {
    let outbox = this.outboxes.get(tenant);
    if (!outbox) {
      outbox = new TenantOutbox();
      this.outboxes.set(tenant, outbox);
    }
    return outbox;
  }

  /**
   * A write can move one account several times (a status change takes the old effect back, then applies
   * the new one; a generation moves it thousands of times): the moves of one synchronous write are summed
   * and, when the sum is not zero, sent as one `balance.changed` with the balances after the write.
   */
  private noteBalanceMove(tenant: Tenant, change: Extract<RecordChange, { type: 'balance.moved' }>): void {
    const outbox = this.outboxOf(tenant);
    let move = outbox.balanceMoves.get(change.account.id);
    if (!move) {
      move = { account: change.account, net: new Map(), atMs: change.atMs };
      outbox.balanceMoves.set(change.account.id, move);
    }
    move.net.set(change.asset, (move.net.get(change.asset) ?? 0n) + change.delta);
    move.atMs = Math.max(move.atMs, change.atMs);
    if (outbox.balanceFlushQueued) return;
    outbox.balanceFlushQueued = true;
    queueMicrotask(() => this.flushBalanceMoves(tenant, outbox));
  }

  private flushBalanceMoves(tenant: Tenant, outbox: TenantOutbox): void {
    outbox.balanceFlushQueued = false;
    const moves = [...outbox.balanceMoves.values()];
    outbox.balanceMoves.clear();
    if (this.stopped || tenant.webhooks.size === 0) return;
    for (const { account, net, atMs } of moves) {
      const moved = [...net.values()].some((delta) => delta !== 0n);
      // The tenant may have been emptied meanwhile.
      if (!moved || tenant.accounts.get(account.id) !== account) continue;
      this.publish(tenant, 'balance.changed', atMs, JSON.stringify(contractBalances(tenant, account, atMs)));
    }
  }

  /** One message per registration, each with its own webhook-id. */
  private publish(tenant: Tenant, type: WebhookEventType, atMs: number, dataJson: string): void {
    const outbox = this.outboxOf(tenant);
    const body = `{"type":"${type}","createdAt":"${formatMs(atMs)}","data":${dataJson}}`;
    for (const registration of tenant.webhooks.list()) {
      const delivery: Delivery = {
        id: `msg_${randomUUID().replaceAll('-', '')}`,
        webhookId: registration.id,
        type,
        attempts: 0,
        status: 'pending',
      };
      outbox.record(delivery);
      tenant.traffic.stats.webhooks.messages += 1;
      this.enqueue(tenant, outbox, { delivery, body, duplicate: false }, 0);
    }
  }

  /** Queues a job after `delayMs`, plus a random hold-back under the webhookReorder fault. */
  private enqueue(tenant: Tenant, outbox: TenantOutbox, job: Job, delayMs: number): void {
    if (this.stopped) return;
    const holdBack = tenant.traffic.faults.webhookReorder
      ? Math.floor(this.random() * REORDER_MAX_DELAY_MS)
      : 0;
    const wait = delayMs + holdBack;
    if (wait <= 0) {
      outbox.ready.push(job);
      this.pump(tenant, outbox);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      outbox.ready.push(job);
      this.pump(tenant, outbox);
    }, wait);
    timer.unref();
    this.timers.add(timer);
  }

  private pump(tenant: Tenant, outbox: TenantOutbox): void {
    while (!this.stopped && outbox.active < CONCURRENCY) {
      const job = outbox.ready.shift();
      if (!job) return;
      outbox.active += 1;
      const attempt: Promise<void> = this.attempt(tenant, outbox, job)
        .catch((error: unknown) => this.logger.error({ err: error }, 'mock PSP webhook attempt crashed'))
        .finally(() => {
          this.running.delete(attempt);
          outbox.active -= 1;
          this.pump(tenant, outbox);
        });
      this.running.add(attempt);
    }
  }

  private async attempt(tenant: Tenant, outbox: TenantOutbox, job: Job): Promise<void> {
    const { delivery } = job;
    if (!job.duplicate && delivery.status !== 'pending') return;
    const registration = tenant.webhooks.get(delivery.webhookId);
    if (!registration) {
      this.fail(tenant, delivery, DELETED);
      return;
    }
    const stats = tenant.traffic.stats.webhooks;
    delivery.attempts += 1;
    stats.attempts += 1;
    if (job.duplicate) stats.duplicates += 1;

    let error: string | undefined;
    const failRate = tenant.traffic.faults.webhookFailRate ?? 0;
    if (failRate > 0 && this.random() < failRate) {
      tenant.traffic.stats.webhooks.injectedFailures += 1;
      error = 'injected failure (fault setting webhookFailRate)';
    } else {
      error = await this.send(registration, delivery.id, job.body);
    }
    // A duplicate's outcome changes nothing; a message deleted or stopped meanwhile is over.
    if (this.stopped || job.duplicate || delivery.status !== 'pending') return;

    if (error === undefined) {
      delivery.status = 'delivered';
      delivery.deliveredAtMs = Date.now();
      tenant.traffic.stats.webhooks.delivered += 1;
      const duplicates = tenant.traffic.faults.webhookDuplicates ?? 0;
      if (duplicates > 0 && this.random() < duplicates) {
        this.enqueue(tenant, outbox, { ...job, duplicate: true }, 0);
      }
      return;
    }
    delivery.lastError = error;
    this.logger.debug(
      { webhookId: delivery.webhookId, messageId: delivery.id, error },
      'webhook attempt failed',
    );
    if (delivery.attempts >= MAX_ATTEMPTS) {
      this.fail(tenant, delivery, error);
      return;
    }
    this.enqueue(tenant, outbox, job, this.retryDelayMs(delivery.attempts));
  }

  private fail(tenant: Tenant, delivery: Delivery, error: string): void {
    if (delivery.status !== 'pending') return;
    delivery.status = 'failed';
    delivery.lastError = error;
    tenant.traffic.stats.webhooks.failed += 1;
  }

  /** One signed POST; undefined when it got a 2xx, otherwise why not. */
  private async send(
    registration: WebhookRegistration,
    messageId: string,
    body: string,
  ): Promise<string | undefined> {
    let signer = this.signers.get(registration);
    if (!signer) {
      signer = new Webhook(registration.secret);
      this.signers.set(registration, signer);
    }
    const controller = new AbortController();
    const entry: InFlight = { registrationId: registration.id, controller };
    const timeout = setTimeout(
      () => controller.abort(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)),
      ATTEMPT_TIMEOUT_MS,
    );
    this.inFlight.add(entry);
    try {
      const now = new Date();
      const status = await this.post(new URL(registration.url), body, controller.signal, {
        'content-type': 'application/json',
        'user-agent': 'paybridge-mock-psp',
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signer.sign(messageId, now, body),
      });
      return status >= 200 && status < 300 ? undefined : `answered ${status}`;
    } catch (error) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
      return reason instanceof Error ? reason.message : String(reason);
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(entry);
    }
  }

  /** POSTs with node:http on the dispatcher's own agents, so stop() can close every socket it opened. */
  private post(
    url: URL,
    body: string,
    signal: AbortSignal,
    headers: Record<string, string>,
  ): Promise<number> {
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const request = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: https ? this.httpsAgent : this.httpAgent,
          signal,
        },
        (response: IncomingMessage) => {
          // The answer's body means nothing here; reading it to the end frees the socket for reuse.
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
          response.on('close', () => {
            if (!response.complete) reject(new Error('the connection closed before the answer ended'));
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}
