// Webhook configs: the endpoints a connector registered at its PSP, their metadata (secrets) sealed.
import type { WebhookConfig } from '../connectors/sdk/contract.js';
import { parseJson, stringifyJson } from '../domain/json.js';
import type { Keyring } from '../security/encryption.js';
import type { Db } from './db.js';

/** `/events`, `events/` and `events` are one path. */
export const normalisePath = (path: string) => `/${path.replace(/^\/+/, '').replace(/\/+$/, '')}`;

/** Stores (or replaces) a connector's webhook configs. */
export async function saveWebhookConfigs(
  db: Db,
  keyring: Keyring,
  connectorId: string,
  configs: WebhookConfig[],
): Promise<void> {
  if (configs.length === 0) return;
  await db
    .insertInto('webhook_configs')
    .values(
      configs.map((c) => ({
        connector_id: connectorId,
        name: c.name,
        url_path: normalisePath(c.urlPath),
        metadata_sealed: keyring.encrypt(stringifyJson(c.metadata)),
      })),
    )
    .onConflict((oc) =>
      oc.columns(['connector_id', 'name']).doUpdateSet((eb) => ({
        url_path: eb.ref('excluded.url_path'),
        metadata_sealed: eb.ref('excluded.metadata_sealed'),
      })),
    )
    .execute();
}

/** A connector's webhook configs with their metadata opened (for verification and for uninstall). */
export async function webhookConfigsOf(
  db: Db,
  keyring: Keyring,
  connectorId: string,
): Promise<WebhookConfig[]> {
  const rows = await db
    .selectFrom('webhook_configs')
    .select(['name', 'url_path', 'metadata_sealed'])
    .where('connector_id', '=', connectorId)
    .execute();
  return rows.map((r) => openWebhookConfig(keyring, r));
}

/** A stored webhook config with its metadata opened. */
export function openWebhookConfig(
  keyring: Keyring,
  row: { name: string; url_path: string; metadata_sealed: string },
): WebhookConfig {
  return {
    name: row.name,
    urlPath: row.url_path,
    metadata: parseJson(keyring.decrypt(row.metadata_sealed)) as Record<string, string>,
  };
}
