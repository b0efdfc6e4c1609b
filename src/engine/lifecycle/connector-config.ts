// Connector configs: validation at install and update, masking of secrets, and the configs catalog.
import { z } from 'zod';
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { ENDPOINT_FIELD } from '../../connectors/sdk/config.js';
import { InvalidConfigError } from '../../connectors/sdk/errors.js';
import type { EndpointAllowList } from '../../connectors/sdk/outbound.js';
import {
  type ConnectorRegistration,
  destinationFields,
  multilineFields,
  secretFields,
} from '../../connectors/sdk/registry.js';
import { stringifyJson } from '../../domain/json.js';

export interface PollingLimits {
  pollingPeriodDefaultMs: number;
  pollingPeriodMinimumMs: number;
}

export interface ValidatedConfig {
  name: string;
  pollingPeriodMs: number;
  pageSize: number;
  /** Limits that hold across all worker processes; null: none. */
  maxConcurrentRuns: number | null;
  callsPerSecond: number | null;
  /** The connector's own fields, parsed by its schema: what `create` receives. */
  connectorConfig: Record<string, unknown>;
  /** What is stored (encrypted) and returned, masked, by GET config. */
  stored: Record<string, unknown>;
}

const ENGINE_FIELDS = [
  'name',
  'pollingPeriod',
  'pageSize',
  'provider',
  'maxConcurrentRuns',
  'callsPerSecond',
] as const;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Validates a raw install/update body for `registration`. Unknown and missing fields, a provider that
 * does not match the path, and a polling period below the minimum are all InvalidConfigError.
 */
export function validateConfig(
  registration: ConnectorRegistration,
  raw: unknown,
  limits: PollingLimits,
): ValidatedConfig {
  const schema = registration.config
    .extend({
      name: z.string().min(3).max(500),
      pollingPeriod: z.string().optional(),
      pageSize: z.number().int().min(0).optional(),
      provider: z.string().optional(),
      maxConcurrentRuns: z.number().int().min(1).optional(),
      callsPerSecond: z.number().positive().optional(),
    })
    .strict();
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidConfigError(`invalid connector config: ${describeIssues(parsed.error)}`);
  const { name, pollingPeriod, pageSize, provider, maxConcurrentRuns, callsPerSecond, ...connectorConfig } =
    parsed.data as Record<string, unknown> & {
      name: string;
      pollingPeriod?: string;
      pageSize?: number;
      provider?: string;
      maxConcurrentRuns?: number;
      callsPerSecond?: number;
    };
  if (provider !== undefined && provider.toLowerCase() !== registration.provider) {
    throw new InvalidConfigError(
      `provider '${provider}' does not match connector '${registration.provider}'`,
    );
  }
  let pollingPeriodMs = limits.pollingPeriodDefaultMs;
  if (pollingPeriod !== undefined && pollingPeriod !== '') {
    const ms = parseDuration(pollingPeriod);
    if (ms === undefined) throw new InvalidConfigError(`pollingPeriod: '${pollingPeriod}' is not a duration`);
    // Stored in whole milliseconds: a nanosecond part (`20m1ns`) is rounded away, not sent to an integer column.
    if (ms > 0) pollingPeriodMs = Math.max(1, Math.round(ms));
  }
  if (pollingPeriodMs < limits.pollingPeriodMinimumMs) {
    throw new InvalidConfigError(
      `polling period cannot be lower than minimum of ${formatDuration(limits.pollingPeriodMinimumMs)}`,
    );
  }
  const effectivePageSize =
    pageSize === undefined || pageSize === 0
      ? registration.pageSize
      : Math.min(pageSize, registration.pageSize);
  const connectorLimits = {
    ...(maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns }),
    ...(callsPerSecond === undefined ? {} : { callsPerSecond }),
  };
  return {
    name,
    pollingPeriodMs,
    pageSize: effectivePageSize,
    maxConcurrentRuns: maxConcurrentRuns ?? null,
    callsPerSecond: callsPerSecond ?? null,
    connectorConfig,
    stored: {
      ...connectorConfig,
      name,
      pollingPeriod: formatDuration(pollingPeriodMs),
      pageSize: effectivePageSize,
      ...connectorLimits,
    },
  };
}

/** Whether a field's schema, or the schema it wraps (optional, default, nullable), is in `registry`. */
function isMarked(schema: z.ZodType, registry: { has(schema: z.ZodType): boolean }): boolean {
  let current: z.ZodType = schema;
  for (;;) {
    if (registry.has(current)) return true;
    const def = current.def as { type: string; innerType?: z.ZodType };
    if ((def.type === 'optional' || def.type === 'default' || def.type === 'nullable') && def.innerType) {
      current = def.innerType;
    } else return false;
  }
}

function isSecret(schema: z.ZodType): boolean {
  return isMarked(schema, secretFields);
}

/** The fields that decide where the connector's secrets go: `endpoint`, and those marked secretDestination(). */
export function destinationFieldsOf(registration: ConnectorRegistration): string[] {
  return Object.entries(registration.config.shape as Record<string, z.ZodType>)
    .filter(([key, schema]) => key === ENDPOINT_FIELD || isMarked(schema, destinationFields))
    .map(([key]) => key);
}

/**
 * A destination as compared across an update: a URL by scheme, host, port (the scheme's default left
 * out), path without trailing slashes, and query; the host's case and a trailing slash do not count.
 * Anything else by its exact text. Absent and empty are the same: no destination of its own.
 */
function normalisedDestination(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') return stringifyJson(value);
  const url = absoluteUrl(value);
  if (url) return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  return value.trim();
}

/** A config value that is an absolute URL with a host (`https://psp.example/v1`), parsed. */
function absoluteUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!text.includes('//') || !URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.host === '' ? undefined : url;
}

/**
 * The destination fields whose value differs between two configs (a field dropped counts too). A field
 * absent from a config stored before it existed counts as its default (an `endpointField` added by an
 * upgrade has not moved anywhere).
 */
export function changedDestinations(
  registration: ConnectorRegistration,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const shape = registration.config.shape as Record<string, z.ZodType>;
  const orDefault = (key: string, value: unknown): unknown => {
    if (value !== undefined) return value;
    const parsed = shape[key]?.safeParse(undefined);
    return parsed?.success ? parsed.data : undefined;
  };
  return destinationFieldsOf(registration).filter(
    (key) =>
      normalisedDestination(orDefault(key, before[key])) !==
      normalisedDestination(orDefault(key, after[key])),
  );
}

/**
 * With PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW set, every destination field that holds a URL must name an
 * allowed host. A destination that is no URL (a region that picks the host) or is left to the connector's
 * default is checked when it is called: pspRequest refuses a host the list does not name.
 */
export function checkDestinationsAllowed(
  registration: ConnectorRegistration,
  connectorConfig: Record<string, unknown>,
  allow: EndpointAllowList | undefined,
): void {
  if (!allow) return;
  for (const key of destinationFieldsOf(registration)) {
    const url = absoluteUrl(connectorConfig[key]);
    if (url && !allow.allows(url)) {
      throw new InvalidConfigError(
        `${key}: ${url.host} is not an allowed connector endpoint (PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW)`,
      );
    }
  }
}

/**
 * The connector's configured secret values (strings, and the strings inside secret objects or lists), so
 * logs can redact them wherever they appear: a key sent in a URL, say.
 */
export function secretValuesOf(
  registration: ConnectorRegistration,
  connectorConfig: Record<string, unknown>,
): string[] {
  const values: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  for (const [key, fieldSchema] of Object.entries(registration.config.shape as Record<string, z.ZodType>)) {
    if (isSecret(fieldSchema)) collect(connectorConfig[key]);
  }
  // Longest first, so a secret that contains another is redacted whole.
  return [...new Set(values)].filter((value) => value !== '').sort((a, b) => b.length - a.length);
}

export const MASK = '********';

/** A stored config as the API may show it: secret fields replaced by a mask. */
export function maskConfig(
  registration: ConnectorRegistration,
  stored: Record<string, unknown>,
): Record<string, unknown> {
  const shape = registration.config.shape as Record<string, z.ZodType>;
  const masked: Record<string, unknown> = { ...stored };
  for (const [key, fieldSchema] of Object.entries(shape)) {
    if (key in masked && isSecret(fieldSchema)) masked[key] = MASK;
  }
  return masked;
}

/**
 * Keeps secret values from the old config when an update sends the mask back unchanged; `restored` names
 * the fields that were. The caller must refuse the update when a destination changes as well.
 */
export function restoreMaskedSecrets(
  registration: ConnectorRegistration,
  raw: unknown,
  previous: Record<string, unknown>,
): { raw: unknown; restored: string[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { raw, restored: [] };
  const shape = registration.config.shape as Record<string, z.ZodType>;
  const copy: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const restored: string[] = [];
  for (const [key, fieldSchema] of Object.entries(shape)) {
    if (copy[key] === MASK && isSecret(fieldSchema) && key in previous) {
      copy[key] = previous[key];
      restored.push(key);
    }
  }
  return { raw: copy, restored };
}

/**
 * A stored secret goes only where it went before: an update that changes a destination must carry every
 * stored secret again. Sent back as the mask (`restored`), left out or left blank, it is refused, naming
 * the fields that moved and the secrets to send, so that a caller who can write configs but does not
 * know the key cannot have the next poll deliver it to a host of their choosing, and a form that leaves
 * secrets blank to keep them learns which ones it must ask for.
 */
export function checkSecretsFollowDestinations(
  registration: ConnectorRegistration,
  previous: Record<string, unknown>,
  next: unknown,
  restored: string[],
): void {
  if (next === null || typeof next !== 'object' || Array.isArray(next)) return;
  const update = next as Record<string, unknown>;
  const shape = registration.config.shape as Record<string, z.ZodType>;
  const notGiven = Object.entries(shape)
    .filter(([key, schema]) => isSecret(schema) && key in previous)
    .filter(
      ([key]) =>
        restored.includes(key) || update[key] === undefined || update[key] === null || update[key] === '',
    )
    .map(([key]) => key);
  if (notGiven.length === 0) return;
  const moved = changedDestinations(registration, previous, update);
  if (moved.length === 0) return;
  const fields = (names: string[]) => names.map((name) => `'${name}'`).join(', ');
  throw new InvalidConfigError(
    `${fields(moved)} changed, so the secrets go to a new destination: send ${fields(notGiven)} again ` +
      `(a stored secret is kept, when sent back as the mask "${MASK}", only while its destination stays the same)`,
  );
}

export interface ConfigEntry {
  dataType: 'string' | 'long string' | 'duration ns' | 'unsigned integer' | 'number' | 'boolean';
  required: boolean;
  defaultValue: string;
  /** Present (true) only on secret fields, so a form can use a password input and never pre-fill it. */
  secret?: true;
}

function entryFor(schema: z.ZodType): ConfigEntry {
  let current: z.ZodType = schema;
  let required = true;
  let defaultValue = '';
  for (;;) {
    const def = current.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
    if (def.type === 'optional' || def.type === 'nullable') required = false;
    else if (def.type === 'default') {
      required = false;
      const value =
        typeof def.defaultValue === 'function' ? (def.defaultValue as () => unknown)() : def.defaultValue;
      defaultValue = value === undefined ? '' : String(value);
    } else break;
    if (!def.innerType) break;
    current = def.innerType;
  }
  const type = (current.def as { type: string }).type;
  const dataType =
    type === 'number' || type === 'bigint'
      ? 'unsigned integer'
      : type === 'boolean'
        ? 'boolean'
        : isMarked(schema, multilineFields)
          ? 'long string'
          : 'string';
  return { dataType, required, defaultValue, ...(isSecret(schema) ? { secret: true as const } : {}) };
}

/** The `/connectors/configs` entry of one provider: engine fields first, then the connector's own. */
export function configCatalogEntry(
  registration: ConnectorRegistration,
  limits: PollingLimits,
): Record<string, ConfigEntry> {
  const entries: Record<string, ConfigEntry> = {
    name: { dataType: 'string', required: true, defaultValue: '' },
    pollingPeriod: {
      dataType: 'duration ns',
      required: false,
      defaultValue: formatDuration(limits.pollingPeriodDefaultMs),
    },
    pageSize: { dataType: 'unsigned integer', required: false, defaultValue: String(registration.pageSize) },
    maxConcurrentRuns: { dataType: 'unsigned integer', required: false, defaultValue: '' },
    callsPerSecond: { dataType: 'number', required: false, defaultValue: '' },
  };
  for (const [key, fieldSchema] of Object.entries(registration.config.shape as Record<string, z.ZodType>)) {
    if ((ENGINE_FIELDS as readonly string[]).includes(key)) continue;
    entries[key] = entryFor(fieldSchema);
  }
  return entries;
}
