// Increase's documented objects as zod schemas: only the fields the mapping reads, the rest kept in `raw`.
import { z } from 'zod';

/*
 * Written from the TypeScript types of Increase's official SDK (`increase`, generated from Increase's
 * OpenAPI document): node_modules/increase/resources/{accounts,external-accounts,transactions,
 * pending-transactions,declined-transactions,events,event-subscriptions}.d.ts. Every response is parsed
 * with these before it is mapped, so a fixture or an answer that drifts from the documented shape fails
 * loudly (fixtures.test.ts checks every fixture against them). Amounts arrive as JSON integers in cents
 * and are parsed with the repository's exact JSON (bigint past 2^53), never through a float.
 */

const integer = z.union([z.bigint(), z.number().int()]).transform((value) => BigInt(value));
const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not an ISO 8601 date-time');

export const accountSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('account'),
  name: z.string(),
  currency: z.string().min(3),
  status: z.string(),
  created_at: timestamp,
  closed_at: timestamp.nullable().optional(),
  entity_id: z.string().nullable().optional(),
  program_id: z.string().nullable().optional(),
  bank: z.string().optional(),
});
export type IncreaseAccount = z.infer<typeof accountSchema>;

export const balanceLookupSchema = z.looseObject({
  type: z.literal('balance_lookup'),
  account_id: z.string().min(1),
  current_balance: integer,
  available_balance: integer,
});
export type IncreaseBalanceLookup = z.infer<typeof balanceLookupSchema>;

export const externalAccountSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('external_account'),
  description: z.string(),
  account_holder: z.string(),
  funding: z.string(),
  status: z.string(),
  routing_number: z.string(),
  account_number: z.string(),
  created_at: timestamp,
});
export type IncreaseExternalAccount = z.infer<typeof externalAccountSchema>;

/** `source` names its kind in `category` and holds one sub-object under that same name. */
const sourceSchema = z.looseObject({ category: z.string().min(1) });

const moneyRow = {
  id: z.string().min(1),
  account_id: z.string().min(1),
  amount: integer,
  currency: z.string().min(3),
  created_at: timestamp,
  description: z.string(),
  route_id: z.string().nullable().optional(),
  route_type: z.string().nullable().optional(),
  source: sourceSchema,
};

export const transactionSchema = z.looseObject({ ...moneyRow, type: z.literal('transaction') });
export const pendingTransactionSchema = z.looseObject({
  ...moneyRow,
  type: z.literal('pending_transaction'),
  status: z.string(),
  completed_at: timestamp.nullable().optional(),
});
export const declinedTransactionSchema = z.looseObject({
  ...moneyRow,
  type: z.literal('declined_transaction'),
});

export type IncreaseTransaction = z.infer<typeof transactionSchema>;
export type IncreasePendingTransaction = z.infer<typeof pendingTransactionSchema>;
export type IncreaseDeclinedTransaction = z.infer<typeof declinedTransactionSchema>;
/** A row of any of the three money lists. */
export type MoneyRow = IncreaseTransaction | IncreasePendingTransaction | IncreaseDeclinedTransaction;

/** Every Increase list answers `{ data, next_cursor }`, newest first. */
export const listSchema = z.looseObject({
  data: z.array(z.unknown()),
  next_cursor: z.string().nullable(),
});

export const eventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('event'),
  category: z.string().min(1),
  associated_object_id: z.string().min(1),
  associated_object_type: z.string().min(1),
  created_at: timestamp,
});
export type IncreaseEvent = z.infer<typeof eventSchema>;

export const eventSubscriptionSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('event_subscription'),
  url: z.string(),
  status: z.string(),
  created_at: timestamp,
});
export type IncreaseEventSubscription = z.infer<typeof eventSubscriptionSchema>;

/** Account, ACH, wire and real-time payments transfers share these fields. */
export const transferSchema = z.looseObject({
  id: z.string().min(1),
  type: z.enum(['account_transfer', 'ach_transfer', 'wire_transfer', 'real_time_payments_transfer']),
  amount: integer,
  currency: z.string().min(3),
  status: z.string(),
  created_at: timestamp,
  account_id: z.string().min(1).optional(),
  destination_account_id: z.string().nullable().optional(),
  external_account_id: z.string().nullable().optional(),
  idempotency_key: z.string().nullable().optional(),
});
export type IncreaseTransfer = z.infer<typeof transferSchema>;
