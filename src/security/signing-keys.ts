// Paybridge's token signing keys: generation, and each API process's view of them (sign with the active
// key, verify with any published one), kept in step with the database without a restart.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  calculateJwkThumbprint,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { formatDbTime } from '../domain/time.js';
import type { Db } from '../storage/db.js';
import {
  activeSigningKid,
  ensureActiveSigningKey,
  findActiveSigningKey,
  type NewSigningKey,
  publishedSigningKeys,
} from '../storage/signing-keys.js';
import type { Keyring } from './encryption.js';

/**
 * ES256 (ECDSA P-256): every JOSE library and gateway verifies it, keys are made in a millisecond (RSA
 * keys take far longer, which matters when processes start and when keys rotate), and tokens stay short.
 * The algorithm is stored with each key, so a later key may use another.
 */
export const SIGNING_ALG = 'ES256';

/**
 * How long after its tokens have expired a retired key stays published: verifiers accept a token a little
 * past `exp` (clock tolerance), and a process may sign with the old key if it read it just before a rotation.
 */
export const RETIRED_KEY_GRACE_MS = 60_000;

/** The least time between two reads of the keys that a token naming an unknown kid may cause. */
const RELOAD_FLOOR_MS = 1000;
/** The published keys are read again at least this often, so retired keys drop out on time. */
const MAX_AGE_MS = 60_000;

/** The public members of a JWK: what a JWKS may show (never `d` or any other private member). */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

export function publicJwk(jwk: Record<string, unknown>): JWK {
  const out: Record<string, unknown> = {};
  for (const member of PUBLIC_MEMBERS) if (typeof jwk[member] === 'string') out[member] = jwk[member];
  return out as JWK;
}

/** A new key pair; the kid is the RFC 7638 thumbprint of the public key, the private key sealed. */
export async function generateSigningKey(keyring: Keyring): Promise<NewSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg: SIGNING_ALG,
    publicJwk: publicJwk({ ...jwk, kid, alg: SIGNING_ALG, use: 'sig' }) as Record<string, unknown>,
    privateKeySealed: keyring.encrypt(JSON.stringify(privateJwk)),
  };
}

export interface VerificationKey {
  kid: string;
  alg: string;
  key: CryptoKey;
  jwk: JWK;
  /** Epoch ms; absent while the key is active. */
  retiredAt?: number;
}

export interface SigningKey {
  kid: string;
  alg: string;
  key: CryptoKey;
}

async function importKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  const key = await importJWK(jwk, alg);
  if (key instanceof Uint8Array) throw new Error(`signing key ${String(jwk.kid)} is not an asymmetric key`);
  return key;
}

export class SigningKeys {
  readonly #db: Db;
  readonly #keyring: Keyring;
  readonly #graceMs: number;
  #published = new Map<string, VerificationKey>();
  #loadStartedAt = -Infinity;
  #loading: Promise<void> | undefined;
  #signing: SigningKey | undefined;

  /** `tokenTtlMs`: a retired key stays published for this long (plus a grace), so its tokens verify to the end. */
  constructor(db: Db, keyring: Keyring, tokenTtlMs: number) {
    this.#db = db;
    this.#keyring = keyring;
    this.#graceMs = tokenTtlMs + RETIRED_KEY_GRACE_MS;
  }

  /** Creates the first key if there is none (safe when several processes start at once). */
  ensureActive(): Promise<boolean> {
    return ensureActiveSigningKey(this.#db, () => generateSigningKey(this.#keyring));
  }

  /**
   * The key to sign with: the one active in the database now. One indexed read per token, so a rotation
   * made by `paybridge signing-keys rotate` is used by every process from its next token on.
   */
  async signingKey(): Promise<SigningKey> {
    const kid = await activeSigningKid(this.#db);
    if (kid === undefined) throw new Error('no active signing key');
    if (this.#signing?.kid !== kid) {
      const row = await findActiveSigningKey(this.#db);
      if (!row) throw new Error('no active signing key');
      const jwk = JSON.parse(this.#keyring.decrypt(row.privateKeySealed)) as JWK;
      this.#signing = { kid: row.kid, alg: row.alg, key: await importKey(jwk, row.alg) };
    }
    return this.#signing;
  }

  /**
   * The published key named `kid`. An unknown kid (a key made by a rotation since the last read) makes the
   * keys be read again, at most once per second: a caller that comes sooner waits for that next read, which
   * every caller waiting shares, so a flood of made-up kids costs one query a second.
   */
  async verificationKey(kid: string): Promise<VerificationKey | undefined> {
    await this.#refresh(MAX_AGE_MS);
    const known = this.#current(kid);
    if (known) return known;
    await this.#refresh(0);
    return this.#current(kid);
  }

  /** The public keys verifiers need: the active one and those retired whose tokens may still be valid. */
  async jwks(): Promise<JWK[]> {
    await this.#refresh(RELOAD_FLOOR_MS);
    return [...this.#published.keys()].flatMap((kid) => {
      const key = this.#current(kid);
      return key ? [key.jwk] : [];
    });
  }

  #current(kid: string): VerificationKey | undefined {
    const key = this.#published.get(kid);
    if (key?.retiredAt !== undefined && key.retiredAt + this.#graceMs < Date.now()) return undefined;
    return key;
  }

  /** Makes sure the keys were read no longer than `maxAgeMs` ago, never reading more than once per floor. */
  async #refresh(maxAgeMs: number): Promise<void> {
    const wanted = Date.now() - maxAgeMs;
    for (;;) {
      if (this.#loadStartedAt >= wanted) {
        await this.#loading;
        return;
      }
      if (this.#loading) {
        await this.#loading.catch(() => undefined);
        continue;
      }
      const wait = this.#loadStartedAt + RELOAD_FLOOR_MS - Date.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      this.#loadStartedAt = Date.now();
      this.#loading = this.#load().finally(() => {
        this.#loading = undefined;
      });
      await this.#loading;
      return;
    }
  }

  async #load(): Promise<void> {
    const rows = await publishedSigningKeys(this.#db, this.#graceMs);
    const published = new Map<string, VerificationKey>();
    for (const row of rows) {
      const retiredAt = row.retiredAt === null ? undefined : Date.parse(formatDbTime(row.retiredAt));
      const previous = this.#published.get(row.kid);
      const jwk = publicJwk(row.publicJwk);
      const key = previous?.key ?? (await importKey(jwk, row.alg));
      published.set(row.kid, { kid: row.kid, alg: row.alg, key, jwk, ...(retiredAt ? { retiredAt } : {}) });
    }
    this.#published = published;
  }
}
