// Transfers, payouts, their reversals and status polls: money moves between balances.json entries and
// each movement appends its payment to payments.json, where the fetch path finds it too.
import { assetFromCurrency } from '../../domain/assets.js';
import type { PaymentType } from '../../domain/enums.js';
import type {
  CreateTransferRequest,
  CreateTransferResponse,
  PollTransferStatusRequest,
  PollTransferStatusResponse,
  PspPayment,
  ReverseTransferRequest,
  ReverseTransferResponse,
} from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import type { BalanceRecord, DummyPayClient, FileEntry, MovementRecord } from './client.js';
import { fingerprintOf, mapPayment, runPoll, runWrite } from './writes.js';

export type MovementKind = 'transfer' | 'payout';
type ReversalKind = 'reverse-transfer' | 'reverse-payout';

const PAYMENT_TYPE: Record<MovementKind, PaymentType> = { transfer: 'TRANSFER', payout: 'PAYOUT' };

/** The payment reference a write gets: derived from its key, so the same key always names one payment. */
function paymentReferenceFor(kind: MovementKind | ReversalKind, idempotencyKey: string): string {
  return `dp-${kind}-${idempotencyKey}`;
}

export function createMovement(
  client: DummyPayClient,
  now: () => Date,
  kind: MovementKind,
  request: CreateTransferRequest,
): Promise<CreateTransferResponse> {
  const pi = request.paymentInitiation;
  const key = request.idempotencyKey;
  const source = pi.sourceAccount?.reference;
  const destination = pi.destinationAccount?.reference;
  const fingerprint = fingerprintOf({
    kind,
    reference: pi.reference,
    amount: pi.amount.toString(),
    asset: pi.asset,
    source,
    destination,
  });
  return runWrite(client, now, {
    kind,
    idempotencyKey: key,
    fingerprint,
    answer: (movement) =>
      movement.result.pollingId !== undefined
        ? { pollingId: movement.result.pollingId }
        : { payment: storedPayment(client, movement) },
    plan: async ({ behaviour, at }) => {
      checkMoney(pi.amount, pi.asset);
      const reference = paymentReferenceFor(kind, key);
      const payments = await client.listPayments({ fresh: true });
      refuseTakenReference(payments, reference);

      const balances = new Balances(await client.listBalances({ fresh: true }));
      if (source !== undefined) balances.debit(source, pi.asset, pi.amount, 'source');
      // A payout leaves for an external account; only a transfer lands on a balance DummyPay holds.
      const destinationCredited =
        kind === 'transfer' &&
        destination !== undefined &&
        balances.creditIfHeld(destination, pi.asset, pi.amount);

      const polling = behaviour.settlement === 'polling';
      const record = paymentRecord({
        reference,
        type: PAYMENT_TYPE[kind],
        amount: pi.amount,
        currency: pi.asset,
        status: polling ? 'PENDING' : 'SUCCEEDED',
        created_at: at.toISOString(),
        source_account_id: source,
        destination_account_id: destination,
      });
      const payment = client.paymentEntry(record);
      // A polling answer holds no payment, so check here that the fetch and poll paths can map this one.
      mapPayment(payment);
      const movement: MovementRecord = {
        idempotencyKey: key,
        kind,
        at: at.toISOString(),
        fingerprint,
        reference: pi.reference,
        paymentReference: reference,
        amount: pi.amount,
        asset: pi.asset,
        sourceAccountId: source,
        destinationAccountId: destination,
        destinationCredited,
        reversed: 0n,
        result: polling ? { pollingId: reference } : { payment: payment.record },
      };
      return {
        outcome: polling ? 'pending' : 'created',
        movement,
        payments: [...payments.map((entry) => entry.raw), payment.raw],
        balances: balances.raws(),
      };
    },
  });
}

export function reverseMovement(
  client: DummyPayClient,
  now: () => Date,
  kind: ReversalKind,
  request: ReverseTransferRequest,
): Promise<ReverseTransferResponse> {
  const reversal = request.paymentInitiationReversal;
  const related = reversal.relatedPaymentInitiation;
  const key = request.idempotencyKey;
  const originalKind: MovementKind = kind === 'reverse-transfer' ? 'transfer' : 'payout';
  const fingerprint = fingerprintOf({
    kind,
    reference: reversal.reference,
    relatedReference: related.reference,
    amount: reversal.amount.toString(),
    asset: reversal.asset,
    source: related.sourceAccount?.reference,
    destination: related.destinationAccount?.reference,
  });
  return runWrite(client, now, {
    kind,
    idempotencyKey: key,
    fingerprint,
    answer: (movement) => ({ payment: storedPayment(client, movement) }),
    plan: async ({ movements, at }) => {
      checkMoney(reversal.amount, reversal.asset);
      const reference = paymentReferenceFor(kind, key);
      const payments = await client.listPayments({ fresh: true });
      refuseTakenReference(payments, reference);

      const original = settledMovement(movements, payments, originalKind, related.reference);
      const originalAmount = original.amount ?? 0n;
      const reversed = original.reversed ?? 0n;
      if (reversal.asset !== original.asset) {
        throw new InvalidRequestError(
          `dummypay ${kind}: the reversal is in ${reversal.asset} but the ${originalKind} was in ${original.asset}`,
        );
      }
      if (reversed + reversal.amount > originalAmount) {
        throw new InvalidRequestError(
          `dummypay ${kind}: reversing ${reversal.amount} would exceed the ${originalKind}'s amount ` +
            `(${originalAmount}, of which ${reversed} is already reversed)`,
        );
      }

      const balances = new Balances(await client.listBalances({ fresh: true }));
      if (original.destinationCredited && original.destinationAccountId !== undefined) {
        balances.debit(original.destinationAccountId, reversal.asset, reversal.amount, 'destination');
      }
      if (original.sourceAccountId !== undefined) {
        balances.credit(original.sourceAccountId, reversal.asset, reversal.amount);
      }

      const record = paymentRecord({
        reference,
        parent_reference: original.paymentReference,
        type: PAYMENT_TYPE[originalKind],
        amount: reversal.amount,
        currency: reversal.asset,
        status: 'REFUNDED',
        created_at: at.toISOString(),
        source_account_id: original.sourceAccountId,
        destination_account_id: original.destinationAccountId,
      });
      const payment = client.paymentEntry(record);
      return {
        outcome: 'created',
        movement: {
          idempotencyKey: key,
          kind,
          at: at.toISOString(),
          fingerprint,
          reference: reversal.reference,
          relatedReference: related.reference,
          paymentReference: reference,
          amount: reversal.amount,
          asset: reversal.asset,
          sourceAccountId: original.sourceAccountId,
          destinationAccountId: original.destinationAccountId,
          result: { payment: payment.record },
        },
        earlier: movements.map((movement) =>
          movement === original ? { ...movement, reversed: reversed + reversal.amount } : movement,
        ),
        payments: [...payments.map((entry) => entry.raw), payment.raw],
        balances: balances.raws(),
      };
    },
  });
}

/** Reads the payment a transfer or payout wrote: `{}` while it is PENDING, the payment once it is not. */
export function pollMovement(
  client: DummyPayClient,
  now: () => Date,
  kind: MovementKind,
  request: PollTransferStatusRequest,
): Promise<PollTransferStatusResponse> {
  return runPoll<PollTransferStatusResponse>(client, now, `poll-${kind}`, request.pollingId, async () => {
    const payments = await client.listPayments({ fresh: true });
    const entry = payments.find((candidate) => candidate.record.reference === request.pollingId);
    if (!entry || entry.record.type !== PAYMENT_TYPE[kind]) {
      throw new InvalidRequestError(
        `dummypay poll-${kind}: no ${kind} with reference "${request.pollingId}"`,
      );
    }
    if (entry.record.status === 'PENDING') return { outcome: 'pending', answer: {} };
    return { outcome: 'settled', answer: { payment: mapPayment(entry) } };
  });
}

/** The payment a write stored as its answer, mapped exactly as the fetch path maps payments.json. */
function storedPayment(client: DummyPayClient, movement: MovementRecord): PspPayment {
  if (!movement.result.payment) {
    throw new InvalidRequestError(`dummypay: movement "${movement.idempotencyKey}" stored no payment`);
  }
  return mapPayment(client.paymentEntry(movement.result.payment));
}

/** A movement needs a positive amount in an asset of the form `CUR/precision`. */
function checkMoney(amount: bigint, asset: string): void {
  if (amount <= 0n) throw new InvalidRequestError(`dummypay: the amount must be positive, not ${amount}`);
  if (!asset.includes('/') || assetFromCurrency(asset) !== asset) {
    throw new InvalidRequestError(`dummypay: "${asset}" is not an asset of the form CUR/precision`);
  }
}

function refuseTakenReference(
  payments: readonly FileEntry<{ reference: string }>[],
  reference: string,
): void {
  if (payments.some((entry) => entry.record.reference === reference)) {
    throw new InvalidRequestError(`dummypay: payments.json already holds a payment "${reference}"`);
  }
}

/**
 * The transfer or payout a reversal names, by its payment initiation's reference. Only a SUCCEEDED one
 * can be reversed; when retries left several movements for one initiation, exactly one may have settled.
 */
function settledMovement(
  movements: readonly MovementRecord[],
  payments: readonly FileEntry<{ reference: string; status: string }>[],
  kind: MovementKind,
  initiationReference: string,
): MovementRecord {
  const candidates = movements.filter(
    (movement) => movement.kind === kind && movement.reference === initiationReference,
  );
  if (candidates.length === 0) {
    throw new InvalidRequestError(`dummypay: no ${kind} for payment initiation "${initiationReference}"`);
  }
  const statusOf = (movement: MovementRecord) =>
    payments.find((entry) => entry.record.reference === movement.paymentReference)?.record.status ??
    'missing';
  const settled = candidates.filter((movement) => statusOf(movement) === 'SUCCEEDED');
  const [original, ...others] = settled;
  if (!original) {
    const statuses = candidates.map(statusOf).join(', ');
    throw new InvalidRequestError(
      `dummypay: the ${kind} for payment initiation "${initiationReference}" is ${statuses}; only a SUCCEEDED one can be reversed`,
    );
  }
  if (others.length > 0) {
    throw new InvalidRequestError(
      `dummypay: payment initiation "${initiationReference}" has ${settled.length} settled ${kind}s; which to reverse is ambiguous`,
    );
  }
  return original;
}

/** A payments.json record with its absent optional fields left out rather than written as null. */
function paymentRecord(fields: Record<string, string | bigint | undefined>): Record<string, string | bigint> {
  const record: Record<string, string | bigint> = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) record[name] = value;
  return record;
}

/**
 * balances.json being changed in place: an entry is found by account and asset, compared as the balances
 * fetch maps it (`EUR` and `EUR/2` are the same asset), and every other entry is written back untouched.
 */
class Balances {
  private readonly amounts: bigint[];
  private readonly added: BalanceRecord[] = [];

  constructor(private readonly entries: readonly FileEntry<BalanceRecord>[]) {
    this.amounts = entries.map((entry) => entry.record.amount_in_minors);
  }

  debit(account: string, asset: string, amount: bigint, role: 'source' | 'destination'): void {
    const index = this.find(account, asset);
    if (index === undefined) {
      throw new InvalidRequestError(`dummypay: unknown ${role} account "${account}" (no ${asset} balance)`);
    }
    const held = this.amounts[index] ?? 0n;
    if (held < amount) {
      throw new InvalidRequestError(
        `dummypay: insufficient funds on account "${account}" (${held} ${asset}, ${amount} needed)`,
      );
    }
    this.amounts[index] = held - amount;
  }

  /** Credits the account's entry when there is one; returns whether there was. */
  creditIfHeld(account: string, asset: string, amount: bigint): boolean {
    const index = this.find(account, asset);
    if (index === undefined) return false;
    this.amounts[index] = (this.amounts[index] ?? 0n) + amount;
    return true;
  }

  /** Credits the account, adding an entry if its entry was removed from the file since it was debited. */
  credit(account: string, asset: string, amount: bigint): void {
    if (!this.creditIfHeld(account, asset, amount)) {
      this.added.push({ account_id: account, amount_in_minors: amount, currency: asset });
    }
  }

  raws(): unknown[] {
    const kept = this.entries.map((entry, index) => {
      const amount = this.amounts[index] ?? entry.record.amount_in_minors;
      if (amount === entry.record.amount_in_minors) return entry.raw;
      // The schema checked that every entry is an object; extra fields it carries are kept.
      return { ...(entry.raw as Record<string, unknown>), amount_in_minors: amount };
    });
    return [...kept, ...this.added];
  }

  private find(account: string, asset: string): number | undefined {
    const index = this.entries.findIndex(
      (entry) => entry.record.account_id === account && assetFromCurrency(entry.record.currency) === asset,
    );
    return index < 0 ? undefined : index;
  }
}
