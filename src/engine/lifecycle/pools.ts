// Pools: create, change and delete them with their SAVED_POOL / DELETED_POOL events in one transaction.
import { randomUUID } from 'node:crypto';
import { accountIdCodec } from '../../domain/ids.js';
import { formatDbTime } from '../../domain/time.js';
import { deletedPool, savedPool } from '../../events/events.js';
import { recordEvents } from '../../events/outbox.js';
import { accountFilterSpec, buildFilter, isEmptyFilter } from '../../storage/query-filter.js';
import type { Db } from '../../storage/db.js';
import {
  addPoolAccounts,
  deletePool as deletePoolRow,
  insertPool,
  type Membership,
  poolMembers,
  poolsQuery,
  type PoolRow,
  removePoolAccount,
  setPoolQuery,
} from '../../storage/pools.js';
import { ConflictError, isUniqueViolation, NotFoundError, ValidationError } from '../../domain/errors.js';

/** Who is in the pool: its listed accounts, or the accounts its query selects right now. */
export function membershipOf(pool: Pick<PoolRow, 'id' | 'type' | 'query'>): Membership {
  if (pool.type === 'STATIC') return { poolId: pool.id };
  return { accounts: buildFilter(pool.query, accountFilterSpec) };
}

export async function findPool(db: Db, poolId: string): Promise<PoolRow> {
  const pool = await poolsQuery(db).where('id', '=', poolId).executeTakeFirst();
  if (!pool) throw new NotFoundError('pool not found');
  return pool;
}

/** Static pools hold internal accounts only, and only ones that exist. */
async function checkAccounts(db: Db, accountIds: string[]): Promise<void> {
  for (const id of accountIds) accountIdCodec.decode(id);
  if (accountIds.length === 0) return;
  const found = await db
    .selectFrom('accounts')
    .select(['id', 'type'])
    .where('id', 'in', accountIds)
    .execute();
  const types = new Map(found.map((a) => [a.id, a.type]));
  for (const id of accountIds) {
    const type = types.get(id);
    if (type === undefined) throw new NotFoundError(`account ${id} not found`);
    if (type !== 'INTERNAL')
      throw new ValidationError(`account ${id} is ${type}: pools hold internal accounts only`);
  }
}

async function emitSaved(db: Db, pool: PoolRow): Promise<void> {
  await recordEvents(db, [
    savedPool({
      id: pool.id,
      name: pool.name,
      createdAt: formatDbTime(pool.created_at),
      type: pool.type,
      query: pool.query,
      accountIDs: await poolMembers(db, membershipOf(pool)),
    }),
  ]);
}

export async function createPool(
  db: Db,
  input: { name: string; query?: Record<string, unknown>; accountIDs?: string[] },
): Promise<string> {
  const dynamic = input.query !== undefined && !isEmptyFilter(input.query);
  if (dynamic)
    buildFilter(input.query, accountFilterSpec); // refuses an invalid query before anything is stored
  else if (input.accountIDs === undefined)
    throw new ValidationError('a pool needs either a query or accountIDs');
  const accountIds = dynamic ? [] : [...new Set(input.accountIDs)];
  try {
    return await db.transaction().execute(async (trx) => {
      await checkAccounts(trx, accountIds);
      const pool = await insertPool(trx, {
        id: randomUUID(),
        name: input.name,
        type: dynamic ? 'DYNAMIC' : 'STATIC',
        query: dynamic ? input.query : null,
      });
      await addPoolAccounts(trx, pool.id, accountIds);
      await emitSaved(trx, pool);
      return pool.id;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`a pool named '${input.name}' already exists`);
    throw error;
  }
}

export async function updatePoolQuery(db: Db, poolId: string, query: Record<string, unknown>): Promise<void> {
  if (isEmptyFilter(query)) throw new ValidationError('query must not be empty');
  buildFilter(query, accountFilterSpec);
  await db.transaction().execute(async (trx) => {
    const pool = await findPool(trx, poolId);
    if (pool.type !== 'DYNAMIC') throw new ValidationError('only a dynamic pool has a query');
    await setPoolQuery(trx, poolId, query);
    await emitSaved(trx, { ...pool, query });
  });
}

export async function addAccountToPool(db: Db, poolId: string, accountId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const pool = await findPool(trx, poolId);
    if (pool.type !== 'STATIC') throw new ValidationError('a dynamic pool takes its accounts from its query');
    await checkAccounts(trx, [accountId]);
    await addPoolAccounts(trx, poolId, [accountId]);
    await emitSaved(trx, pool);
  });
}

export async function removeAccountFromPool(db: Db, poolId: string, accountId: string): Promise<void> {
  accountIdCodec.decode(accountId);
  await db.transaction().execute(async (trx) => {
    const pool = await findPool(trx, poolId);
    if (pool.type !== 'STATIC') throw new ValidationError('a dynamic pool takes its accounts from its query');
    if (await removePoolAccount(trx, poolId, accountId)) await emitSaved(trx, pool);
  });
}

/** Deleting a pool that does not exist succeeds too, without an event. */
export async function deletePool(db: Db, poolId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (await deletePoolRow(trx, poolId)) await recordEvents(trx, [deletedPool(poolId)]);
  });
}
