// Tasks: background work with an id the API hands out, and its outcome.
import type { TaskStatus } from '../domain/enums.js';
import type { Db } from './db.js';

export async function createTask(db: Db, task: { id: string; connectorId: string | null }): Promise<void> {
  await db
    .insertInto('tasks')
    .values({ id: task.id, connector_id: task.connectorId, status: 'PROCESSING' })
    .onConflict((oc) =>
      oc
        .column('id')
        .doUpdateSet({ status: 'PROCESSING', error: null, updated_at: new Date().toISOString() }),
    )
    .execute();
}

export async function finishTask(
  db: Db,
  id: string,
  outcome: { status: Exclude<TaskStatus, 'PROCESSING'>; createdObjectId?: string; error?: string },
): Promise<void> {
  await db
    .updateTable('tasks')
    .set({
      status: outcome.status,
      created_object_id: outcome.createdObjectId ?? null,
      error: outcome.error ?? null,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .execute();
}

export function findTask(db: Db, id: string) {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records what a task created before it finishes (a reset's replacement connector), so a retry finds it. */
export async function setTaskCreatedObject(db: Db, id: string, createdObjectId: string): Promise<void> {
  await db.updateTable('tasks').set({ created_object_id: createdObjectId }).where('id', '=', id).execute();
}
