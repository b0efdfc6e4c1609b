// API clients: who may ask the token endpoint for a token, with which scopes, until revoked.
import type { Db } from './db.js';

export interface ClientRecord {
  id: string;
  name: string;
  secretHash: string;
  /** Space-separated. */
  scope: string;
  createdAt: string;
  revokedAt: string | null;
}

const columns = ['id', 'name', 'secret_hash', 'scope', 'created_at', 'revoked_at'] as const;

function toRecord(row: {
  id: string;
  name: string;
  secret_hash: string;
  scope: string;
  created_at: string;
  revoked_at: string | null;
}): ClientRecord {
  return {
    id: row.id,
    name: row.name,
    secretHash: row.secret_hash,
    scope: row.scope,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

export async function insertClient(
  db: Db,
  client: { id: string; name: string; secretHash: string; scope: string },
): Promise<ClientRecord> {
  const row = await db
    .insertInto('auth_clients')
    .values({ id: client.id, name: client.name, secret_hash: client.secretHash, scope: client.scope })
    .returning(columns)
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function findClient(db: Db, id: string): Promise<ClientRecord | undefined> {
  const row = await db.selectFrom('auth_clients').select(columns).where('id', '=', id).executeTakeFirst();
  return row ? toRecord(row) : undefined;
}

/** Every client, oldest first (a short list: one per service or person calling the API). */
export async function listClients(db: Db): Promise<ClientRecord[]> {
  const rows = await db.selectFrom('auth_clients').select(columns).orderBy('sort_id', 'asc').execute();
  return rows.map(toRecord);
}

/** Revokes a client; a client already revoked keeps its first revocation time. Undefined: no such client. */
export async function revokeClient(db: Db, id: string): Promise<ClientRecord | undefined> {
  await db
    .updateTable('auth_clients')
    .set({ revoked_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return findClient(db, id);
}

/** The ids among `ids` of clients that exist and are not revoked. */
export async function activeClientIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('auth_clients')
    .select('id')
    .where('id', 'in', ids)
    .where('revoked_at', 'is', null)
    .execute();
  return new Set(rows.map((row) => row.id));
}
