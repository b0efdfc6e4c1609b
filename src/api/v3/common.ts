// Shared pieces of v3 route modules: options, list query parameters and envelopes.
import { z } from 'zod';
import type { EngineDeps } from '../../engine/deps.js';
import { invalidIdError, validationError } from '../errors.js';
import type { CursorPage } from '../pagination.js';

export interface V3Options {
  deps: EngineDeps;
  debug: boolean;
  /** Keeps the duplicate mount (under /api/payments) out of the OpenAPI document. */
  hidden: boolean;
}

export const listQuerystring = z.object({
  pageSize: z.string().optional().describe('Page size: default 15, at most 100'),
  cursor: z
    .string()
    .optional()
    .describe('Opaque cursor from a previous page; overrides every other parameter'),
  query: z.string().optional().describe('Filter, as JSON (see the filter language)'),
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
  .object({ errorCode: z.string(), errorMessage: z.string(), details: z.string().optional() })
  .describe('Error envelope');
export const noContent = z.void().describe('No content');
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
export function uuidParam(text: string, what: string): string {
  if (!UUID.test(text)) throw invalidIdError(`'${text}' is not a ${what} id`);
  return text.toLowerCase();
}
