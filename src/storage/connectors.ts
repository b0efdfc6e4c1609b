// Installed connectors: their encrypted config, polling settings and task tree.
import type { Db } from './db.js';

export function connectorsQuery(db: Db) {
  return db
    .selectFrom('connectors')
    .select([
      'id',
      'reference',
      'provider',
      'name',
      'created_at',
      'updated_at',
      'config_encrypted',
      'calls_per_second',
      'polling_period_ms',
      'page_size',
      'task_tree',
      'scheduled_for_deletion',
      'sort_id',
    ]);
}
export type ConnectorRow = Awaited<ReturnType<ReturnType<typeof connectorsQuery>['executeTakeFirstOrThrow']>>;

export function findConnectorRow(db: Db, id: string): Promise<ConnectorRow | undefined> {
  return connectorsQuery(db).where('id', '=', id).executeTakeFirst();
}

/** A connector the API may act on: present and not being uninstalled. */
export function findLiveConnectorRow(db: Db, id: string): Promise<ConnectorRow | undefined> {
  return connectorsQuery(db)
    .where('id', '=', id)
    .where('scheduled_for_deletion', '=', false)
    .executeTakeFirst();
}
