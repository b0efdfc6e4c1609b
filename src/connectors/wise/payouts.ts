// Payouts at Wise: quote, transfer (customerTransactionId) and funding from the balance, each step safe to repeat; status polls and cancellation.
import { LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import { currencyPrecision } from '../../domain/assets.js';
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  PollTransferStatusResponse,
  PspPayment,
  ReverseTransferRequest,
  ReverseTransferResponse,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { describeZodProblem } from '../sdk/mapping.js';
import { fromMinorUnits } from '../sdk/money.js';
import type { WiseClient } from './client.js';
import { listBalances, PROFILE_ID_KEY } from './listing.js';
import { FINAL_STATES, toPayment, transferSchema, type WiseTransfer } from './mapping.js';
import { customerTransactionId } from './uuid.js';

/** States in which Wise still lets a transfer be cancelled (docs: before the money has left). */
const CANCELLABLE = new Set(['incoming_payment_waiting', 'incoming_payment_initiated', 'processing']);
/** The recipient's reference text: Wise's shortest route limit keeps it safe everywhere. */
const REFERENCE_MAX = 18;

const quoteSchema = z.looseObject({ id: z.string().min(1) });
const fundingSchema = z.looseObject({ status: z.string(), errorCode: z.string().nullish() });

/** `EUR/2` → `EUR`, refusing an asset whose precision is not the currency's ISO exponent. */
function currencyOf(asset: string): string {
  const [currency = '', precision] = asset.split('/');
  if (currencyPrecision(currency) === undefined || String(currencyPrecision(currency)) !== precision) {
    throw new InvalidRequestError(
      `Wise pays out ISO 4217 currencies at their exponent; '${asset}' is not one`,
    );
  }
  return currency;
}

function parseTransfer(body: unknown): WiseTransfer {
  const parsed = transferSchema.safeParse(body);
  if (!parsed.success)
    throw new UpstreamError(`Wise answered a transfer unreadably: ${describeZodProblem(parsed.error)}`);
  return parsed.data;
}

/** A 4xx, or a 409 (which the kit treats as an unknown outcome): either way the transfer is re-read. */
function isRefusalOrConflict(error: unknown): boolean {
  return error instanceof InvalidRequestError || (error instanceof UpstreamError && error.status === 409);
}

export class Payouts {
  constructor(private readonly client: WiseClient) {}

  async readTransfer(transferId: string): Promise<WiseTransfer> {
    return parseTransfer(await this.client.get(`/v1/transfers/${encodeURIComponent(transferId)}`));
  }

  async paymentOf(transfer: WiseTransfer, profileId: string): Promise<PspPayment> {
    const balances = await listBalances(this.client, profileId);
    return toPayment(transfer, profileId, (c) => balances.find((b) => b.currency === c)?.id).payment;
  }

  /**
   * Quote → transfer → fund. A repeat with the same key (a lost answer, a crash between steps) asks for
   * a new quote, which commits nothing, then gets the first transfer back from Wise by its
   * customerTransactionId, and funds it only if it still waits for money: one transfer, funded once.
   */
  async create(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    const { paymentInitiation: pi, idempotencyKey } = request;
    // Wise wants UUIDs for both: the engine's key is one; another key (a test's, the runner's) is mapped.
    const transactionId = customerTransactionId(idempotencyKey);
    if (pi.amount <= 0n)
      throw new InvalidRequestError(`a Wise payout needs a positive amount, not ${pi.amount}`);
    const profileId = pi.sourceAccount?.metadata?.[PROFILE_ID_KEY];
    if (!pi.sourceAccount || !profileId || !/^\d+$/.test(profileId)) {
      throw new InvalidRequestError(
        'the source must be a Wise balance account (its metadata names its profile)',
      );
    }
    const recipient = pi.destinationAccount?.reference;
    if (!recipient || !/^\d+$/.test(recipient)) {
      throw new InvalidRequestError('the destination must be a Wise recipient account');
    }
    const currency = currencyOf(pi.asset);
    const targetCurrency = pi.destinationAccount?.defaultAsset
      ? currencyOf(pi.destinationAccount.defaultAsset)
      : currency;
    const quote = quoteSchema.safeParse(
      await this.client.send(
        'POST',
        `/v3/profiles/${profileId}/quotes`,
        {
          sourceCurrency: currency,
          targetCurrency,
          // The exact decimal text goes on the wire as a JSON number, never through a double.
          sourceAmount: new LosslessNumber(fromMinorUnits(pi.amount, pi.asset)),
          targetAccount: Number(recipient),
          payOut: 'BANK_TRANSFER',
        },
        transactionId,
      ),
    );
    if (!quote.success)
      throw new UpstreamError(`Wise answered the quote unreadably: ${describeZodProblem(quote.error)}`);
    const reference = pi.description.trim().slice(0, REFERENCE_MAX);
    const transfer = parseTransfer(
      await this.client.send(
        'POST',
        '/v1/transfers',
        {
          targetAccount: Number(recipient),
          quoteUuid: quote.data.id,
          customerTransactionId: transactionId,
          ...(reference ? { details: { reference } } : {}),
        },
        transactionId,
      ),
    );
    const funded = await this.fund(profileId, transfer, transactionId);
    if (FINAL_STATES.has(funded.status)) return { payment: await this.paymentOf(funded, profileId) };
    return { pollingId: `${profileId}:${funded.id}` };
  }

  /** Funds from the balance unless the transfer already left incoming_payment_waiting (funded before). */
  private async fund(profileId: string, transfer: WiseTransfer, key: string): Promise<WiseTransfer> {
    if (transfer.status !== 'incoming_payment_waiting') return transfer;
    let refusal: string | undefined;
    try {
      const answer = fundingSchema.safeParse(
        await this.client.send(
          'POST',
          `/v3/profiles/${profileId}/transfers/${transfer.id}/payments`,
          { type: 'BALANCE' },
          key,
        ),
      );
      if (answer.success && answer.data.status !== 'COMPLETED') {
        refusal = answer.data.errorCode ?? answer.data.status;
      }
    } catch (error) {
      // Funding twice is refused by Wise; whether this refusal is that one, the transfer says.
      if (!isRefusalOrConflict(error)) throw error;
      refusal = (error as Error).message;
    }
    const after = await this.readTransfer(transfer.id);
    if (refusal === undefined || after.status !== 'incoming_payment_waiting') return after;
    // Not funded and Wise will not fund it: cancel it so it cannot be paid later by surprise.
    await this.client
      .send('PUT', `/v1/transfers/${transfer.id}/cancel`, undefined, key)
      .catch(() => undefined);
    throw new InvalidRequestError(
      `Wise refused to fund transfer ${transfer.id} from the balance: ${refusal}`,
    );
  }

  async poll(pollingId: string): Promise<PollTransferStatusResponse> {
    const [profileId, transferId] = pollingId.split(':');
    if (!profileId || !transferId) throw new InvalidRequestError(`'${pollingId}' is not a Wise polling id`);
    const transfer = await this.readTransfer(transferId);
    if (!FINAL_STATES.has(transfer.status)) return {};
    return { payment: await this.paymentOf(transfer, profileId) };
  }

  /**
   * Cancels the transfer of the initiation, which Wise allows until the money has left. The contract
   * hands over the initiation, not the transfer: it is the profile's transfer to that recipient, of that
   * amount, created since the initiation; when several match, nothing is cancelled.
   */
  async reverse(request: ReverseTransferRequest): Promise<ReverseTransferResponse> {
    const reversal = request.paymentInitiationReversal;
    const pi = reversal.relatedPaymentInitiation;
    const profileId = pi.sourceAccount?.metadata?.[PROFILE_ID_KEY];
    const recipient = pi.destinationAccount?.reference;
    if (!profileId || !recipient)
      throw new InvalidRequestError('the initiation has no Wise source or recipient');
    if (reversal.amount !== pi.amount) {
      throw new InvalidRequestError('Wise cancels a whole transfer: a partial reversal is not possible');
    }
    const currency = currencyOf(pi.asset);
    const since = new Date(pi.createdAt.getTime() - 60_000).toISOString();
    const listed = await this.client.get('/v1/transfers', {
      profile: profileId,
      createdDateStart: since,
      offset: 0,
      limit: 100,
    });
    const amount = fromMinorUnits(pi.amount, pi.asset);
    const candidates = (Array.isArray(listed) ? listed : [])
      .map((raw) => transferSchema.safeParse(raw))
      .flatMap((p) => (p.success ? [p.data] : []))
      .filter(
        (t) =>
          t.targetAccount === recipient &&
          t.sourceCurrency === currency &&
          Number(t.sourceValue) === Number(amount) &&
          (CANCELLABLE.has(t.status) || t.status === 'cancelled'),
      );
    if (candidates.length !== 1) {
      throw new InvalidRequestError(
        candidates.length === 0
          ? 'no cancellable Wise transfer matches this initiation'
          : `${candidates.length} Wise transfers match this initiation; none was cancelled`,
      );
    }
    let transfer = candidates[0] as WiseTransfer;
    // Asked again even when already cancelled (a repeat after a lost answer): Wise's answer, or a re-read
    // after its refusal, is what counts.
    try {
      transfer = parseTransfer(
        await this.client.send(
          'PUT',
          `/v1/transfers/${transfer.id}/cancel`,
          undefined,
          customerTransactionId(request.idempotencyKey),
        ),
      );
    } catch (error) {
      if (!isRefusalOrConflict(error)) throw error;
      transfer = await this.readTransfer(transfer.id);
      if (transfer.status !== 'cancelled') throw error;
    }
    const payment = await this.paymentOf(transfer, profileId);
    return {
      payment: {
        ...payment,
        reference: `${transfer.id}/cancel`,
        parentReference: transfer.id,
        createdAt: reversal.createdAt,
        status: 'REFUNDED',
      },
    };
  }
}
