// The Generic connector contract: accounts, balances, beneficiaries, transactions, payouts, transfers and webhook registration, behind per-tenant faults.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { tenantOf } from './auth.js';
import { notFoundError } from './errors.js';
import {
  accountJson,
  beneficiaryJson,
  contractBalances,
  initiationObject,
  transactionJson,
} from './presenters.js';
import type { SortedIndex } from './sorted-index.js';
import type { InitiationKind, Tenant, TenantRegistry, Transaction } from './store.js';
import {
  currencySchema,
  dateTimeParam,
  integerParam,
  metadataSchema,
  parseOrThrow,
  positiveAmountString,
} from './validation.js';
import type { WebhookDispatcher } from './webhook-delivery.js';
import { webhookRoutes } from './webhook-routes.js';

export interface ContractRoutesOptions {
  registry: TenantRegistry;
  dispatcher: WebhookDispatcher;
}

type SortField = 'createdAt' | 'updatedAt';

interface ListQuery {
  page: number;
  pageSize: number;
  field: SortField;
  descending: boolean;
  from?: number;
}

/** Paging and sorting parameters, shared by the list endpoints; each adds its own from-filter. */
function pagingShape(fields: readonly SortField[]) {
  return {
    page: integerParam(1, 1_000_000_000).default(1),
    pageSize: integerParam(1, 1000).default(100),
    sort: z
      .string()
      .regex(
        new RegExp(`^(${fields.join('|')}):(asc|desc)$`),
        `must be <field>:<asc|desc> with field ${fields.join(' or ')}`,
      )
      .optional(),
  };
}

function listQuery(
  fields: readonly SortField[],
  query: { page: number; pageSize: number; sort?: string },
  from: number | undefined,
): ListQuery {
  const [field, direction] = (query.sort ?? `${fields[0]}:asc`).split(':');
  return {
    page: query.page,
    pageSize: query.pageSize,
    field: field === 'updatedAt' ? 'updatedAt' : 'createdAt',
    descending: direction === 'desc',
    from,
  };
}

const CREATED_ONLY = ['createdAt'] as const;
// The Generic connector asks for updatedAt:asc, so the first field is the default.
const TRANSACTION_FIELDS = ['updatedAt', 'createdAt'] as const;

const createdListQuery = z
  .object({ ...pagingShape(CREATED_ONLY), createdAtFrom: dateTimeParam.optional() })
  .transform((query) => listQuery(CREATED_ONLY, query, query.createdAtFrom));

const transactionsQuery = z
  .object({ ...pagingShape(TRANSACTION_FIELDS), updatedAtFrom: dateTimeParam.optional() })
  .transform((query) => listQuery(TRANSACTION_FIELDS, query, query.updatedAtFrom));

const initiationBody = z.object({
  idempotencyKey: z.string().min(1).max(256),
  amount: positiveAmountString,
  currency: z.string().min(1).max(32),
  sourceAccountId: z.string().min(1).max(256),
  destinationAccountId: z.string().min(1).max(256),
  description: z.string().max(1000).optional(),
  metadata: metadataSchema.optional(),
});

/** Contract paths in the `{param}` form the stats report. */
const endpointNames = new Map<string, string>();
function endpointOf(request: FastifyRequest): string {
  const key = `${request.method} ${request.routeOptions.url ?? request.url}`;
  let name = endpointNames.get(key);
  if (name === undefined) {
    name = key.replace(/:(\w+)/g, '{$1}');
    endpointNames.set(key, name);
  }
  return name;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function sendJsonArray(reply: FastifyReply, parts: string[]) {
  return reply.type('application/json; charset=utf-8').send(`[${parts.join(',')}]`);
}

/** One page of a sorted index, after the tenant's filter and page-size faults. */
function pageOf<T>(tenant: Tenant, index: SortedIndex<T>, query: ListQuery): T[] {
  const size = tenant.traffic.effectivePageSize(query.pageSize);
  return index.page({
    from: tenant.traffic.effectiveFilter(query.from),
    offset: (query.page - 1) * size,
    limit: size,
    descending: query.descending,
  });
}

/**
 * Transactions sorted by createdAt but filtered on updatedAt: no index serves that, so this rare combination
 * scans, stopping as soon as the page is full.
 */
function scanByCreated(tenant: Tenant, query: ListQuery): Transaction[] {
  const from = tenant.traffic.effectiveFilter(query.from);
  if (from === undefined) return pageOf(tenant, tenant.transactionsByCreated, query);
  const size = tenant.traffic.effectivePageSize(query.pageSize);
  const all = tenant.transactionsByCreated.all();
  let skip = (query.page - 1) * size;
  const page: Transaction[] = [];
  for (let i = 0; i < all.length && page.length < size; i++) {
    const transaction = all[query.descending ? all.length - 1 - i : i] as Transaction;
    if (transaction.updatedAtMs < from) continue;
    if (skip > 0) skip -= 1;
    else page.push(transaction);
  }
  return page;
}

export async function contractRoutes(app: FastifyInstance, options: ContractRoutesOptions): Promise<void> {
  const { registry, dispatcher } = options;

  // Faults answer before the endpoint does anything, and only on this contract (never on /admin).
  app.addHook('onRequest', async (request) => {
    const tenant = tenantOf(request, registry);
    const refusal = tenant.traffic.admit(endpointOf(request), Date.now());
    const latency = tenant.traffic.faults.latencyMs ?? 0;
    if (latency > 0) await sleep(latency);
    if (refusal) throw refusal;
  });

  // After the endpoint did its work (an unauthenticated request has no tenant, and no delay).
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode === 401) return payload;
    const delay = tenantOf(request, registry).traffic.faults.answerDelayMs ?? 0;
    if (delay > 0) await sleep(delay);
    return payload;
  });

  app.get('/accounts', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const query = parseOrThrow(createdListQuery, request.query, 'query');
    return sendJsonArray(reply, pageOf(tenant, tenant.accountsByCreated, query).map(accountJson));
  });

  app.get<{ Params: { accountId: string } }>('/accounts/:accountId/balances', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const account = tenant.accounts.get(request.params.accountId);
    if (!account) throw notFoundError(`account ${request.params.accountId} not found`);
    return reply.send(contractBalances(tenant, account));
  });

  app.get('/beneficiaries', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const query = parseOrThrow(createdListQuery, request.query, 'query');
    return sendJsonArray(reply, pageOf(tenant, tenant.beneficiariesByCreated, query).map(beneficiaryJson));
  });

  app.get('/transactions', async (request, reply) => {
    const tenant = tenantOf(request, registry);
    const query = parseOrThrow(transactionsQuery, request.query, 'query');
    const page =
      query.field === 'updatedAt'
        ? pageOf(tenant, tenant.transactionsByUpdated, query)
        : scanByCreated(tenant, query);
    return sendJsonArray(reply, page.map(transactionJson));
  });

  for (const kind of ['payout', 'transfer'] as const satisfies readonly InitiationKind[]) {
    const path = `/${kind}s`;

    app.post(path, async (request, reply) => {
      const tenant = tenantOf(request, registry);
      const body = parseOrThrow(initiationBody, request.body, 'body');
      const asset = parseOrThrow(currencySchema, body.currency, 'currency');
      const { transaction, replayed } = tenant.initiate({ kind, ...body, asset });
      return reply.code(replayed ? 200 : 201).send(initiationObject(transaction));
    });

    app.get<{ Params: { id: string } }>(`${path}/:id`, async (request, reply) => {
      const tenant = tenantOf(request, registry);
      const transaction = tenant.transactions.get(request.params.id);
      if (transaction?.initiation?.kind !== kind)
        throw notFoundError(`${kind} ${request.params.id} not found`);
      return reply.send(initiationObject(transaction));
    });
  }

  // A child context inherits the hooks above, so registration sees the same faults and counters.
  await app.register(webhookRoutes, { registry, dispatcher });
}
