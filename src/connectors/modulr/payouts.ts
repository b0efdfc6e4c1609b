// Money out of Modulr: payouts to beneficiaries and transfers between Modulr accounts, one POST /payments each, idempotent by nonce.
import { assetFromCurrency } from '../../domain/assets.js';
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  PollTransferStatusResponse,
  PspPaymentInitiation,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { fromMinorUnits, specMetadataKey } from '../sdk/money.js';
import { decimalLiteral, type ModulrClient } from './client.js';
import { paymentsById } from './listing.js';
import { FINAL_STATUSES, PROVIDER, paymentSchema, paymentToPayment } from './mapping.js';

/** Metadata of an initiation that overrides the payment reference shown to the beneficiary. */
export const REFERENCE_KEY = specMetadataKey(PROVIDER, 'reference');

/**
 * The reference Modulr shows on statements: 6 to 18 characters of letters, digits, space and
 * `-.&/`, not all the same. Taken from the metadata key, else the description, else the initiation.
 */
export function paymentReference(initiation: PspPaymentInitiation): string {
  const wanted = initiation.metadata[REFERENCE_KEY] ?? initiation.description;
  const clean = (text: string) =>
    text
      .replace(/[^A-Za-z0-9 \-.&/]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, 18)
      .trim();
  for (const candidate of [clean(wanted), clean(`Paybridge ${initiation.reference}`)]) {
    if (candidate.length >= 6 && new Set(candidate).size > 1) return candidate;
  }
  return 'Paybridge payment';
}

/** Our reference at Modulr (`externalReference`: letters, digits, `_`, `-`, space; at most 50). */
function externalReference(initiation: PspPaymentInitiation): string {
  return initiation.reference.replace(/[^\w\- ]/g, '-').slice(0, 50);
}

function currencyOf(asset: string): string {
  const currency = asset.split('/')[0] ?? '';
  // The asset's precision must be the currency's own (GBP/2, not GBP/3): Modulr takes major units.
  if (assetFromCurrency(currency) !== asset) {
    throw new InvalidRequestError(`Modulr takes amounts in ISO 4217 currencies; ${asset} is not one`);
  }
  return currency;
}

export class Payouts {
  constructor(private readonly client: ModulrClient) {}

  /** A transfer to another Modulr account (destination type ACCOUNT). */
  transfer(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return this.send(request, 'ACCOUNT');
  }

  /** A payout to a beneficiary (an external account Modulr knows, destination type BENEFICIARY). */
  payout(request: CreateTransferRequest): Promise<CreateTransferResponse> {
    return this.send(request, 'BENEFICIARY');
  }

  private async send(
    request: CreateTransferRequest,
    destinationType: 'ACCOUNT' | 'BENEFICIARY',
  ): Promise<CreateTransferResponse> {
    const initiation = request.paymentInitiation;
    if (initiation.amount <= 0n) throw new InvalidRequestError('the amount must be positive');
    const source = initiation.sourceAccount?.reference;
    const destination = initiation.destinationAccount?.reference;
    if (!source) throw new InvalidRequestError('a Modulr payment needs a source account');
    if (!destination) throw new InvalidRequestError('a Modulr payment needs a destination account');
    const currency = currencyOf(initiation.asset);
    const body = {
      sourceAccountId: source,
      destination: { type: destinationType, id: destination },
      currency,
      amount: decimalLiteral(fromMinorUnits(initiation.amount, initiation.asset)),
      reference: paymentReference(initiation),
      externalReference: externalReference(initiation),
    };
    const answer = paymentSchema.safeParse(await this.client.post('/payments', body, request.idempotencyKey));
    if (!answer.success) {
      // Modulr took the payment (2xx) but its answer is unreadable: the outcome is unknown, and asking
      // again under the same nonce gets the same payment back.
      throw new UpstreamError(`Modulr answered the payment unreadably: ${answer.error.message}`);
    }
    return this.outcome(answer.data.id, answer.data);
  }

  /** Reads a payment back (GET /payments?id=…): its payment once final, nothing while it runs. */
  async poll(pollingId: string): Promise<PollTransferStatusResponse> {
    const found = (await paymentsById(this.client, [pollingId])).get(pollingId);
    if (!found) return {};
    const { payment } = this.outcome(pollingId, found);
    return payment ? { payment } : {};
  }

  private outcome(
    id: string,
    payment: Parameters<typeof paymentToPayment>[0],
  ): CreateTransferResponse & { payment?: ReturnType<typeof paymentToPayment> } {
    if (!FINAL_STATUSES.has(payment.status)) return { pollingId: id };
    return { payment: paymentToPayment(payment, []) };
  }
}
