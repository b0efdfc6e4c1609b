// Process settings, read once from the environment and validated.
import { isIP } from 'node:net';
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

/** `N/duration`: at most N per window of that duration (whole seconds: the limiter counts in seconds). */
const rate = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const match = /^\s*(\d+)\s*\/\s*(\S+)\s*$/.exec(text);
      const points = Number(match?.[1]);
      const durationMs = parseDuration(match?.[2] ?? '');
      if (!match || points < 1 || durationMs === undefined || durationMs < 1000 || durationMs % 1000 !== 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not a rate such as 2000/10s (a count of at least 1 per whole seconds): ${text}`,
        });
        return z.NEVER;
      }
      return { points, durationMs };
    });

/**
 * Fastify's trustProxy: off, every hop (`true`), or the proxies' addresses and CIDR ranges (the safer
 * choice: with `true` a client's own X-Forwarded-For entries count unless the proxy overwrites the header).
 * This Fastify trusts nobody for a hop count, so none is offered.
 */
const trustProxy = z
  .string()
  .default('false')
  .transform((text, ctx): boolean | string[] => {
    const value = text.trim();
    if (value === 'false' || value === '') return false;
    if (value === 'true') return true;
    const parts = value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const wrong = parts.filter((part) => !isProxyAddress(part));
    if (wrong.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not true, false or addresses/CIDR ranges (or loopback, linklocal, uniquelocal): ${wrong.join(', ')}`,
      });
      return z.NEVER;
    }
    return parts;
  });

/** An address, a CIDR range, or one of the names proxy-addr (Fastify's) knows. */
function isProxyAddress(text: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(text)) return true;
  const [address = '', prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback)
    .transform((v) => v === 'true' || v === '1');

/** An optional URL; an empty value counts as unset (as `VAR=` in an env file means). */
const optionalUrl = z.union([z.literal(''), z.string().url()]).optional();

/** Addresses that only this machine can reach. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3})$/i;

const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    // Unset: loopback only while auth is off (secure by default), every interface once it is on.
    HOST: z.string().optional(),
    DATABASE_URL: z.string().optional(),
    PAYBRIDGE_DATA_DIR: z.string().default('./data'),
    PAYBRIDGE_ENCRYPTION_KEY: z.string().min(1).optional(),
    PAYBRIDGE_ENCRYPTION_KEYS_PREVIOUS: z.string().optional(),
    PAYBRIDGE_POLLING_PERIOD_DEFAULT: duration('30m'),
    PAYBRIDGE_POLLING_PERIOD_MINIMUM: duration('20m'),
    PAYBRIDGE_DEBUG: flag('false'),
    // Runs wait on PSP calls (I/O), so a worker runs many at once; schedule runs' pages commit in groups.
    PAYBRIDGE_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(128),
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
    PAYBRIDGE_WEBHOOK_UNVERIFIED_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: rate('2000/10s'),
    PAYBRIDGE_WEBHOOK_RATE_PER_CONNECTOR: rate('10000/10s'),
    PAYBRIDGE_TRUST_PROXY: trustProxy,
    PAYBRIDGE_INITIATION_RETRY_MIN: duration('1s'),
    PAYBRIDGE_INITIATION_RETRY_MAX: duration('1m'),
    PAYBRIDGE_INITIATION_DEADLINE: duration('24h'),
    PAYBRIDGE_PAUSE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
    PAYBRIDGE_AUTH_ENABLED: flag('false'),
    PAYBRIDGE_AUTH_ISSUER: optionalUrl,
    PAYBRIDGE_AUTH_JWKS_URL: optionalUrl,
    PAYBRIDGE_AUTH_AUDIENCE: z.string().optional(),
    PAYBRIDGE_AUTH_CHECK_SCOPES: flag('true'),
    PAYBRIDGE_AUTH_TOKEN_TTL: duration('1h').refine((ms) => ms >= 1000 && ms <= 24 * 3_600_000, {
      message: 'PAYBRIDGE_AUTH_TOKEN_TTL must be between 1s and 24h',
    }),
    PAYBRIDGE_AUTH_TOKEN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(60),
    PAYBRIDGE_AUTH_JWKS_REFRESH_FLOOR: duration('30s'),
    PAYBRIDGE_METRICS_PUBLIC: flag('false'),
    PAYBRIDGE_AUDIT_RETENTION: duration('2160h'),
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
  })
  .refine((s) => !s.PAYBRIDGE_AUTH_JWKS_URL || s.PAYBRIDGE_AUTH_ISSUER, {
    message: 'PAYBRIDGE_AUTH_JWKS_URL needs PAYBRIDGE_AUTH_ISSUER (the issuer its tokens name)',
  });

/** Authentication, as the API process applies it (see src/api/auth/). */
export interface AuthSettings {
  enabled: boolean;
  /** The built-in issuer: the service's public URL, named in the `iss` of the tokens Paybridge signs. */
  issuer: string;
  /** The `aud` of built-in tokens, and the audience required of external ones when set. */
  audience?: string;
  /** An external OpenID Connect issuer whose tokens are accepted too. */
  external?: { issuer: string; jwksUrl?: string };
  checkScopes: boolean;
  tokenTtlMs: number;
  /** Token requests per minute per client id, and failed ones per minute per source address. */
  tokenRateLimit: number;
  /** The least time between two fetches of a key set prompted by an unknown `kid`. */
  jwksRefreshFloorMs: number;
  metricsPublic: boolean;
}

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
  webhooks: {
    maxBytes: number;
    retentionMs: number;
    /** Per connector that verifies over the network: deliveries stored and not yet verified. */
    unverifiedMax: number;
    /** Ingress rate limits, in each process's memory. */
    ratePerSource: { points: number; durationMs: number };
    ratePerConnector: { points: number; durationMs: number };
  };
  /** Fastify's trustProxy: whose X-Forwarded-For to believe for `request.ip` (default: nobody's). */
  trustProxy: boolean | string[];
  logLevel: string;
  auth: AuthSettings;
  auditRetentionMs: number;
  /** HOST was set to an address other machines can reach while auth is off: the API is open to them. */
  exposedWithoutAuth: boolean;
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new Error(
      `invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('; ')}`,
    );
  }
  const s = parsed.data;
  const publicUrl = (s.PAYBRIDGE_PUBLIC_URL ?? `http://localhost:${s.PORT}`).replace(/\/+$/, '');
  const authEnabled = s.PAYBRIDGE_AUTH_ENABLED;
  const host = s.HOST || (authEnabled ? '0.0.0.0' : '127.0.0.1');
  const externalIssuer = s.PAYBRIDGE_AUTH_ISSUER || undefined;
  if (externalIssuer !== undefined && externalIssuer.replace(/\/+$/, '') === publicUrl) {
    throw new Error(
      'invalid settings: PAYBRIDGE_AUTH_ISSUER names this service (its public URL), which is already the built-in issuer',
    );
  }
  return {
    port: s.PORT,
    host,
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
    publicUrl,
    webhooks: {
      maxBytes: s.PAYBRIDGE_WEBHOOK_MAX_BYTES,
      retentionMs: s.PAYBRIDGE_WEBHOOK_RETENTION,
      unverifiedMax: s.PAYBRIDGE_WEBHOOK_UNVERIFIED_MAX,
      ratePerSource: s.PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE,
      ratePerConnector: s.PAYBRIDGE_WEBHOOK_RATE_PER_CONNECTOR,
    },
    trustProxy: s.PAYBRIDGE_TRUST_PROXY,
    initiations: {
      retryMinMs: s.PAYBRIDGE_INITIATION_RETRY_MIN,
      retryMaxMs: s.PAYBRIDGE_INITIATION_RETRY_MAX,
      deadlineMs: s.PAYBRIDGE_INITIATION_DEADLINE,
    },
    logLevel: s.LOG_LEVEL,
    auth: {
      enabled: authEnabled,
      issuer: publicUrl,
      ...(s.PAYBRIDGE_AUTH_AUDIENCE ? { audience: s.PAYBRIDGE_AUTH_AUDIENCE } : {}),
      ...(externalIssuer
        ? {
            external: {
              issuer: externalIssuer,
              ...(s.PAYBRIDGE_AUTH_JWKS_URL ? { jwksUrl: s.PAYBRIDGE_AUTH_JWKS_URL } : {}),
            },
          }
        : {}),
      checkScopes: s.PAYBRIDGE_AUTH_CHECK_SCOPES,
      tokenTtlMs: s.PAYBRIDGE_AUTH_TOKEN_TTL,
      tokenRateLimit: s.PAYBRIDGE_AUTH_TOKEN_RATE_LIMIT,
      jwksRefreshFloorMs: s.PAYBRIDGE_AUTH_JWKS_REFRESH_FLOOR,
      metricsPublic: s.PAYBRIDGE_METRICS_PUBLIC,
    },
    auditRetentionMs: s.PAYBRIDGE_AUDIT_RETENTION,
    exposedWithoutAuth: !authEnabled && Boolean(s.HOST) && !LOOPBACK.test(host),
  };
}
