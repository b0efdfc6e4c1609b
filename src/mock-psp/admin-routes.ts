// The admin API: the tenant's data seen from the PSP's side, explicit creation, generation, lifecycle steps, faults, stats and webhook deliveries.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tenantOf } from './auth.js';
import { notFoundError } from './errors.js';
import { faultSettingsSchema } from './faults.js';
import { GENERATED_TYPES, generateTransactions } from './generator.js';
import {
  adminAccount,
  adminTransaction,
  contractBeneficiary,
  webhookDelivery,
  webhookRegistration,
} from './presenters.js';
import {
  ACTIONS,
  type Action,
  TRANSACTION_STATUSES,
  TRANSACTION_TYPES,
  type TenantRegistry,
} from './store.js';
import { adminAmount, currencySchema, integerParam, metadataSchema, parseOrThrow } from './validation.js';
import type { WebhookDispatcher } from './webhook-delivery.js';

export interface AdminRoutesOptions {
  registry: TenantRegistry;
  dispatcher: WebhookDispatcher;
}

const accountBody = z.object({
  accountName: z.string().min(1).max(256),
  currency: currencySchema,
  initialBalance: adminAmount(0n).optional(),
  metadata: metadataSchema.optional(),
});

const beneficiaryBody = z.object({
  ownerName: z.string().min(1).max(256),
  metadata: metadataSchema.optional(),
});

const accountRef = z.string().min(1).max(256).optional();

const transactionBody = z.object({
  type: z.enum(TRANSACTION_TYPES),
  amount: adminAmount(0n),
  currency: currencySchema,
  status: z.enum(TRANSACTION_STATUSES).default('PENDING'),
  sourceAccountID: accountRef,
  destinationAccountID: accountRef,
  relatedTransactionID: accountRef,
  scheme: z.string().min(1).max(64).optional(),
  metadata: metadataSchema.optional(),
});

const generateBody = z.object({
  count: z.number().int().min(1).max(100_000),
  types: z.array(z.enum(GENERATED_TYPES)).min(1).optional(),
  clusterSize: z.number().int().min(1).max(100_000).default(10),
});

const stepBody = z.object({ amount: adminAmount(1n).optional() }).optional();

const transactionsQuery = z.object({
  limit: integerParam(1, 10_000_000).optional(),
  order: z.enum(['oldest', 'newest']).default('oldest'),
});

const isAction = (value: string): value is Action => (ACTIONS as readonly string[]).includes(value);

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  const { registry, dispatcher } = options;

  app.get('/admin/accounts', async (request) => {
    const tenant = tenantOf(request, registry);
    return tenant.accountsByCreated.all().map((account) => adminAccount(tenant, account));
  });

  app.post('/admin/accounts', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const body = parseOrThrow(accountBody, request.body, 'body');
    const account = tenant.addAccount({
      accountName: body.accountName,
      asset: body.currency,
      initialBalance: body.initialBalance,
      metadata: body.metadata,
    });
    return reply.code(201).send(adminAccount(tenant, account));
  });

  app.get('/admin/beneficiaries', async (request) => {
    const tenant = tenantOf(request, registry);
    return tenant.beneficiariesByCreated.all().map(contractBeneficiary);
  });

  app.post('/admin/beneficiaries', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const body = parseOrThrow(beneficiaryBody, request.body, 'body');
    return reply.code(201).send(contractBeneficiary(tenant.addBeneficiary(body)));
  });

  app.get('/admin/transactions', async (request) => {
    const tenant = tenantOf(request, registry);
    const query = parseOrThrow(transactionsQuery, request.query, 'query');
    const all = tenant.transactionsByUpdated.all();
    const limit = Math.min(query.limit ?? all.length, all.length);
    const selected = query.order === 'oldest' ? all.slice(0, limit) : all.slice(all.length - limit).reverse();
    return selected.map((transaction) => adminTransaction(tenant, transaction));
  });

  app.post('/admin/transactions', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const body = parseOrThrow(transactionBody, request.body, 'body');
    const transaction = tenant.addTransaction({ ...body, asset: body.currency });
    return reply.code(201).send(adminTransaction(tenant, transaction));
  });

  app.post('/admin/transactions/generate', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const body = parseOrThrow(generateBody, request.body, 'body');
    const generated = generateTransactions(tenant, {
      count: body.count,
      types: body.types ?? GENERATED_TYPES,
      clusterSize: body.clusterSize,
    });
    return reply.code(201).send({ generated });
  });

  app.post<{ Params: { id: string; action: string } }>('/admin/transactions/:id/:action', async (request) => {
    const tenant = tenantOf(request, registry);
    const { id, action } = request.params;
    if (!isAction(action)) {
      throw notFoundError(`unknown action ${action}; the actions are ${ACTIONS.join(', ')}`);
    }
    const body = parseOrThrow(stepBody, request.body, 'body');
    const result = tenant.step(id, action, body?.amount);
    return {
      transaction: adminTransaction(tenant, result.transaction),
      ...(result.created ? { created: adminTransaction(tenant, result.created) } : {}),
    };
  });

  app.get('/admin/faults', async (request) => tenantOf(request, registry).traffic.faults);

  app.put('/admin/faults', async (request) => {
    const tenant = tenantOf(request, registry);
    tenant.traffic.faults = parseOrThrow(faultSettingsSchema, request.body ?? {}, 'fault settings');
    tenant.touch();
    return tenant.traffic.faults;
  });

  app.get('/admin/webhooks', async (request) =>
    tenantOf(request, registry).webhooks.list().map(webhookRegistration),
  );

  app.get('/admin/webhooks/deliveries', async (request) =>
    dispatcher.deliveries(tenantOf(request, registry)).map(webhookDelivery),
  );

  app.get('/admin/stats', async (request) => tenantOf(request, registry).traffic.stats);

  app.delete('/admin/stats', async (request) => {
    const tenant = tenantOf(request, registry);
    tenant.traffic.resetStats();
    return tenant.traffic.stats;
  });

  app.delete('/admin/data', async (request) => {
    const tenant = tenantOf(request, registry);
    const deleted = {
      accounts: tenant.accounts.size,
      beneficiaries: tenant.beneficiaries.size,
      transactions: tenant.transactions.size,
    };
    tenant.clear();
    return { deleted };
  });
}
