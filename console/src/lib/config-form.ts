// Turns a provider's config schema (GET /connectors/configs) into form fields, and form values into an install body.
import type { ConfigDataType, ConfigEntry } from './api-types.js';

export interface ConfigField extends ConfigEntry {
  key: string;
  label: string;
}

/** `pollingPeriod` → `Polling period`, `apiKey` → `API key`. */
export function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .split(' ')
    .map((word) => (['api', 'url', 'id', 'psp'].includes(word) ? word.toUpperCase() : word));
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Required fields first (the name, then the provider's), then the optional ones, each in schema order. */
export function configFields(schema: Record<string, ConfigEntry>): ConfigField[] {
  const fields = Object.entries(schema).map(([key, entry]) => ({ ...entry, key, label: fieldLabel(key) }));
  return [...fields.filter((f) => f.required), ...fields.filter((f) => !f.required)];
}

export const DATA_TYPE_HINTS: Record<ConfigDataType, string> = {
  string: 'text',
  'long string': 'text',
  'duration ns': 'a duration such as 30m, 1h or 90s',
  'unsigned integer': 'a whole number',
  number: 'a number',
  boolean: 'on or off',
};

export type FormValues = Record<string, string | boolean>;

/**
 * The install body: empty fields are left out (the service applies its defaults), whole numbers and
 * numbers are sent as JSON numbers, booleans only when they differ from the default. Text that is not
 * a number is sent as typed, so the API's validation message names the field.
 */
export function configBody(fields: readonly ConfigField[], values: FormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.key];
    if (field.dataType === 'boolean') {
      const checked = value === true;
      if (checked !== (field.defaultValue === 'true')) body[field.key] = checked;
      continue;
    }
    if (typeof value !== 'string') continue;
    const text = field.secret ? value : value.trim();
    if (text === '') continue;
    if (field.dataType === 'unsigned integer' && /^\d+$/.test(text)) body[field.key] = Number(text);
    else if (field.dataType === 'number' && text !== '' && Number.isFinite(Number(text)))
      body[field.key] = Number(text);
    else body[field.key] = text;
  }
  return body;
}

/**
 * Splits the API's config message (`invalid connector config: directory: Too small; name: …`) into one
 * message per field, so each shows next to its input; what names no field stays general.
 */
export function fieldErrors(
  message: string,
  keys: readonly string[],
): { byField: Record<string, string>; general: string[] } {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  const body = message.replace(/^invalid connector config:\s*/, '');
  for (const part of body.split('; ')) {
    const key = keys.find((k) => part.startsWith(`${k}: `));
    if (key) byField[key] = part.slice(key.length + 2);
    else general.push(part);
  }
  return { byField, general };
}

/** What the API shows in place of a stored secret; sent back, it keeps the stored value. */
export const SECRET_MASK = '********';

/** Fields whose change sends the connector's secrets elsewhere (the server knows more; it has the last word). */
export const DESTINATION_FIELDS = ['endpoint'];

/**
 * The edit form's starting values from the connector's current (masked) config: every field as stored,
 * secrets blank (a blank secret keeps its stored value), booleans as booleans.
 */
export function prefillValues(fields: readonly ConfigField[], config: Record<string, unknown>): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const value = config[field.key];
    if (field.dataType === 'boolean')
      values[field.key] = value === undefined ? field.defaultValue === 'true' : value === true;
    else if (field.secret || value === undefined || value === null) values[field.key] = '';
    else values[field.key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return values;
}

/** An endpoint as the server compares it: host case and trailing slashes do not count. */
function normalisedEndpoint(value: unknown): string {
  if (typeof value !== 'string') return '';
  const text = value.trim();
  try {
    const url = new URL(text);
    const port = url.port ? `:${url.port}` : '';
    return `${url.protocol}//${url.hostname.toLowerCase()}${port}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  } catch {
    return text;
  }
}

/** The destination fields (the endpoint) the form changes from the stored config. */
export function movedDestinations(
  fields: readonly ConfigField[],
  values: FormValues,
  config: Record<string, unknown>,
): string[] {
  return fields
    .filter((f) => DESTINATION_FIELDS.includes(f.key))
    .filter((f) => normalisedEndpoint(values[f.key]) !== normalisedEndpoint(config[f.key]))
    .map((f) => f.key);
}

/** The secrets that must be typed again: all stored ones once a destination moves, else none. */
export function secretsToResend(
  fields: readonly ConfigField[],
  values: FormValues,
  config: Record<string, unknown>,
): string[] {
  if (movedDestinations(fields, values, config).length === 0) return [];
  return fields.filter((f) => f.secret && f.key in config).map((f) => f.key);
}

/**
 * The PATCH body: like an install body, except that a secret left blank is sent back as the mask, which
 * keeps its stored value (the server refuses that when the endpoint moves, as the form does first).
 */
export function updateBody(
  fields: readonly ConfigField[],
  values: FormValues,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const body = configBody(fields, values);
  for (const field of fields) {
    if (field.secret && body[field.key] === undefined && field.key in config) body[field.key] = SECRET_MASK;
  }
  return body;
}
