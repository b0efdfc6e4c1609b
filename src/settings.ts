// Process settings, read once from the environment and validated.
import { z } from 'zod';
import { EndpointAllowList } from './connectors/sdk/outbound.js';
import { parseDuration } from './domain/duration.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `not a positive duration: ${text}` });
        return z.NEVER;
      }
      return ms;
    });

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z.string().optional(),
    PAYBRIDGE_DATA_DIR: z.string().default('./data'),
    PAYBRIDGE_ENCRYPTION_KEY: z.string().min(1).optional(),
    PAYBRIDGE_ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
    PAYBRIDGE_POLLING_PERIOD_DEFAULT: duration('30m'),
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: duration('20m'),
    PAYBRIDGE_DEBUG: z
      .enum(['true', 'false', '1', '0'])
      .default('false')
      .transform((v) => v === 'true' || v === '1'),
    PAYBRIDGE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    PAYBRIDGE_RUN_LEASE: duration('1m'),
    PAYBRIDGE_NATS_URL: z.string().optional(),
    PAYBRIDGE_NATS_STREAM: z.string().min(1).default('PAYBRIDGE'),
    PAYBRIDGE_NATS_SUBJECT: z.string().min(1).default('paybridge.events'),
    PAYBRIDGE_OUTBOX_RETENTION: duration('168h'),
    PAYBRIDGE_RUN_HISTORY_RETENTION: duration('168h'),
    PAYBRIDGE_EVENTS_HTTP_URL: z.string().url().optional(),
    PAYBRIDGE_EVENTS_HTTP_SECRET: z.string().min(1).optional(),
    PAYBRIDGE_COMMIT_BATCH_ITEMS: z.coerce.number().int().min(1).max(10_000).default(500),
    PAYBRIDGE_PUBLIC_URL: z.string().url().optional(),
    PAYBRIDGE_WEBHOOK_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    PAYBRIDGE_WEBHOOK_RETENTION: duration('168h'),
    PAYBRIDGE_INITIATION_RETRY_MIN: duration('1s'),
    PAYBRIDGE_INITIATION_RETRY_MAX: duration('1m'),
    PAYBRIDGE_INITIATION_DEADLINE: duration('24h'),
    PAYBRIDGE_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: z
      .string()
      .optional()
      .transform((text, ctx) => {
        try {
          return EndpointAllowList.parse(text);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
          return z.NEVER;
        }
      }),
    PAYBRIDGE_DUMMYPAY_ROOT: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .refine((s) => s.PAYBRIDGE_POLLING_PERIOD_DEFAULT >= s.PAYBRIDGE_POLLING_PERIOD_MINIMUM, {
    message: 'PAYBRIDGE_POLLING_PERIOD_DEFAULT must not be lower than PAYBRIDGE_POLLING_PERIOD_MINIMUM',
  })
  .refine((s) => !s.PAYBRIDGE_EVENTS_HTTP_URL || s.PAYBRIDGE_EVENTS_HTTP_SECRET, {
    message: 'PAYBRIDGE_EVENTS_HTTP_SECRET is required with PAYBRIDGE_EVENTS_HTTP_URL',
  })
  .refine((s) => !s.DATABASE_URL || s.PAYBRIDGE_ENCRYPTION_KEY, {
    message: 'PAYBRIDGE_ENCRYPTION_KEY is required when DATABASE_URL is set',
  });

export interface Settings {
  port: number;
  host: string;
  databaseUrl?: string;
  dataDir: string;
  encryptionKey?: string;
  previousEncryptionKeys: string[];
  pollingPeriodDefaultMs: number;
  pollingPeriodMinimumMs: number;
  debug: boolean;
  workerConcurrency: number;
  commitBatchItems: number;
  runLeaseMs: number;
  /** Unset: events stay in the outbox (visible, undelivered). */
  nats?: { url: string; stream: string; subject: string };
  outboxRetentionMs: number;
  runHistoryRetentionMs: number;
  /** An HTTP endpoint that receives every event, signed the Standard Webhooks way. */
  eventsHttp?: { url: string; secret: string };
  pauseAfterFailures: number;
  /** Unset: connectors may call any host (PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW). */
  connectorEndpointsAllow?: EndpointAllowList;
  /** Where DummyPay directories must be (symlinks followed); defaults to the data directory. */
  dummyPayRoot: string;
  initiations: { retryMinMs: number; retryMaxMs: number; deadlineMs: number };
  /** The base URL PSPs use to reach this service (for webhooks). */
  publicUrl: string;
  webhooks: { maxBytes: number; retentionMs: number };
  logLevel: string;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('; ')}`,
    );
  }
  const s = parsed.data;
  return {
    port: s.PORT,
    host: s.HOST,
    databaseUrl: s.DATABASE_URL || undefined,
    dataDir: s.PAYBRIDGE_DATA_DIR,
    encryptionKey: s.PAYBRIDGE_ENCRYPTION_KEY,
    previousEncryptionKeys: (s.PAYBRIDGE_ENCRYPTION_KEYS_PREVIOUS ?? '').split(',').filter(Boolean),
    pollingPeriodDefaultMs: s.PAYBRIDGE_POLLING_PERIOD_DEFAULT,
    pollingPeriodMinimumMs: s.PAYBRIDGE_POLLING_PERIOD_MINIMUM,
    debug: s.PAYBRIDGE_DEBUG,
    workerConcurrency: s.PAYBRIDGE_WORKER_CONCURRENCY,
    commitBatchItems: s.PAYBRIDGE_COMMIT_BATCH_ITEMS,
    runLeaseMs: s.PAYBRIDGE_RUN_LEASE,
    nats: s.PAYBRIDGE_NATS_URL
      ? { url: s.PAYBRIDGE_NATS_URL, stream: s.PAYBRIDGE_NATS_STREAM, subject: s.PAYBRIDGE_NATS_SUBJECT }
      : undefined,
    outboxRetentionMs: s.PAYBRIDGE_OUTBOX_RETENTION,
    runHistoryRetentionMs: s.PAYBRIDGE_RUN_HISTORY_RETENTION,
    eventsHttp:
      s.PAYBRIDGE_EVENTS_HTTP_URL && s.PAYBRIDGE_EVENTS_HTTP_SECRET
        ? { url: s.PAYBRIDGE_EVENTS_HTTP_URL, secret: s.PAYBRIDGE_EVENTS_HTTP_SECRET }
        : undefined,
    pauseAfterFailures: s.PAYBRIDGE_PAUSE_AFTER_FAILURES,
    connectorEndpointsAllow: s.PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW,
    dummyPayRoot: s.PAYBRIDGE_DUMMYPAY_ROOT ?? s.PAYBRIDGE_DATA_DIR,
    publicUrl: (s.PAYBRIDGE_PUBLIC_URL ?? `http://localhost:${s.PORT}`).replace(/\/+$/, ''),
    webhooks: { maxBytes: s.PAYBRIDGE_WEBHOOK_MAX_BYTES, retentionMs: s.PAYBRIDGE_WEBHOOK_RETENTION },
    initiations: {
      retryMinMs: s.PAYBRIDGE_INITIATION_RETRY_MIN,
      retryMaxMs: s.PAYBRIDGE_INITIATION_RETRY_MAX,
      deadlineMs: s.PAYBRIDGE_INITIATION_DEADLINE,
    },
    logLevel: s.LOG_LEVEL,
  };
}
