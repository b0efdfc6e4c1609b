// The frame every DummyPay write goes through: the key check, one call at a time per directory, replay
// or refusal from the ledger, the lost-answer knob, and one line in requests.jsonl per call.
import type { PspPayment } from '../sdk/contract.js';
import { InvalidRequestError, UpstreamTimeoutError } from '../sdk/errors.js';
import type {
  Behaviour,
  CallKind,
  DummyPayClient,
  FileEntry,
  MovementRecord,
  PaymentRecord,
  WriteKind,
} from './client.js';
import { toPspPayment } from './payments.js';

export type Fingerprint = Record<string, string>;

/** What a first (not replayed) write decided: its ledger entry and the files it changes. */
export interface WritePlan {
  outcome: 'created' | 'pending';
  movement: MovementRecord;
  /** The ledger before this write, with any change this write makes to it (a reversal's running total). */
  earlier?: MovementRecord[];
  /** The whole new payments.json and balances.json, when this write changes them. */
  payments?: unknown[];
  balances?: unknown[];
}

export interface WriteCall<T> {
  kind: WriteKind;
  idempotencyKey: string;
  fingerprint: Fingerprint;
  /** Decides the write from the current files, or throws InvalidRequestError to refuse it. */
  plan(state: { movements: MovementRecord[]; behaviour: Behaviour; at: Date }): Promise<WritePlan>;
  /** The answer, built from the stored ledger entry so that a replay returns exactly the first answer. */
  answer(movement: MovementRecord): T;
}

export async function runWrite<T>(client: DummyPayClient, now: () => Date, call: WriteCall<T>): Promise<T> {
  // Refused before anything is read or logged: without a key the request never reaches the PSP.
  if (!call.idempotencyKey)
    throw new InvalidRequestError(`dummypay ${call.kind}: an idempotency key is required`);
  return client.serialise(() =>
    logged(client, now, { kind: call.kind, idempotencyKey: call.idempotencyKey }, async (at) => {
      const movements = await client.listMovements();
      const previous = movements.find((movement) => movement.idempotencyKey === call.idempotencyKey);
      if (previous) {
        if (!sameFingerprint(previous.fingerprint, call.fingerprint)) {
          throw new InvalidRequestError(
            `dummypay ${call.kind}: idempotency key "${call.idempotencyKey}" was already used for a different request`,
          );
        }
        return { outcome: 'replayed', answer: call.answer(previous) };
      }

      const behaviour = await client.readBehaviour();
      const plan = await call.plan({ movements, behaviour, at });
      // Built before anything is written, so an answer that cannot be built refuses the write instead.
      const answer = call.answer(plan.movement);
      // The ledger goes first: should a later file fail, a replay still finds the write and does not repeat it.
      await client.writeMovements([...(plan.earlier ?? movements), plan.movement]);
      if (plan.payments) await client.writePayments(plan.payments);
      if (plan.balances) await client.writeBalances(plan.balances);

      if (call.kind !== 'bank-account' && behaviour.loseAnswers > 0) {
        await client.writeBehaviour({ ...behaviour, loseAnswers: behaviour.loseAnswers - 1 });
        throw new UpstreamTimeoutError(
          `dummypay ${call.kind} "${call.idempotencyKey}": the answer was lost (behaviour.json loseAnswers)`,
        );
      }
      return { outcome: plan.outcome, answer };
    }),
  );
}

/** A status poll: serialised with the writes and logged like them, under the polling id (no key). */
export function runPoll<T>(
  client: DummyPayClient,
  now: () => Date,
  kind: CallKind,
  pollingId: string,
  poll: () => Promise<{ outcome: string; answer: T }>,
): Promise<T> {
  return client.serialise(() => logged(client, now, { kind, idempotencyKey: null, pollingId }, poll));
}

/**
 * A call kept out of the ledger (a user call: the user's file is its own record), serialised with the
 * writes and logged like them.
 */
export function runLogged<T>(
  client: DummyPayClient,
  now: () => Date,
  call: LoggedCall,
  work: (at: Date) => Promise<{ outcome: string; answer: T }>,
): Promise<T> {
  return client.serialise(() => logged(client, now, call, work));
}

/** Maps a payments.json entry with the fetch path's own mapping; a record it cannot map is refused. */
export function mapPayment(entry: FileEntry<PaymentRecord>): PspPayment {
  const mapped = toPspPayment(entry.record, entry.raw);
  if ('skip' in mapped) {
    throw new InvalidRequestError(
      `dummypay payment "${entry.record.reference}" cannot be mapped: ${mapped.skip}`,
    );
  }
  return mapped.item;
}

/** Leaves out the fields a request does not have, so that "absent" compares equal to "absent". */
export function fingerprintOf(fields: Record<string, string | undefined>): Fingerprint {
  const fingerprint: Fingerprint = {};
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) fingerprint[name] = value;
  return fingerprint;
}

function sameFingerprint(stored: Fingerprint, asked: Fingerprint): boolean {
  const names = Object.keys(stored);
  return names.length === Object.keys(asked).length && names.every((name) => stored[name] === asked[name]);
}

/** What a line of requests.jsonl says about the call, besides its time and outcome. */
interface LoggedCall {
  kind: CallKind;
  idempotencyKey: string | null;
  pollingId?: string;
  userId?: string;
}

async function logged<T>(
  client: DummyPayClient,
  now: () => Date,
  call: LoggedCall,
  work: (at: Date) => Promise<{ outcome: string; answer: T }>,
): Promise<T> {
  const at = now();
  let outcome = 'failed';
  let reason: string | undefined;
  try {
    const done = await work(at);
    outcome = done.outcome;
    return done.answer;
  } catch (error) {
    // A lost answer is the only timeout raised here; file errors are UpstreamErrors ("failed").
    if (error instanceof UpstreamTimeoutError) outcome = 'lost';
    else if (error instanceof InvalidRequestError) outcome = 'refused';
    reason = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    await client.appendRequest({ ...call, at: at.toISOString(), outcome, ...(reason && { reason }) });
  }
}
