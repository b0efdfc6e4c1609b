// Money movement at Currencycloud: transfers between accounts and payments to beneficiaries, each once per engine key (unique_request_id).
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { currencyPrecision } from '../../domain/assets.js';
import type {
  CreateBankAccountRequest,
  CreateBankAccountResponse,
  CreateTransferRequest,
  CreateTransferResponse,
  PollTransferStatusResponse,
  PspPayment,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem } from '../sdk/mapping.js';
import { specMetadataKey } from '../sdk/money.js';
import { type CurrencycloudClient, CurrencycloudRefusal } from './client.js';
import { ccAmount } from './currencies.js';
import {
  beneficiarySchema,
  type CcBeneficiary,
  type CcPayment,
  type CcTransfer,
  FINAL_PAYMENT_STATUSES,
  FINAL_TRANSFER_STATUSES,
  paymentSchema,
  paymentToPayment,
  PROVIDER,
  toBeneficiary,
  transferSchema,
  transferToPayment,
} from './mapping.js';

/** Initiation metadata a payout reads (MAPPING.md lists them). */
export const PAYOUT_METADATA = {
  /** `priority` (Swift) or `regular` (local rails); CC picks when absent. */
  paymentType: specMetadataKey(PROVIDER, 'payment_type'),
  /** The contact of a sub-account to pay on behalf of; without it the house account pays. */
  onBehalfOf: specMetadataKey(PROVIDER, 'on_behalf_of'),
  /** The payment's reference as the beneficiary sees it; default: the initiation's description. */
  reference: specMetadataKey(PROVIDER, 'reference'),
} as const;

/** CC caps a transfer's unique_request_id at 100 characters (a payment's at 255). */
const UNIQUE_REQUEST_ID_MAX = 100;
/** The codes CC answers a unique_request_id already used with (payments, transfers). */
const DUPLICATE_CODES = new Set(['duplicate_request', 'duplicate_unique_request_id']);

/**
 * The unique_request_id for an engine key: the key itself (the engine's keys are UUIDs), or a digest of
 * it when longer than CC takes. The same key always gives the same id, so a retry is recognised.
 */
export function uniqueRequestId(idempotencyKey: string): string {
  if (idempotencyKey.length > 0 && idempotencyKey.length <= UNIQUE_REQUEST_ID_MAX) return idempotencyKey;
  return `pb-${createHash('sha256').update(idempotencyKey).digest('hex')}`;
}

const isDuplicate = (error: unknown) =>
  error instanceof CurrencycloudRefusal && error.codes.some((code) => DUPLICATE_CODES.has(code));

function parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success)
    throw new UpstreamError(
      `Currencycloud answered the ${what} unreadably: ${describeZodProblem(result.error)}`,
    );
  return result.data;
}

/** The transfer or payment CC made under a unique_request_id, if any. */
async function findTransfer(client: CurrencycloudClient, id: string): Promise<CcTransfer | undefined> {
  const body = (await client.get('/transfers/find', { unique_request_id: id })) as { transfers?: unknown[] };
  const first = body?.transfers?.[0];
  return first === undefined ? undefined : parsed(transferSchema, first, 'transfer');
}

async function findPayment(client: CurrencycloudClient, id: string): Promise<CcPayment | undefined> {
  const body = (await client.get('/payments/find', { scope: 'all', unique_request_id: id })) as {
    payments?: unknown[];
  };
  const first = body?.payments?.[0];
  return first === undefined ? undefined : parsed(paymentSchema, first, 'payment');
}

/**
 * Sends a create, or, when CC answers that this unique_request_id was used already (the engine repeats
 * a request whose answer was lost), reads back what the first request made.
 */
async function createOnce<T>(
  create: () => Promise<T>,
  existing: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!isDuplicate(error)) throw error;
    const found = await existing();
    // CC says it has one but does not show it yet: unknown, so the engine asks again later.
    if (found === undefined)
      throw new UpstreamError(`Currencycloud reports the ${what} as a duplicate but does not list it yet`);
    return found;
  }
}

function settled(payment: PspPayment, final: boolean, pollingId: string): CreateTransferResponse {
  return final ? { payment } : { pollingId };
}

export async function createTransfer(
  client: CurrencycloudClient,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const initiation = request.paymentInitiation;
  const source = initiation.sourceAccount?.reference;
  const destination = initiation.destinationAccount?.reference;
  if (!source || !destination)
    throw new InvalidRequestError('a Currencycloud transfer needs a source and a destination account');
  const { amount, currency } = ccAmount(initiation.amount, initiation.asset);
  const id = uniqueRequestId(request.idempotencyKey);
  const transfer = await createOnce(
    async () =>
      parsed(
        transferSchema,
        await client.write('/transfers/create', {
          source_account_id: source,
          destination_account_id: destination,
          currency,
          amount,
          reason: initiation.description || undefined,
          unique_request_id: id,
        }),
        'transfer',
      ),
    () => findTransfer(client, id),
    'transfer',
  );
  const warnings: string[] = [];
  return settled(transferToPayment(transfer, warnings), FINAL_TRANSFER_STATUSES.has(transfer.status), id);
}

export async function pollTransfer(
  client: CurrencycloudClient,
  pollingId: string,
): Promise<PollTransferStatusResponse> {
  const transfer = await findTransfer(client, pollingId);
  if (!transfer || !FINAL_TRANSFER_STATUSES.has(transfer.status)) return {};
  return { payment: transferToPayment(transfer, []) };
}

export async function createPayout(
  client: CurrencycloudClient,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const initiation = request.paymentInitiation;
  const beneficiary = initiation.destinationAccount?.reference;
  if (!beneficiary)
    throw new InvalidRequestError('a Currencycloud payout needs a destination account (a beneficiary)');
  const { amount, currency } = ccAmount(initiation.amount, initiation.asset);
  const id = uniqueRequestId(request.idempotencyKey);
  const metadata = initiation.metadata;
  const paymentType = metadata[PAYOUT_METADATA.paymentType];
  if (paymentType !== undefined && paymentType !== 'priority' && paymentType !== 'regular')
    throw new InvalidRequestError(`${PAYOUT_METADATA.paymentType} must be 'priority' or 'regular'`);
  // CC requires both; they are what the beneficiary and the statement show.
  const reference = metadata[PAYOUT_METADATA.reference] || initiation.description || initiation.reference;
  const reason = initiation.description || initiation.reference;
  const payment = await createOnce(
    async () =>
      parsed(
        paymentSchema,
        await client.write('/payments/create', {
          currency,
          beneficiary_id: beneficiary,
          amount,
          reason,
          reference,
          unique_request_id: id,
          payment_type: paymentType,
          on_behalf_of: metadata[PAYOUT_METADATA.onBehalfOf] || undefined,
        }),
        'payment',
      ),
    () => findPayment(client, id),
    'payment',
  );
  return settled(
    paymentToPayment(payment, initiation.sourceAccount?.reference, []),
    FINAL_PAYMENT_STATUSES.has(payment.status),
    id,
  );
}

export async function pollPayout(
  client: CurrencycloudClient,
  pollingId: string,
): Promise<PollTransferStatusResponse> {
  const payment = await findPayment(client, pollingId);
  if (!payment || !FINAL_PAYMENT_STATUSES.has(payment.status)) return {};
  return { payment: paymentToPayment(payment, undefined, []) };
}

/** Bank-account metadata a beneficiary creation reads (MAPPING.md lists them). */
export const BENEFICIARY_METADATA = {
  /** Required: the currency the account holds (ISO 4217). */
  currency: specMetadataKey(PROVIDER, 'currency'),
  /** The holder's name as the bank knows it; default: the bank account's name. */
  holderName: specMetadataKey(PROVIDER, 'bank_account_holder_name'),
  /** `company` or `individual`. */
  entityType: specMetadataKey(PROVIDER, 'beneficiary_entity_type'),
  /** Local routing, as CC names it: `sort_code`, `aba`, `bsb_code`, … and its value. */
  routingCodeType: specMetadataKey(PROVIDER, 'routing_code_type_1'),
  routingCodeValue: specMetadataKey(PROVIDER, 'routing_code_value_1'),
  /** The contact of a sub-account the beneficiary belongs to. */
  onBehalfOf: specMetadataKey(PROVIDER, 'on_behalf_of'),
} as const;

async function findBeneficiary(
  client: CurrencycloudClient,
  reference: string,
): Promise<CcBeneficiary | undefined> {
  const body = (await client.find('/beneficiaries/find', {
    scope: 'all',
    beneficiary_external_reference: reference,
  })) as { beneficiaries?: unknown[] };
  const first = body?.beneficiaries?.[0];
  return first === undefined ? undefined : parsed(beneficiarySchema, first, 'beneficiary');
}

/**
 * Creates a beneficiary. CC's beneficiary creation takes no idempotency key, so the engine's key travels
 * as `beneficiary_external_reference`, and the beneficiary is looked up by it first: a creation repeated
 * after a lost answer finds the first one instead of making a second.
 */
export async function createBeneficiary(
  client: CurrencycloudClient,
  request: CreateBankAccountRequest,
): Promise<CreateBankAccountResponse> {
  const details = request.bankAccount;
  const metadata = details.metadata;
  const currency = metadata[BENEFICIARY_METADATA.currency]?.toUpperCase();
  if (!currency || currencyPrecision(currency) === undefined)
    throw new InvalidRequestError(
      `a Currencycloud beneficiary needs ${BENEFICIARY_METADATA.currency}, an ISO 4217 currency`,
    );
  const country = details.country?.toUpperCase();
  if (!country || !/^[A-Z]{2}$/.test(country))
    throw new InvalidRequestError('a Currencycloud beneficiary needs the bank country (two letters)');
  if (!details.iban && !details.accountNumber)
    throw new InvalidRequestError('a Currencycloud beneficiary needs an IBAN or an account number');
  const entityType = metadata[BENEFICIARY_METADATA.entityType];
  if (entityType !== undefined && entityType !== 'company' && entityType !== 'individual')
    throw new InvalidRequestError(`${BENEFICIARY_METADATA.entityType} must be 'company' or 'individual'`);
  const reference = uniqueRequestId(request.idempotencyKey);
  const existing = await findBeneficiary(client, reference);
  const beneficiary =
    existing ??
    parsed(
      beneficiarySchema,
      await client.write('/beneficiaries/create', {
        name: details.name,
        bank_account_holder_name: metadata[BENEFICIARY_METADATA.holderName] || details.name,
        bank_country: country,
        currency,
        iban: details.iban,
        account_number: details.accountNumber,
        bic_swift: details.swiftBicCode,
        routing_code_type_1: metadata[BENEFICIARY_METADATA.routingCodeType],
        routing_code_value_1: metadata[BENEFICIARY_METADATA.routingCodeValue],
        beneficiary_entity_type: entityType,
        ...(entityType === 'company' ? { beneficiary_company_name: details.name } : {}),
        on_behalf_of: metadata[BENEFICIARY_METADATA.onBehalfOf] || undefined,
        beneficiary_external_reference: reference,
      }),
      'beneficiary',
    );
  return { relatedAccount: toBeneficiary(beneficiary) };
}
