// Money movement at Stripe: transfers to connected accounts, payouts (polled while pending) and transfer reversals, each with the engine's key as Idempotency-Key.
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspPayment,
  ReverseTransferRequest,
  ReverseTransferResponse,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { InvalidAmountError } from '../sdk/money.js';
import type { StripeClient } from './client.js';
import { WHOLE_UNIT_PAYOUTS, toStripeAmount } from './currencies.js';
import { PLATFORM_KEY, toPayment } from './mapping.js';

/** The reversal metadata key naming the transfer to reverse, as Formance's API takes it. */
const TRANSFER_ID_KEY = 'com.stripe.spec/transfer_id';

/**
 * A transfer from the platform's balance to a connected account (POST /v1/transfers), with the
 * engine's key as Idempotency-Key: a repeat after a lost answer gets Stripe's first answer back.
 * The initiation's reference is the transfer group, which is how a reversal finds the transfer.
 */
export async function createTransfer(
  client: StripeClient,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const pi = request.paymentInitiation;
  const destination = pi.destinationAccount?.reference;
  if (!destination?.startsWith('acct_'))
    throw new InvalidRequestError('a transfer goes to a connected account (acct_…)');
  // Stripe transfers leave the platform's balance; a connected account pays out, it does not transfer.
  const source = pi.sourceAccount;
  if (source && source.metadata?.[PLATFORM_KEY] !== 'true')
    throw new InvalidRequestError("a transfer leaves the platform account's balance");
  const money = sendable(pi.amount, pi.asset, false);
  const transfer = await client.createTransfer(
    {
      amount: money.amount,
      currency: money.currency,
      destination,
      transfer_group: pi.reference,
      ...(pi.description ? { description: pi.description } : {}),
      metadata: { ...pi.metadata, paybridge_reference: pi.reference },
    },
    request.idempotencyKey,
  );
  return { payment: written(transfer, 'transfer', pi.sourceAccount?.reference) };
}

/**
 * A payout from an account's balance to one of its external accounts (POST /v1/payouts, with
 * Stripe-Account for a connected account's balance), with the engine's key as Idempotency-Key.
 */
export async function createPayout(
  client: StripeClient,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const pi = request.paymentInitiation;
  const source = pi.sourceAccount;
  if (!source) throw new InvalidRequestError('a payout needs the Stripe account it is paid from');
  const platform = source.metadata?.[PLATFORM_KEY] === 'true' || !source.reference.startsWith('acct_');
  const money = sendable(pi.amount, pi.asset, true);
  const destination = pi.destinationAccount?.reference;
  const payout = await client.createPayout(
    {
      amount: money.amount,
      currency: money.currency,
      ...(destination ? { destination } : {}),
      ...(pi.description ? { description: pi.description } : {}),
      metadata: { ...pi.metadata, paybridge_reference: pi.reference },
    },
    platform ? undefined : source.reference,
    request.idempotencyKey,
  );
  const payment = written(payout, 'payout', source.reference);
  if (payment.status !== 'PENDING') return { payment };
  // Pending until the bank takes it: the engine polls it, and needs the account it belongs to.
  return { pollingId: pollingIdOf(platform ? undefined : source.reference, payout.id) };
}

/** A payout's outcome: undefined while Stripe says `pending` or `in_transit`. */
export async function pollPayoutStatus(
  client: StripeClient,
  request: PollTransferStatusRequest,
): Promise<PollTransferStatusResponse> {
  const { account, id } = parsePollingId(request.pollingId);
  const payout = await client.getPayout(id, account);
  const payment = written(payout, 'payout', account ?? (await client.platformAccount()).id);
  return payment.status === 'PENDING' ? {} : { payment };
}

/**
 * Reverses (part of) a transfer: the one named by `com.stripe.spec/transfer_id` in the reversal's
 * metadata, else the one of the initiation's transfer group; posts a reversal with the engine's key as
 * Idempotency-Key (Formance sent the reversal's reference, reused by any client that reuses one).
 */
export async function reverseTransfer(
  client: StripeClient,
  request: ReverseTransferRequest,
): Promise<ReverseTransferResponse> {
  const reversal = request.paymentInitiationReversal;
  const related = reversal.relatedPaymentInitiation;
  const money = sendable(reversal.amount, reversal.asset, false);
  // Formance's API names the transfer in the reversal's metadata; Paybridge finds it by transfer group.
  let transferId = reversal.metadata[TRANSFER_ID_KEY];
  if (!transferId) {
    const transfers = await client.transfersOfGroup(related.reference);
    transferId = (
      transfers.find((t) => t.metadata?.paybridge_reference === related.reference) ?? transfers[0]
    )?.id;
  }
  if (!transferId)
    throw new InvalidRequestError(`Stripe has no transfer for the initiation '${related.reference}'`);
  const answer = await client.reverseTransfer(
    transferId,
    {
      amount: money.amount,
      ...(reversal.description ? { description: reversal.description } : {}),
      metadata: { ...reversal.metadata, paybridge_reference: reversal.reference },
    },
    request.idempotencyKey,
  );
  const mapped = toPayment(
    {
      id: answer.balance_transaction
        ? String(
            typeof answer.balance_transaction === 'string'
              ? answer.balance_transaction
              : answer.balance_transaction.id,
          )
        : answer.id,
      object: 'balance_transaction',
      type: 'transfer_refund',
      created: answer.created,
      amount: -answer.amount,
      currency: answer.currency,
      source: answer,
    },
    related.sourceAccount?.reference ?? '',
  );
  if (!('item' in mapped)) throw new UpstreamError(`the reversal answer is unreadable: ${mapped.skip}`);
  return { payment: mapped.item };
}

/** `<acct>/<po_…>` for a connected account's payout, `/<po_…>` for the platform's. */
function pollingIdOf(account: string | undefined, payout: string): string {
  return `${account ?? ''}/${payout}`;
}

function parsePollingId(pollingId: string): { account: string | undefined; id: string } {
  const slash = pollingId.indexOf('/');
  if (slash < 0) return { account: undefined, id: pollingId };
  const account = pollingId.slice(0, slash);
  return { account: account || undefined, id: pollingId.slice(slash + 1) };
}

/** Checks an amount before anything is sent: positive, exact in Stripe's units, whole units where Stripe pays out only those. */
function sendable(amount: bigint, asset: string, payout: boolean): { amount: number; currency: string } {
  if (amount <= 0n) throw new InvalidRequestError('the amount must be greater than zero');
  let money: { amount: number; currency: string };
  try {
    money = toStripeAmount(amount, asset);
  } catch (error) {
    if (error instanceof InvalidAmountError) throw new InvalidRequestError(error.message);
    throw error;
  }
  const code = money.currency.toUpperCase();
  if ((payout || code === 'ISK') && WHOLE_UNIT_PAYOUTS.has(code) && money.amount % 100 !== 0)
    throw new InvalidRequestError(`Stripe moves ${code} in whole units only: ${amount} ${asset} is not`);
  return money;
}

/** The payment a transfer or payout answer stands for, mapped as polling maps its balance transaction. */
function written(
  object: { id: string; amount: number; currency: string; created: number; balance_transaction?: unknown },
  kind: 'transfer' | 'payout',
  account: string | null | undefined,
): PspPayment {
  const bt = object.balance_transaction;
  const mapped = toPayment(
    {
      id: typeof bt === 'string' ? bt : `${kind}:${object.id}`,
      object: 'balance_transaction',
      type: kind,
      created: object.created,
      amount: -object.amount,
      currency: object.currency,
      source: object,
    },
    account ?? '',
  );
  if (!('item' in mapped)) throw new UpstreamError(`the ${kind} answer is unreadable: ${mapped.skip}`);
  return mapped.item;
}
