// The audit trail: one row per write request, appended after the answer was sent, deleted after retention.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from './db.js';

export interface AuditEntry {
  subject: string | null;
  clientId: string | null;
  method: string;
  route: string;
  pathIds: Record<string, string>;
  statusCode: number;
  requestId: string;
  /**
   * When the request arrived. The row is written after the answer, so the database's clock would order a
   * slow write after a later request's row.
   */
  at: Date;
}

export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_records')
    .values({
      id: randomUUID(),
      created_at: entry.at.toISOString(),
      subject: entry.subject,
      client_id: entry.clientId,
      method: entry.method,
      route: entry.route,
      path_ids: JSON.stringify(entry.pathIds),
      status_code: entry.statusCode,
      request_id: entry.requestId,
    })
    .execute();
}

/** Rows, newest first, for the paginated list. */
export function auditQuery(db: Db) {
  return db
    .selectFrom('audit_records')
    .select([
      'id',
      'created_at',
      'subject',
      'client_id',
      'method',
      'route',
      'path_ids',
      'status_code',
      'request_id',
      'sort_id',
    ]);
}

/** Deletes the rows older than the retention period; answers how many. */
export async function deleteOldAuditRecords(db: Db, retentionMs: number): Promise<number> {
  const result = await sql`DELETE FROM audit_records
    WHERE created_at < now() - ${retentionMs} * interval '1 millisecond'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
