// Per-tenant fault injection (latency, errors, rate limit, filter quirks, short pages, webhook misdelivery) and the traffic counters.
import { z } from 'zod';
import { MockPspError } from './errors.js';

export const faultSettingsSchema = z.strictObject({
  latencyMs: z.number().min(0).max(60_000).optional(),
  // The endpoint does its work first (a payout is created and moves money), then the answer waits this
  // long: a client that times out, or dies, meanwhile does not know the outcome.
  answerDelayMs: z.number().min(0).max(600_000).optional(),
  errorRate: z.number().min(0).max(1).optional(),
  rateLimit: z
    .strictObject({
      requestsPerSecond: z.number().int().min(0),
      retryAfterSeconds: z.number().int().min(0).max(3600).optional(),
    })
    .optional(),
  ignoreFilters: z.boolean().optional(),
  secondPrecisionFilters: z.boolean().optional(),
  maxPageSize: z.number().int().min(1).max(1000).optional(),
  // Webhook deliveries, not contract requests: a message sent twice with one webhook-id, messages that
  // overtake each other, and attempts that fail so the retries are exercised.
  webhookDuplicates: z.number().min(0).max(1).optional(),
  webhookReorder: z.boolean().optional(),
  webhookFailRate: z.number().min(0).max(1).optional(),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

/** Webhook traffic: messages queued, POSTs attempted (duplicates included) and how messages ended. */
export interface WebhookStats {
  messages: number;
  attempts: number;
  delivered: number;
  failed: number;
  duplicates: number;
  injectedFailures: number;
}

export interface RequestStats {
  requests: number;
  byEndpoint: Record<string, number>;
  injectedErrors: number;
  rateLimited: number;
  webhooks: WebhookStats;
}

const INJECTED_STATUSES = [
  { status: 500, title: 'INTERNAL_SERVER_ERROR' },
  { status: 502, title: 'BAD_GATEWAY' },
  { status: 503, title: 'SERVICE_UNAVAILABLE' },
] as const;

/** What a tenant's contract traffic sees: its fault settings, its counters and its current rate-limit window. */
export class TenantTraffic {
  faults: FaultSettings = {};
  stats: RequestStats = emptyStats();
  private windowSecond = -1;
  private windowCount = 0;

  /**
   * Counts one contract request and decides whether an injected fault answers it instead of the endpoint.
   * The rate limit is checked first: a limited request never reaches the PSP's error-prone backend.
   */
  admit(endpoint: string, nowMs: number, random: () => number = Math.random): MockPspError | undefined {
    this.stats.requests += 1;
    this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;

    const limit = this.faults.rateLimit;
    if (limit) {
      const second = Math.floor(nowMs / 1000);
      if (second !== this.windowSecond) {
        this.windowSecond = second;
        this.windowCount = 0;
      }
      this.windowCount += 1;
      if (this.windowCount > limit.requestsPerSecond) {
        this.stats.rateLimited += 1;
        const retryAfter = limit.retryAfterSeconds ?? 1;
        return new MockPspError(
          429,
          'RATE_LIMITED',
          `more than ${limit.requestsPerSecond} requests in one second; retry after ${retryAfter} s`,
          { 'retry-after': String(retryAfter) },
        );
      }
    }

    const errorRate = this.faults.errorRate ?? 0;
    if (errorRate > 0 && random() < errorRate) {
      this.stats.injectedErrors += 1;
      const pick = INJECTED_STATUSES[Math.floor(random() * INJECTED_STATUSES.length)] ?? INJECTED_STATUSES[0];
      return new MockPspError(pick.status, pick.title, 'injected error (fault setting errorRate)');
    }
    return undefined;
  }

  /**
   * The lower bound a list endpoint really applies, given the filter the client sent: none when filters are
   * ignored, or rounded to the nearest second the way a DATETIME(0) column would store it.
   */
  effectiveFilter(fromMs: number | undefined): number | undefined {
    if (fromMs === undefined || this.faults.ignoreFilters) return undefined;
    if (this.faults.secondPrecisionFilters) return Math.round(fromMs / 1000) * 1000;
    return fromMs;
  }

  effectivePageSize(pageSize: number): number {
    return Math.min(pageSize, this.faults.maxPageSize ?? pageSize);
  }

  resetStats(): void {
    this.stats = emptyStats();
  }

  reset(): void {
    this.faults = {};
    this.resetStats();
    this.windowSecond = -1;
    this.windowCount = 0;
  }
}

function emptyStats(): RequestStats {
  return {
    requests: 0,
    byEndpoint: {},
    injectedErrors: 0,
    rateLimited: 0,
    webhooks: { messages: 0, attempts: 0, delivered: 0, failed: 0, duplicates: 0, injectedFailures: 0 },
  };
}
