// Token signing keys: the active one (sealed private key) and the retired ones still published for verifiers.
import { sql } from 'kysely';
import type { Db } from './db.js';

export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  createdAt: string;
  retiredAt: string | null;
}

export interface NewSigningKey {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateKeySealed: string;
}

/** Serialises key creation and rotation across processes (first starts, concurrent rotations). */
const KEYS_LOCK = 0x7062_6b73; // "pbks"

const publicColumns = ['kid', 'alg', 'public_jwk', 'created_at', 'retired_at'] as const;

function toRecord(row: {
  kid: string;
  alg: string;
  public_jwk: Record<string, unknown>;
  created_at: string;
  retired_at: string | null;
}): SigningKeyRecord {
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: row.public_jwk,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

/**
 * Makes sure one key is active, creating it with `create` when none is: several processes starting at once
 * on a fresh database create exactly one. Answers whether this call created it.
 */
export async function ensureActiveSigningKey(db: Db, create: () => Promise<NewSigningKey>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
    const active = await trx
      .selectFrom('auth_signing_keys')
      .select('kid')
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    if (active) return false;
    await insertKey(trx, await create());
    return true;
  });
}

/**
 * Retires the active key (dropping its private half: it never signs again) and makes `next` the active one,
 * in one transaction. Answers the kid of the key retired, if there was one.
 */
export async function rotateSigningKey(db: Db, next: NewSigningKey): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${KEYS_LOCK})`.execute(trx);
    const retired = await trx
      .updateTable('auth_signing_keys')
      .set({ retired_at: new Date().toISOString(), private_key_sealed: null })
      .where('retired_at', 'is', null)
      .returning('kid')
      .executeTakeFirst();
    await insertKey(trx, next);
    return retired?.kid;
  });
}

async function insertKey(db: Db, key: NewSigningKey): Promise<void> {
  await db
    .insertInto('auth_signing_keys')
    .values({
      kid: key.kid,
      alg: key.alg,
      public_jwk: JSON.stringify(key.publicJwk),
      private_key_sealed: key.privateKeySealed,
    })
    .execute();
}

/** The active key with its sealed private half. */
export async function findActiveSigningKey(
  db: Db,
): Promise<{ kid: string; alg: string; privateKeySealed: string } | undefined> {
  const row = await db
    .selectFrom('auth_signing_keys')
    .select(['kid', 'alg', 'private_key_sealed'])
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (!row?.private_key_sealed) return undefined;
  return { kid: row.kid, alg: row.alg, privateKeySealed: row.private_key_sealed };
}

/** The kid of the active key: one indexed read, made before each token is signed. */
export async function activeSigningKid(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('auth_signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  return row?.kid;
}

/** The keys verifiers must know: the active one, and those retired less than `graceMs` ago. */
export async function publishedSigningKeys(db: Db, graceMs: number): Promise<SigningKeyRecord[]> {
  const rows = await db
    .selectFrom('auth_signing_keys')
    .select(publicColumns)
    .where((eb) =>
      eb.or([
        eb('retired_at', 'is', null),
        eb('retired_at', '>', sql<string>`now() - ${graceMs} * interval '1 millisecond'`),
      ]),
    )
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toRecord);
}

/** Every key, newest first (for `paybridge signing-keys list`). */
export async function listSigningKeys(db: Db): Promise<SigningKeyRecord[]> {
  const rows = await db
    .selectFrom('auth_signing_keys')
    .select(publicColumns)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toRecord);
}
