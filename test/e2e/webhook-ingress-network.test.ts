// Webhook ingress for a connector that verifies over the network (registered here: it asks a fake PSP
// endpoint whether it sent the event): deliveries are stored first, within a per-connector cap on those
// waiting unverified (429 beyond it, nothing stored), and the methods it declares are accepted.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type { VerifyWebhookRequest } from '../../src/connectors/sdk/contract.js';
import { WebhookVerificationError } from '../../src/connectors/sdk/errors.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { installWithWebhooks, refusedCount, storedDeliveries } from '../support/webhook-ingress.js';

// A PSP whose deliveries carry no signature: the connector asks the PSP whether it sent the event.
class ConfirmingPsp extends BaseConnector {
  constructor(private readonly endpoint: string) {
    super();
  }
  async install() {
    return {
      workflow: [
        { type: 'CREATE_WEBHOOKS' as const, name: 'create_webhooks', periodic: false, children: [] },
      ],
    };
  }
  override async createWebhooks() {
    return { configs: [{ name: 'events', urlPath: '/events', metadata: {} }], others: [] };
  }
  override async verifyWebhook(request: VerifyWebhookRequest) {
    const id = request.webhook.headers['event-id']?.[0] ?? '';
    const answer = await fetch(`${this.endpoint}/events/${encodeURIComponent(id)}`);
    if (answer.status === 404) throw new WebhookVerificationError(`the PSP never sent event ${id}`);
    if (!answer.ok) throw new Error(`the PSP answered ${answer.status}`);
    return { idempotencyKey: id };
  }
  override async translateWebhook() {
    return { responses: [] };
  }
}
registerConnector({
  provider: 'confirmingpsp',
  capabilities: ['CREATE_WEBHOOKS', 'TRANSLATE_WEBHOOKS'],
  config: z.object({ endpoint: z.string() }),
  pageSize: 10,
  // Its PSP also delivers with PUT.
  webhooks: { verification: 'network', methods: ['PUT'] },
  create: (config) => new ConfirmingPsp(config.endpoint),
});

/**
 * The PSP's "did you send this event?" endpoint: events whose id starts with `evt_genuine` exist. While
 * held, it answers nobody, so the deliveries asked about stay unverified.
 */
async function startConfirmationEndpoint() {
  let held = true;
  const waiting: (() => void)[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const answer = () => {
      const genuine = /^\/events\/evt_genuine/.test(request.url ?? '');
      response.writeHead(genuine ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ genuine }));
    };
    if (held) waiting.push(answer);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked: () => waiting.length,
    release() {
      held = false;
      for (const answer of waiting.splice(0)) answer();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('deliveries waiting for a network verification', () => {
  let service: TestService;
  let psp: Awaited<ReturnType<typeof startConfirmationEndpoint>>;
  let capped: string;
  let other: string;

  beforeAll(async () => {
    psp = await startConfirmationEndpoint();
    service = await startTestService({ PAYBRIDGE_WEBHOOK_UNVERIFIED_MAX: '2' });
    capped = await installWithWebhooks(service, 'confirmingpsp', 'confirming', { endpoint: psp.url });
    other = await installWithWebhooks(service, 'confirmingpsp', 'confirming-other', { endpoint: psp.url });
  });
  afterAll(async () => {
    psp?.release();
    await service?.stop();
    await psp?.stop();
  });

  const send = (connectorID: string, eventId: string, method = 'POST') =>
    fetch(`${service.url}/v3/connectors/webhooks/${connectorID}/events`, {
      method,
      headers: { 'content-type': 'application/json', 'event-id': eventId },
      body: JSON.stringify({ id: eventId }),
    });

  it('stores them first, answers 429 with Retry-After at the per-connector cap storing nothing, and takes more once they are verified', async () => {
    const before = await refusedCount(service.url, 'confirmingpsp', 'unverified_backlog_full');
    expect((await send(capped, 'evt_genuine_1')).status).toBe(200);
    expect((await send(capped, 'evt_forged_1')).status).toBe(200);
    // Both wait for the PSP's answer, which does not come yet.
    await eventually(async () => (psp.asked() === 2 ? true : undefined));
    const refused = await send(capped, 'evt_genuine_2');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await storedDeliveries(service, capped)).toBe(2);
    expect(await refusedCount(service.url, 'confirmingpsp', 'unverified_backlog_full')).toBe(before + 1);
    // The cap is per connector.
    expect((await send(other, 'evt_genuine_3')).status).toBe(200);

    psp.release();
    const outcomes = await eventually(async () => {
      const rows = await service.paybridge.deps.db
        .selectFrom('webhooks')
        .select(['idempotency_key', 'status'])
        .where('connector_id', '=', capped)
        .orderBy('sort_id')
        .execute();
      return rows.every((r) => r.status !== 'RECEIVED') ? rows : undefined;
    });
    // The job verifies them: the PSP confirms one; the other, which it never sent, is recorded REJECTED.
    expect(outcomes).toEqual([
      { idempotency_key: 'evt_genuine_1', status: 'PROCESSED' },
      { idempotency_key: null, status: 'REJECTED' },
    ]);
    expect((await send(capped, 'evt_genuine_2')).status).toBe(200);
    expect(await storedDeliveries(service, capped)).toBe(3);
  });

  it('takes deliveries with the methods the connector declares besides POST, and names them in a 405', async () => {
    expect((await send(other, 'evt_genuine_put', 'PUT')).status).toBe(200);
    const refused = await send(other, 'evt_genuine_patch', 'PATCH');
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('POST, PUT');
    const methods = await eventually(async () => {
      const rows = await service.paybridge.deps.db
        .selectFrom('webhooks')
        .select(['method', 'status'])
        .where('connector_id', '=', other)
        .orderBy('sort_id')
        .execute();
      return rows.every((r) => r.status === 'PROCESSED') ? rows.map((r) => r.method) : undefined;
    });
    expect(methods).toEqual(['POST', 'PUT']);
  });
});
