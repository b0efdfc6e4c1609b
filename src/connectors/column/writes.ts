// Money movement at Column: book transfers, payouts on the rail the initiation names, counterparty creation and ACH reversal, each under an Idempotency-Key from the engine's key.
import { createHash } from 'node:crypto';
import { assetFromCurrency } from '../../domain/assets.js';
import type {
  CreateBankAccountRequest,
  CreateBankAccountResponse,
  CreateTransferRequest,
  CreateTransferResponse,
  PspPayment,
  PspPaymentInitiation,
  ReverseTransferRequest,
  ReverseTransferResponse,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem } from '../sdk/mapping.js';
import { specMetadataKey } from '../sdk/money.js';
import type { ColumnClient } from './client.js';
import { readTransfer } from './listing.js';
import {
  counterpartySchema,
  PROVIDER,
  RAIL_PATHS,
  RAILS,
  toExternalAccount,
  toPayment,
  transferSchema,
  type Rail,
} from './mapping.js';

/** The initiation metadata keys the connector reads (all under `com.column.spec/`). */
export const META = {
  rail: specMetadataKey(PROVIDER, 'rail'),
  allowOverdraft: specMetadataKey(PROVIDER, 'allow_overdraft'),
  sameDay: specMetadataKey(PROVIDER, 'same_day'),
  effectiveDate: specMetadataKey(PROVIDER, 'effective_date'),
  entryClassCode: specMetadataKey(PROVIDER, 'entry_class_code'),
  companyEntryDescription: specMetadataKey(PROVIDER, 'company_entry_description'),
  chargeBearer: specMetadataKey(PROVIDER, 'charge_bearer'),
  fxQuoteId: specMetadataKey(PROVIDER, 'fx_quote_id'),
  purposeCode: specMetadataKey(PROVIDER, 'purpose_code'),
  endToEndId: specMetadataKey(PROVIDER, 'end_to_end_id'),
  achTransferId: specMetadataKey(PROVIDER, 'ach_transfer_id'),
  reversalReason: specMetadataKey(PROVIDER, 'reversal_reason'),
  routingNumber: specMetadataKey(PROVIDER, 'routing_number'),
  routingNumberType: specMetadataKey(PROVIDER, 'routing_number_type'),
  accountType: specMetadataKey(PROVIDER, 'account_type'),
} as const;

/** Column's id prefixes, per rail (international wires have no documented prefix: every rail is asked). */
const RAIL_OF_PREFIX: Record<string, Rail> = { book: 'book', acht: 'ach', wire: 'wire', rttr: 'realtime' };

export const PAYOUT_RAILS = ['ach', 'wire', 'international_wire', 'realtime'] as const;
type PayoutRail = (typeof PAYOUT_RAILS)[number];

/** Column's documented reasons for reversing an ACH transfer. */
export const REVERSAL_REASONS = [
  'duplicated_entry',
  'incorrect_amount',
  'incorrect_receiver_account',
  'debit_earlier_than_intended',
  'credit_later_than_intended',
] as const;

/**
 * The Idempotency-Key Column receives: the engine's key (a UUID) as it is; a key that is not short
 * printable ASCII becomes a digest of itself, the same on every retry.
 */
export function columnIdempotencyKey(key: string): string {
  if (/^[\x21-\x7e]{1,128}$/.test(key)) return key;
  return `pb-${createHash('sha256').update(key).digest('hex')}`;
}

/** The amount and currency Column takes: integer cents of an ISO currency at its ISO precision. */
function money(pi: { amount: bigint; asset: string }): { amount: bigint; currency_code: string } {
  if (pi.amount <= 0n) throw new InvalidRequestError('the amount must be positive');
  const currency = pi.asset.split('/')[0] ?? '';
  if (assetFromCurrency(currency) !== pi.asset) {
    throw new InvalidRequestError(
      `Column moves ISO 4217 currencies at their precision; ${pi.asset} is not one`,
    );
  }
  return { amount: pi.amount, currency_code: currency };
}

const flag = (value: string | undefined) => (value === undefined ? undefined : value === 'true');

function account(pi: PspPaymentInitiation, side: 'source' | 'destination'): string {
  const reference = (side === 'source' ? pi.sourceAccount : pi.destinationAccount)?.reference;
  if (!reference) throw new InvalidRequestError(`the initiation has no ${side} account`);
  return reference;
}

/** Drops undefined fields so Column sees only what the initiation says. */
function defined(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== ''));
}

function paymentOf(raw: unknown, rail: Rail, what: string): PspPayment {
  const parsed = transferSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UpstreamError(`Column answered the ${what} unreadably: ${describeZodProblem(parsed.error)}`);
  }
  return toPayment(parsed.data, [], rail);
}

export class Writes {
  constructor(private readonly client: ColumnClient) {}

  /** A book transfer between two of the platform's Column bank accounts (instant, 24/7). */
  async transfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const pi = request.paymentInitiation;
    const body = defined({
      ...money(pi),
      sender_bank_account_id: account(pi, 'source'),
      receiver_bank_account_id: account(pi, 'destination'),
      description: pi.description,
      allow_overdraft: flag(pi.metadata[META.allowOverdraft]),
    });
    const raw = await this.client.send(
      'POST',
      RAIL_PATHS.book,
      body,
      columnIdempotencyKey(request.idempotencyKey),
    );
    return { payment: paymentOf(raw, 'book', 'book transfer') };
  }

  /** A payout from a Column bank account to a counterparty, on the rail `com.column.spec/rail` names. */
  async payout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const pi = request.paymentInitiation;
    const rail = pi.metadata[META.rail];
    if (!rail || !(PAYOUT_RAILS as readonly string[]).includes(rail)) {
      throw new InvalidRequestError(
        `a Column payout needs metadata ${META.rail} set to one of ${PAYOUT_RAILS.join(', ')}${rail ? ` (got '${rail.slice(0, 32)}')` : ''}`,
      );
    }
    const common = {
      ...money(pi),
      bank_account_id: account(pi, 'source'),
      counterparty_id: account(pi, 'destination'),
      description: pi.description,
      allow_overdraft: flag(pi.metadata[META.allowOverdraft]),
    };
    const m = pi.metadata;
    const extras: Record<PayoutRail, Record<string, unknown>> = {
      ach: {
        type: 'CREDIT',
        entry_class_code: m[META.entryClassCode] ?? 'CCD',
        same_day: flag(m[META.sameDay]),
        effective_date: m[META.effectiveDate],
        company_entry_description: m[META.companyEntryDescription],
      },
      wire: {},
      international_wire: {
        charge_bearer: m[META.chargeBearer],
        fx_quote_id: m[META.fxQuoteId],
        ...(m[META.purposeCode] ? { remittance_info: { purpose_code: m[META.purposeCode] } } : {}),
      },
      realtime: { end_to_end_id: m[META.endToEndId] },
    };
    const payoutRail = rail as PayoutRail;
    const raw = await this.client.send(
      'POST',
      RAIL_PATHS[payoutRail],
      defined({ ...common, ...extras[payoutRail] }),
      columnIdempotencyKey(request.idempotencyKey),
    );
    return { payment: paymentOf(raw, payoutRail, `${payoutRail} transfer`) };
  }

  /**
   * The current state of a transfer the engine waits on: `pollingId` is the payment reference (Column's
   * transfer id). Its prefix names the rail (`book_`, `acht_`, `wire_`, `rttr_`); otherwise each rail is
   * asked in turn. Undefined while Column does not show it.
   */
  async poll(pollingId: string): Promise<PspPayment | undefined> {
    const prefixed = RAIL_OF_PREFIX[pollingId.split('_')[0] ?? ''];
    for (const rail of prefixed ? [prefixed] : RAILS) {
      const raw = await readTransfer(this.client, rail, pollingId);
      if (raw !== undefined) return paymentOf(raw, rail, 'transfer');
    }
    return undefined;
  }

  /**
   * Reverses an ACH payout (`POST /transfers/ach/{id}/reverse`), only in full, as NACHA allows. The
   * transfer is the one named by `com.column.spec/ach_transfer_id` in the reversal's metadata, else the
   * one ACH credit from the initiation's source to its destination of its amount created since it was.
   */
  async reverse(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    const reversal = request.paymentInitiationReversal;
    const pi = reversal.relatedPaymentInitiation;
    if (pi.metadata[META.rail] !== 'ach') {
      throw new InvalidRequestError(
        'Column reverses ACH payouts only (the initiation was not on the ach rail)',
      );
    }
    if (reversal.amount !== pi.amount || reversal.asset !== pi.asset) {
      throw new InvalidRequestError(
        'an ACH reversal returns the whole transfer: a partial reversal is not possible',
      );
    }
    const reason = reversal.metadata[META.reversalReason] ?? 'duplicated_entry';
    if (!(REVERSAL_REASONS as readonly string[]).includes(reason)) {
      throw new InvalidRequestError(`${META.reversalReason} must be one of ${REVERSAL_REASONS.join(', ')}`);
    }
    const id =
      reversal.metadata[META.achTransferId] ?? pi.metadata[META.achTransferId] ?? (await this.findAch(pi));
    const raw = await this.client.send(
      'POST',
      `${RAIL_PATHS.ach}/${encodeURIComponent(id)}/reverse`,
      defined({ reason, description: reversal.description }),
      columnIdempotencyKey(request.idempotencyKey),
    );
    return { payment: paymentOf(raw, 'ach', 'ACH reversal') };
  }

  private async findAch(pi: PspPaymentInitiation): Promise<string> {
    const body = await this.client.get(RAIL_PATHS.ach, {
      bank_account_id: account(pi, 'source'),
      counterparty_id: account(pi, 'destination'),
      'created.gte': new Date(pi.createdAt.getTime() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      limit: 100,
    });
    const listed = (body as { transfers?: unknown } | undefined)?.transfers;
    const candidates = (Array.isArray(listed) ? listed : [])
      .map((raw) => transferSchema.safeParse(raw))
      .flatMap((p) => (p.success ? [p.data] : []))
      .filter((t) => !t.is_incoming && (t.type ?? '').toUpperCase() === 'CREDIT' && t.amount === pi.amount);
    const [only, ...more] = candidates;
    if (!only || more.length > 0) {
      throw new InvalidRequestError(
        `found ${candidates.length} ACH credits matching the initiation; name the one to reverse with ${META.achTransferId}`,
      );
    }
    return only.id;
  }

  /**
   * A counterparty (`POST /counterparties`) for a bank account forwarded to Column. US accounts take an
   * ABA routing number (metadata `com.column.spec/routing_number`); others a BIC (`swiftBicCode`).
   */
  async bankAccount(request: CreateBankAccountRequest): Promise<CreateBankAccountResponse> {
    const ba = request.bankAccount;
    const accountNumber = ba.accountNumber ?? ba.iban;
    const aba = ba.metadata[META.routingNumber];
    const routingNumber = aba ?? ba.swiftBicCode;
    if (!accountNumber || !routingNumber) {
      throw new InvalidRequestError(
        `a Column counterparty needs an account number (or IBAN) and a routing number (metadata ${META.routingNumber}) or a BIC`,
      );
    }
    const body = defined({
      name: ba.name,
      account_number: accountNumber,
      routing_number: routingNumber,
      routing_number_type: ba.metadata[META.routingNumberType] ?? (aba ? 'aba' : 'bic'),
      account_type: ba.metadata[META.accountType],
      ...(ba.country ? { address: { country_code: ba.country } } : {}),
    });
    const raw = await this.client.send(
      'POST',
      '/counterparties',
      body,
      columnIdempotencyKey(request.idempotencyKey),
    );
    const parsed = counterpartySchema.safeParse(raw);
    if (!parsed.success) {
      throw new UpstreamError(
        `Column answered the counterparty unreadably: ${describeZodProblem(parsed.error)}`,
      );
    }
    return { relatedAccount: toExternalAccount(parsed.data) };
  }
}
