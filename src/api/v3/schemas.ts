// Response models of the v3 API, for the OpenAPI document.
import { z } from 'zod';
import { CAPABILITIES } from '../../connectors/sdk/capabilities.js';
import { isAsset, isIsoAsset, MAX_ASSET_PRECISION } from '../../domain/assets.js';
import {
  ACCOUNT_TYPES,
  CONVERSION_STATUSES,
  ORDER_DIRECTIONS,
  ORDER_STATUSES,
  ORDER_TYPES,
  PAYMENT_INITIATION_STATUSES,
  PAYMENT_INITIATION_TYPES,
  PAYMENT_SCHEMES,
  PAYMENT_STATUSES,
  PAYMENT_TYPES,
  TASK_STATUSES,
  TIME_IN_FORCES,
} from '../../domain/enums.js';
import { accountIdCodec, connectorIdCodec } from '../../domain/ids.js';
import { isAmountInRange, MAX_AMOUNT } from '../../domain/money.js';
import { parseTimestamp } from '../../domain/time.js';
import { addressShape, contactDetailsShape } from '../../engine/money-movement/payment-service-users.js';
import { amount } from './common.js';

const metadata = z.record(z.string(), z.string());
export const time = z.string().meta({ format: 'date-time', description: 'RFC 3339 timestamp, UTC' });

export const connectorBase = z.object({
  id: z.string(),
  reference: z.string(),
  name: z.string(),
  createdAt: time,
  provider: z.string(),
});

export const account = z.object({
  id: z.string(),
  connectorID: z.string(),
  connector: connectorBase,
  provider: z.string(),
  reference: z.string(),
  createdAt: time,
  type: z.enum(ACCOUNT_TYPES),
  name: z.string().nullable(),
  defaultAsset: z.string().nullable(),
  metadata,
  raw: z.record(z.string(), z.unknown()),
});

export const balance = z.object({
  accountID: z.string(),
  createdAt: time,
  lastUpdatedAt: time,
  asset: z.string(),
  balance: amount,
  psuID: z.string(),
});

export const paymentAdjustment = z.object({
  id: z.string(),
  reference: z.string(),
  createdAt: time,
  status: z.enum(PAYMENT_STATUSES),
  amount: amount.optional(),
  asset: z.string().optional(),
  metadata,
  raw: z.record(z.string(), z.unknown()),
});

export const payment = z.object({
  id: z.string(),
  connectorID: z.string(),
  provider: z.string(),
  reference: z.string(),
  createdAt: time,
  type: z.enum(PAYMENT_TYPES),
  initialAmount: amount,
  amount,
  asset: z.string(),
  scheme: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  sourceAccountID: z.string().nullable(),
  destinationAccountID: z.string().nullable(),
  metadata,
  adjustments: z.array(paymentAdjustment).nullable(),
});

export const orderAdjustment = z.object({
  id: z.string(),
  reference: z.string(),
  createdAt: time,
  status: z.enum(ORDER_STATUSES),
  baseQuantityFilled: amount.optional(),
  fee: amount.optional(),
  feeAsset: z.string().optional(),
  metadata,
  raw: z.record(z.string(), z.unknown()),
});

export const order = z
  .object({
    id: z.string(),
    connectorID: z.string(),
    provider: z.string(),
    reference: z.string(),
    clientOrderID: z.string().optional(),
    createdAt: time,
    updatedAt: time.describe('The time of the newest observation (its latest adjustment)'),
    direction: z.enum(ORDER_DIRECTIONS),
    sourceAsset: z.string(),
    destinationAsset: z.string(),
    type: z.enum(ORDER_TYPES),
    status: z.enum(ORDER_STATUSES),
    baseQuantityOrdered: amount,
    baseQuantityFilled: amount.nullable(),
    limitPrice: amount.optional(),
    stopPrice: amount.optional(),
    timeInForce: z.enum(TIME_IN_FORCES),
    expiresAt: time.optional(),
    quoteAmount: amount.optional(),
    quoteAsset: z.string().optional(),
    fee: amount.optional(),
    feeAsset: z.string().optional(),
    averageFillPrice: amount.optional(),
    priceAsset: z.string().optional(),
    error: z.string().optional(),
    sourceAccountID: z.string().nullable(),
    destinationAccountID: z.string().nullable(),
    metadata,
    adjustments: z.array(orderAdjustment).describe('Each distinct state observed, oldest first'),
  })
  .describe('A trade order fetched from an exchange-style PSP (read-only)');

export const conversion = z
  .object({
    id: z.string(),
    connectorID: z.string(),
    provider: z.string(),
    reference: z.string(),
    createdAt: time,
    updatedAt: time,
    sourceAsset: z.string(),
    destinationAsset: z.string(),
    sourceAmount: amount,
    destinationAmount: amount.optional(),
    fee: amount.optional(),
    feeAsset: z.string().optional(),
    status: z.enum(CONVERSION_STATUSES),
    error: z.string().optional(),
    sourceAccountID: z.string().nullable(),
    destinationAccountID: z.string().nullable(),
    metadata,
    raw: z.record(z.string(), z.unknown()),
  })
  .describe('A conversion between two assets at the PSP (read-only; the newest observation)');

export const capability = z.enum(CAPABILITIES);

export const connector = connectorBase.extend({
  updatedAt: time,
  config: z.record(z.string(), z.unknown()),
  scheduledForDeletion: z.boolean(),
  capabilities: z.array(capability),
});

export const configEntry = z.object({
  dataType: z.enum(['string', 'long string', 'duration ns', 'unsigned integer', 'number', 'boolean']),
  required: z.boolean(),
  defaultValue: z.string(),
  // Not in Formance's model (the SDK ignores it): marks fields stored encrypted and masked on read.
  secret: z.literal(true).optional().describe('Present on secret fields: enter them, they are never shown'),
});

export const schedule = z.object({
  id: z.string(),
  connectorID: z.string(),
  createdAt: time,
  pausedAt: time.optional(),
  pausedReason: z.string().optional(),
  // Not in Formance's model (the SDK ignores them): what a health view needs without a call per schedule.
  taskType: z.string().describe('The task-tree node this schedule runs (FETCH_ACCOUNTS, FETCH_PAYMENTS, …)'),
  nextRunAt: time.optional().describe('When the next run is due; absent while one runs or once it is done'),
  consecutiveFailures: z
    .number()
    .int()
    .describe('Failed runs in a row; the schedule pauses after a threshold'),
  lastRun: z
    .object({
      id: z.string(),
      createdAt: time,
      terminatedAt: time.optional(),
      error: z.string().optional(),
      items: z.number().int(),
      skippedRecords: z.number().int(),
      warnings: z.array(z.string()),
    })
    .optional()
    .describe('The newest run of this schedule'),
});

export const instance = z.object({
  id: z.string(),
  scheduleID: z.string(),
  connectorID: z.string(),
  createdAt: time,
  updatedAt: time,
  terminated: z.boolean(),
  terminatedAt: time.optional(),
  error: z.string().optional(),
  pages: z.number().int().describe('Fetched pages committed by this run'),
  items: z.number().int().describe('PSP items stored by this run'),
  skippedRecords: z.number().int().describe('PSP records skipped by this run because they failed validation'),
  warnings: z
    .array(z.string())
    .describe(
      'What the run did not stop for but an operator should know (a task restarted because its saved state ' +
        'no longer fits the connector, PSP values mapped to OTHER): distinct, at most 50',
    ),
});

export const task = z.object({
  id: z.string(),
  connectorID: z.string().optional(),
  status: z.enum(TASK_STATUSES),
  createdAt: time,
  updatedAt: time,
  createdObjectID: z.string().optional(),
  error: z.string().optional(),
});

// Request bodies. Integers arrive exact (a number when safe, a bigint beyond 2^53).
const AMOUNT_RANGE = `at most ${String(MAX_AMOUNT).length} digits`;
/** An exact integer amount in minor units, within ±MAX_AMOUNT; `minimum` is the lowest allowed value. */
const amountInput = (minimum: 'any' | 0n | 1n) =>
  z
    .custom<number | bigint>((value) => typeof value === 'bigint' || Number.isInteger(value), {
      error: 'must be an integer',
    })
    .transform((value) => BigInt(value))
    .refine(isAmountInRange, { error: `must have ${AMOUNT_RANGE}` })
    .refine((value) => minimum === 'any' || value >= minimum, {
      error: minimum === 1n ? 'must be greater than 0' : 'must not be negative',
    })
    .meta({
      type: 'integer',
      ...(minimum === 'any' ? { minimum: -1e38, exclusiveMinimum: true } : { minimum: Number(minimum) }),
      maximum: 1e38,
      exclusiveMaximum: true,
      description: `Amount in minor units: an exact integer, ${AMOUNT_RANGE}`,
    });
const instant = z
  .string()
  .transform((text, context) => {
    const date = parseTimestamp(text);
    if (date === undefined) {
      context.addIssue({
        code: 'custom',
        message: 'must be an RFC 3339 timestamp such as 2024-05-01T10:00:00Z',
      });
      return z.NEVER;
    }
    return date;
  })
  .meta({ type: 'string', format: 'date-time', description: 'RFC 3339 timestamp' });
const reference = z.string().min(3).max(1000);
const ASSET_DESCRIPTION = `CODE/precision, the precision without a leading zero and at most ${MAX_ASSET_PRECISION}`;
const asset = z
  .string()
  .refine(isAsset, { error: 'must be an asset such as USD/2 or BTC/8' })
  .meta({ description: `Asset: ${ASSET_DESCRIPTION} (USD/2, BTC/8)` });
const isoAsset = z
  .string()
  .refine(isIsoAsset, { error: 'must be an ISO 4217 asset such as USD/2' })
  .meta({ description: `ISO 4217 asset: ${ASSET_DESCRIPTION} (EUR/2, JPY/0)` });
const decodes = (codec: { decode(text: string): unknown }, what: string) =>
  z.string().refine(
    (text) => {
      try {
        codec.decode(text);
        return true;
      } catch {
        return false;
      }
    },
    { error: `must be a ${what} id` },
  );

export const createAccountBody = z.object({
  reference,
  connectorID: decodes(connectorIdCodec, 'connector'),
  createdAt: instant,
  accountName: z.string().min(1).max(1000),
  type: z.enum(['INTERNAL', 'EXTERNAL']),
  defaultAsset: z.union([z.literal(''), asset]).nullish(),
  metadata: metadata.nullish(),
});

export const createPaymentBody = z.object({
  reference,
  connectorID: decodes(connectorIdCodec, 'connector'),
  createdAt: instant,
  type: z.enum(PAYMENT_TYPES),
  initialAmount: amountInput(0n).nullish(),
  amount: amountInput(0n),
  asset,
  scheme: z.enum(PAYMENT_SCHEMES),
  sourceAccountID: decodes(accountIdCodec, 'account').nullish(),
  destinationAccountID: decodes(accountIdCodec, 'account').nullish(),
  metadata: metadata.nullish(),
  adjustments: z
    .array(
      z.object({
        reference,
        createdAt: instant,
        status: z.enum(PAYMENT_STATUSES),
        amount: amountInput(0n),
        asset,
        metadata: metadata.nullish(),
      }),
    )
    .min(1, { error: 'a payment needs at least one adjustment' }),
});

/** The SDK sends `{metadata: {...}}`; Formance's server reads a flat map. Both are accepted. */
export const paymentMetadataBody = z.union([z.object({ metadata }).strict(), metadata]);

const alphanumeric = /^[A-Za-z0-9]+$/;
/** ISO 3166-1 alpha-2, as bank accounts and PSU addresses check it. */
const COUNTRY_CODE = /^[A-Z]{2}$/;
export const createBankAccountBody = z
  .object({
    name: z.string().min(1).max(1000),
    accountNumber: z.string().regex(alphanumeric, { error: 'must be letters and digits' }).nullish(),
    iban: z.string().regex(alphanumeric, { error: 'must be letters and digits' }).min(15).max(31).nullish(),
    swiftBicCode: z
      .string()
      .regex(alphanumeric, { error: 'must be letters and digits' })
      .min(8)
      .max(11)
      .nullish(),
    country: z.string().regex(COUNTRY_CODE, { error: 'must be an ISO 3166-1 alpha-2 code' }).nullish(),
    metadata: metadata.nullish(),
  })
  .refine((b) => Boolean(b.accountNumber) || Boolean(b.iban), {
    error: 'an accountNumber or an iban is required',
  });

export const bankAccount = z.object({
  id: z.string(),
  createdAt: time,
  name: z.string(),
  accountNumber: z.string().nullable().describe('Masked: first 2 and last 3 characters'),
  iban: z.string().nullable().describe('Masked: first 4 and last 4 characters'),
  swiftBicCode: z.string().nullable().describe('Masked: the first 4 characters (the bank)'),
  country: z.string().nullable(),
  metadata,
  relatedAccounts: z.array(z.object({ accountID: z.string(), createdAt: time })),
});

export const metadataBody = z.object({
  metadata: metadata.refine((m) => Object.keys(m).length > 0, { error: 'metadata must not be empty' }),
});

// ---------------------------------------------------------------------------------------------------------
// Payment service users (PSUs)
// ---------------------------------------------------------------------------------------------------------

// Formance's rules (internal/api/validation): its e-mail and phone patterns, a BCP 47 locale, and an
// alphanumeric street number. Like Go's `omitempty`, an empty string counts as absent and is not checked.
const email = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;
const phoneNumber = /^\+?\d{1,4}?[-.\s]?\(?\d{1,3}?\)?[-.\s]?\d{1,4}[-.\s]?\d{1,4}[-.\s]?\d{1,9}$/;
const isLocale = (text: string) => {
  try {
    return Intl.getCanonicalLocales(text).length === 1;
  } catch {
    return false;
  }
};
const optionalText = z.string().nullish();
const checkedText = (valid: (text: string) => boolean, error: string) =>
  z
    .string()
    .refine((text) => text === '' || valid(text), { error })
    .nullish();
const matches = (pattern: RegExp) => (text: string) => pattern.test(text);

export const createPaymentServiceUserBody = z.object({
  name: z.string().min(1).max(1000),
  contactDetails: z
    .object({
      email: checkedText(matches(email), 'must be an e-mail address'),
      phoneNumber: checkedText(matches(phoneNumber), 'must be a phone number'),
      locale: checkedText(isLocale, 'must be a BCP 47 language tag'),
    })
    .nullish(),
  address: z
    .object({
      streetName: optionalText,
      streetNumber: checkedText(matches(alphanumeric), 'must be letters and digits'),
      city: optionalText,
      region: optionalText,
      postalCode: optionalText,
      country: checkedText(matches(COUNTRY_CODE), 'must be an ISO 3166-1 alpha-2 code'),
    })
    .nullish(),
  bankAccountIDs: z.array(z.guid({ error: 'must be a bank account id (a UUID)' })).nullish(),
  metadata: metadata.nullish(),
});

/** Absent parts and fields are left out, never null: the SDK refuses null there. */
export const paymentServiceUser = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: time,
  contactDetails: contactDetailsShape.optional(),
  address: addressShape.optional(),
  bankAccountIDs: z.array(z.string()).nullable().describe('null when the PSU has no bank account'),
  metadata,
});

// --- Payment initiations ---------------------------------------------------------------------------

export const paymentInitiation = z.object({
  id: z.string(),
  connectorID: z.string(),
  provider: z.string(),
  reference: z.string(),
  createdAt: time,
  scheduledAt: time.describe('RFC 3339 timestamp; 0001-01-01T00:00:00Z when not scheduled'),
  description: z.string(),
  type: z.enum(PAYMENT_INITIATION_TYPES),
  sourceAccountID: z.string().optional(),
  destinationAccountID: z.string().optional(),
  amount,
  asset: z.string(),
  metadata,
  status: z.enum(PAYMENT_INITIATION_STATUSES),
  error: z.string().optional(),
});

export const paymentInitiationAdjustment = z.object({
  id: z.string(),
  createdAt: time,
  status: z.enum(PAYMENT_INITIATION_STATUSES),
  amount: amount.optional(),
  asset: z.string().optional(),
  error: z.string().optional(),
  metadata,
});

export const initiatePaymentBody = z.object({
  reference,
  connectorID: decodes(connectorIdCodec, 'connector'),
  type: z.enum(PAYMENT_INITIATION_TYPES),
  amount: amountInput(1n),
  asset: isoAsset,
  description: z.string().max(10_000).nullish(),
  sourceAccountID: decodes(accountIdCodec, 'account').nullish(),
  destinationAccountID: decodes(accountIdCodec, 'account'),
  scheduledAt: instant.nullish(),
  metadata: metadata.nullish(),
});

export const initiatePaymentQuery = z.object({
  noValidation: z.string().optional().describe('"true" approves the initiation at once'),
});

export const reversePaymentInitiationBody = z.object({
  reference,
  amount: amountInput(1n),
  asset: isoAsset,
  description: z.string().max(10_000).nullish(),
  metadata: metadata.nullish(),
});

export const forwardBankAccountBody = z.object({ connectorID: decodes(connectorIdCodec, 'connector') });
