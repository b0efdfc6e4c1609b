// The PSP side of a DummyPay directory, for tests: what the fake PSP was asked and did, and its knobs.
import { join } from 'node:path';
import type { PaymentStatus } from '../../domain/enums.js';
import {
  DummyPayClient,
  type Behaviour,
  type MovementRecord,
  type RequestLine,
  type UserRecord,
  userFile,
} from './client.js';

/** One line of requests.jsonl: one write or poll call, replays and refusals included. */
export type DummyPayRequest = RequestLine;
/** One entry of movements.json: a write DummyPay performed, under its idempotency key. */
export type DummyPayMovement = MovementRecord;
export type DummyPayBehaviour = Behaviour;
/** One `user-<id>.json`: a payment service user forwarded to DummyPay. */
export type DummyPayUser = UserRecord;

export function readDummyPayRequests(dir: string): Promise<DummyPayRequest[]> {
  return new DummyPayClient(dir).listRequests();
}

export function readDummyPayMovements(dir: string): Promise<DummyPayMovement[]> {
  return new DummyPayClient(dir).listMovements();
}

/** The user file of a payment service user, or undefined when DummyPay has none. */
export function readDummyPayUser(dir: string, psuId: string): Promise<DummyPayUser | undefined> {
  return new DummyPayClient(dir).readUser(psuId);
}

/** Where DummyPay keeps a user, for tests that read the file's very text. */
export function dummyPayUserPath(dir: string, psuId: string): string {
  return join(dir, userFile(psuId));
}

export function readDummyPayBehaviour(dir: string): Promise<DummyPayBehaviour> {
  return new DummyPayClient(dir).readBehaviour();
}

/** Replaces behaviour.json; a knob left out takes its default (immediate settlement, no lost answers). */
export function setDummyPayBehaviour(dir: string, behaviour: Partial<DummyPayBehaviour>): Promise<void> {
  const client = new DummyPayClient(dir);
  return client.serialise(() =>
    client.writeBehaviour({ settlement: 'immediate', loseAnswers: 0, ...behaviour }),
  );
}

/**
 * Settles (or otherwise changes) one payment of payments.json in place, as the PSP would: its status and
 * updated_at change and nothing else, and no money moves.
 */
export function setDummyPayPaymentStatus(
  dir: string,
  reference: string,
  status: PaymentStatus,
  updatedAt: Date = new Date(),
): Promise<void> {
  const client = new DummyPayClient(dir);
  return client.serialise(async () => {
    const entries = await client.listPayments({ fresh: true });
    if (!entries.some((entry) => entry.record.reference === reference)) {
      throw new Error(`dummypay directory ${dir} has no payment "${reference}"`);
    }
    await client.writePayments(
      entries.map((entry) =>
        entry.record.reference === reference
          ? { ...(entry.raw as Record<string, unknown>), status, updated_at: updatedAt.toISOString() }
          : entry.raw,
      ),
    );
  });
}
