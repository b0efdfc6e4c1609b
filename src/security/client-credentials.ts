// API client credentials: readable random ids, 256-bit secrets shown once, and their constant-time check.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** `pbc_` and 96 random bits in hex: easy to read out and to grep for, safe in forms and in HTTP Basic. */
export function newClientId(): string {
  return `pbc_${randomBytes(12).toString('hex')}`;
}

/** 32 random bytes, base64url: what `clients create` shows once. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * SHA-256 of the secret. A fast hash is enough here, and a slow one (bcrypt, scrypt) would add nothing:
 * those protect low-entropy passwords from dictionary attacks, while this secret is 256 random bits, so
 * a stolen hash cannot be reversed by trying candidates.
 */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A hash no secret has: checked against when the client is unknown, so that answer takes as long. */
const NO_CLIENT_HASH = hashClientSecret(randomBytes(32).toString('base64url'));

/** Compares digests in constant time, so the time taken says nothing about how much of a guess was right. */
export function clientSecretMatches(secret: string, storedHash: string | undefined): boolean {
  const given = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(storedHash ?? NO_CLIENT_HASH, 'hex');
  const equal = stored.length === given.length && timingSafeEqual(given, stored);
  return equal && storedHash !== undefined;
}
