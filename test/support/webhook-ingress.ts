// Webhook ingress tests' shared steps: install a connector and wait for its endpoint, count what was
// stored, and read the refusal counter from /metrics as Prometheus would scrape it.
import { expect } from 'vitest';
import { eventually, type TestService } from './service.js';

/** Installs `provider` and waits until its CREATE_WEBHOOKS task stored its endpoint. */
export async function installWithWebhooks(
  service: TestService,
  provider: string,
  name: string,
  config: object = {},
) {
  const installed = await fetch(`${service.url}/v3/connectors/install/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, ...config }),
  });
  expect(installed.status).toBe(202);
  const connectorID = ((await installed.json()) as { data: string }).data;
  await eventually(async () => {
    const rows = await service.paybridge.deps.db
      .selectFrom('webhook_configs')
      .select('name')
      .where('connector_id', '=', connectorID)
      .execute();
    return rows.length === 1 ? true : undefined;
  });
  return connectorID;
}

/** The deliveries stored for a connector, whatever became of them. */
export async function storedDeliveries(service: TestService, connectorID: string): Promise<number> {
  const rows = await service.paybridge.deps.db
    .selectFrom('webhooks')
    .select('id')
    .where('connector_id', '=', connectorID)
    .execute();
  return rows.length;
}

/** `paybridge_webhooks_refused_total` for one provider and reason (0 before the first refusal). */
export async function refusedCount(baseUrl: string, provider: string, reason: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    const match = /^paybridge_webhooks_refused_total\{([^}]*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!match) continue;
    const labels = match[1] ?? '';
    if (labels.includes(`provider="${provider}"`) && labels.includes(`reason="${reason}"`)) {
      return Number(match[2]);
    }
  }
  return 0;
}
