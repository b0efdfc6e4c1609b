// Wise's customerTransactionId must be a UUID: the engine's idempotency key as is when it is one, else a UUID derived from it.
import { createHash } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The same key always gives the same UUID (a name-based, version 5 style UUID over SHA-256), so a retry
 * after a lost answer or a crash sends Wise the same customerTransactionId and finds the first transfer.
 */
export function customerTransactionId(idempotencyKey: string): string {
  if (UUID.test(idempotencyKey)) return idempotencyKey.toLowerCase();
  const hex = createHash('sha256').update(`paybridge/wise/${idempotencyKey}`).digest('hex');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
