// What every PSP write of money movement shares: idempotency keys, telling a refusal from an unknown
// outcome, and the metadata keys that carry a bank account's details to a connector.
import { createHash } from 'node:crypto';
import {
  AuthenticationError,
  InvalidConfigError,
  InvalidRequestError,
  MissingFromPayloadError,
  NotImplementedError,
} from '../../connectors/sdk/errors.js';

/**
 * The idempotency key of one PSP write: a UUID derived from what is being done and the attempt, so it is
 * the same on every retry of the attempt (and after a crash) and new for a new attempt. UUID-shaped
 * because some PSPs accept nothing else.
 */
export function idempotencyKey(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Errors that prove the PSP did not act on the request (refused credentials included: a PSP acts on
 * nothing it cannot authenticate); anything else leaves the outcome unknown.
 */
export function isRefusal(error: unknown): boolean {
  return (
    error instanceof InvalidRequestError ||
    error instanceof AuthenticationError ||
    error instanceof NotImplementedError ||
    error instanceof InvalidConfigError ||
    error instanceof MissingFromPayloadError
  );
}

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Metadata keys under which a bank account's details reach the connector, for payouts to it. */
export const BANK_DETAIL = {
  name: 'paybridge/bankAccount/name',
  accountNumber: 'paybridge/bankAccount/accountNumber',
  iban: 'paybridge/bankAccount/iban',
  swiftBicCode: 'paybridge/bankAccount/swiftBicCode',
  country: 'paybridge/bankAccount/country',
} as const;

/**
 * What a running initiation task's `error` says while its step waits: why, then when it is looked at
 * again (`…; next check at 2026-01-02T03:04:05.678Z`). The CLI's `--wait` reads the time back.
 */
export function stepNote(reason: string, nextCheckAt: Date): string {
  return `${reason}; next check at ${nextCheckAt.toISOString()}`;
}
