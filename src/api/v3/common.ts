// Shared pieces of v3 route modules: options, list query parameters and envelopes.
import { z } from 'zod';
import type { EngineDeps } from '../../engine/deps.js';
import { ERROR_CODES, invalidIdError, validationError } from '../errors.js';
import type { CursorPage } from '../pagination.js';

export interface V3Options {
  deps: EngineDeps;
  debug: boolean;
  /** Keeps the duplicate mount (under /api/payments) out of the OpenAPI document. */
  hidden: boolean;
}

/**
 * Path ids as the handlers accept them. The patterns document what an id looks like; they are not checked by
 * the schema, because the handler decodes the id and answers an undecodable one with 400 INVALID_ID (a schema
 * failure would be VALIDATION, and Formance's balances route answers VALIDATION where the others say INVALID_ID).
 */
export const ENCODED_ID_PATTERN = '^[A-Za-z0-9_-]+$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const encodedIdParam = (what: string) =>
  z.string().meta({
    pattern: ENCODED_ID_PATTERN,
    description: `${what} id: base64url (no padding) of canonical JSON; 400 INVALID_ID when it does not decode`,
  });
export const uuidParam = (what: string) =>
  z.string().meta({
    pattern: UUID_PATTERN,
    description: `${what} id: a UUID; 400 INVALID_ID otherwise`,
  });

export const listQuerystring = z.object({
  pageSize: z.string().optional().meta({
    type: 'integer',
    minimum: 0,
    maximum: 4_294_967_295,
    description: 'Page size: default 15 (also for 0), at most 100 (larger values are clamped)',
  }),
  cursor: z.string().optional().meta({
    pattern: ENCODED_ID_PATTERN,
    description: 'Opaque cursor from a previous page; overrides every other parameter',
  }),
  query: z
    .string()
    .optional()
    .describe(
      'Filter, as JSON (see the filter language; at most 10 levels deep and 1000 expressions). ' +
        'It may also be sent as the JSON body of the GET, which then takes precedence.',
    ),
});

export function cursorEnvelope<Row, Out>(page: CursorPage<Row>, present: (row: Row) => Out) {
  return {
    cursor: {
      pageSize: page.pageSize,
      hasMore: page.hasMore,
      ...(page.previous ? { previous: page.previous } : {}),
      ...(page.next ? { next: page.next } : {}),
      data: page.data.map(present),
    },
  };
}

/** Documentation-only response shapes: bodies are serialised by our bigint-safe writer, not by these. */
export const amount = z
  .bigint()
  .meta({ type: 'integer', description: 'Amount in minor units (exact integer)' });
export const errorResponse = z
  .object({ errorCode: z.enum(ERROR_CODES), errorMessage: z.string(), details: z.string().optional() })
  .describe('Error envelope');
/** An empty answer: documented without content (a 204 carries no body and no content type). */
export const noContent = z.undefined().describe('No content');
export const dataOf = <T extends z.ZodType>(schema: T) => z.object({ data: schema });
export const cursorOf = <T extends z.ZodType>(schema: T) =>
  z.object({
    cursor: z.object({
      pageSize: z.number().int(),
      hasMore: z.boolean(),
      previous: z.string().optional(),
      next: z.string().optional(),
      data: z.array(schema),
    }),
  });

/** Entries describe the past: a timestamp after now is refused. */
export function notInFuture(field: string, date: Date): void {
  if (date.getTime() > Date.now()) throw validationError(`${field} must not be in the future`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id of a resource Paybridge names with a UUID (pool, bank account): 400 INVALID_ID otherwise. */
export function uuidId(text: string, what: string): string {
  if (!UUID.test(text)) throw invalidIdError(`'${text}' is not a ${what} id`);
  return text.toLowerCase();
}
