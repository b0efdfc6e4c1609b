// Contract v0.2 webhook registration: POST, GET and DELETE /webhooks, registered inside the contract routes so the tenant's faults apply.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantOf } from './auth.js';
import { notFoundError } from './errors.js';
import { createdWebhookRegistration, webhookRegistration } from './presenters.js';
import type { TenantRegistry } from './store.js';
import type { WebhookDispatcher } from './webhook-delivery.js';
import { parseOrThrow, webhookUrlSchema } from './validation.js';

export interface WebhookRoutesOptions {
  registry: TenantRegistry;
  dispatcher: WebhookDispatcher;
}

const registrationBody = z.object({ url: webhookUrlSchema });

export async function webhookRoutes(app: FastifyInstance, options: WebhookRoutesOptions): Promise<void> {
  const { registry, dispatcher } = options;

  app.post('/webhooks', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const body = parseOrThrow(registrationBody, request.body, 'body');
    const { registration, created } = tenant.webhooks.register(body.url, Date.now());
    if (created) tenant.touch();
    return reply.code(created ? 201 : 200).send(createdWebhookRegistration(registration));
  });

  app.get('/webhooks', async (request) =>
    tenantOf(request, registry).webhooks.list().map(webhookRegistration),
  );

  app.delete<{ Params: { id: string } }>('/webhooks/:id', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const removed = tenant.webhooks.remove(request.params.id);
    if (!removed) throw notFoundError(`webhook ${request.params.id} not found`);
    dispatcher.registrationRemoved(tenant, removed.id);
    tenant.touch();
    return reply.code(204).send();
  });
}
