// A fake Increase for tests and the shared install tests: the fixtures behind Increase's documented endpoints, with its auth, newest-first cursor lists, Idempotency-Key and event subscriptions.
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import { FakePsp, type FakeRequest, type FakeResponse, type RunningFake } from '../sdk/testing/fake-psp.js';
import { cursorPages } from '../sdk/testing/pagination.js';

export const FAKE_API_KEY = 'sandbox_key_paybridge_fake_0123456789';
export const IDEMPOTENCY = { header: 'Idempotency-Key' } as const;

export type Obj = Record<string, unknown> & { id: string; created_at: string };

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

/** What a fake Increase holds; tests change it (a new row, a settled transfer) between passes. */
export interface IncreaseWorld {
  accounts: Obj[];
  balances: Record<string, { current_balance: number | bigint; available_balance: number | bigint }>;
  externalAccounts: Obj[];
  transactions: Obj[];
  pendingTransactions: Obj[];
  declinedTransactions: Obj[];
  transfers: Obj[];
  eventSubscriptions: Obj[];
  /** Ids handed out, per prefix. */
  counter: number;
}

export function newWorld(): IncreaseWorld {
  return {
    accounts: fixture('accounts.json'),
    balances: fixture('balances.json'),
    externalAccounts: fixture('external_accounts.json'),
    transactions: fixture('transactions.json'),
    pendingTransactions: fixture('pending_transactions.json'),
    declinedTransactions: fixture('declined_transactions.json'),
    transfers: [],
    eventSubscriptions: [],
    counter: 0,
  };
}

/** Increase's error body (`status`, `type`, `title`, `detail`). */
export function increaseError(status: number, type: string, title: string, detail?: string): FakeResponse {
  return { status, json: { status, type, title, ...(detail ? { detail } : {}) } };
}

/** Newest first, as Increase lists; one second's records in descending id order. */
const newestFirst = (a: Obj, b: Obj) =>
  Date.parse(b.created_at) - Date.parse(a.created_at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** `created_at.after|before|on_or_after|on_or_before`, as the SDK encodes them (dots). */
function createdFilter(item: Obj, request: FakeRequest): boolean {
  const at = Date.parse(item.created_at);
  const bound = (name: string, ok: (limit: number) => boolean) => {
    const value = request.query.get(`created_at.${name}`);
    return value === null || ok(Date.parse(value));
  };
  return (
    bound('after', (l) => at > l) &&
    bound('before', (l) => at < l) &&
    bound('on_or_after', (l) => at >= l) &&
    bound('on_or_before', (l) => at <= l)
  );
}

export function nextId(world: IncreaseWorld, prefix: string): string {
  world.counter += 1;
  return `${prefix}_fake${String(world.counter).padStart(16, '0')}`;
}

/** Serves `world` at `psp` under Increase's paths; every request must carry `Bearer <apiKey>`. */
export function serveIncrease(psp: FakePsp, world: IncreaseWorld, apiKey = FAKE_API_KEY): void {
  const guard =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) =>
      request.headers.authorization === `Bearer ${apiKey}`
        ? handler(request)
        : increaseError(
            401,
            'invalid_api_key_error',
            'Invalid API key',
            'The API key provided is not valid.',
          );
  const list = (items: () => Obj[], extra?: (item: Obj, request: FakeRequest) => boolean) =>
    guard(
      cursorPages(items, {
        filter: (item, request) => createdFilter(item, request) && (extra ? extra(item, request) : true),
        sort: newestFirst,
        defaultSize: 100,
        maxSize: 100,
      }),
    );
  const one = (items: () => Obj[], what: string) =>
    guard((request) => {
      const found = items().find((item) => item.id === request.params.id);
      return found
        ? { json: found }
        : increaseError(404, 'object_not_found_error', `Could not find the ${what}.`);
    });

  psp.route(
    'GET',
    '/accounts',
    list(() => world.accounts),
  );
  psp.route(
    'GET',
    '/accounts/:id',
    one(() => world.accounts, 'account'),
  );
  psp.route(
    'GET',
    '/accounts/:id/balance',
    guard((request) => {
      const balance = world.balances[request.params.id ?? ''];
      if (!balance) return increaseError(404, 'object_not_found_error', 'Could not find the account.');
      return { json: { type: 'balance_lookup', account_id: request.params.id, loan: null, ...balance } };
    }),
  );
  psp.route(
    'GET',
    '/external_accounts',
    list(() => world.externalAccounts),
  );
  psp.route(
    'GET',
    '/external_accounts/:id',
    one(() => world.externalAccounts, 'external account'),
  );
  psp.route(
    'GET',
    '/transactions',
    list(() => world.transactions),
  );
  psp.route(
    'GET',
    '/transactions/:id',
    one(() => world.transactions, 'transaction'),
  );
  psp.route(
    'GET',
    '/pending_transactions',
    // By default Increase lists only pending ones.
    list(
      () => world.pendingTransactions,
      (item, request) =>
        (request.query.get('status.in') ?? 'pending').split(',').includes(String(item.status)),
    ),
  );
  psp.route(
    'GET',
    '/pending_transactions/:id',
    one(() => world.pendingTransactions, 'pending transaction'),
  );
  psp.route(
    'GET',
    '/declined_transactions',
    list(() => world.declinedTransactions),
  );
  psp.route(
    'GET',
    '/declined_transactions/:id',
    one(() => world.declinedTransactions, 'declined transaction'),
  );
  for (const kind of [
    'account_transfers',
    'ach_transfers',
    'wire_transfers',
    'real_time_payments_transfers',
  ]) {
    const type = kind.slice(0, -1);
    psp.route(
      'GET',
      `/${kind}/:id`,
      one(() => world.transfers.filter((t) => t.type === type), type),
    );
    psp.write(
      'POST',
      `/${kind}`,
      IDEMPOTENCY,
      guard((request) => createTransfer(world, type, request)),
    );
  }
  psp.write(
    'POST',
    '/external_accounts',
    IDEMPOTENCY,
    guard((request) => {
      const body = request.json() as Record<string, unknown>;
      const account: Obj = {
        id: nextId(world, 'external_account'),
        account_holder: body.account_holder ?? 'unknown',
        account_number: body.account_number,
        created_at: new Date().toISOString(),
        description: body.description,
        funding: body.funding ?? 'checking',
        idempotency_key: request.headers['idempotency-key'] ?? null,
        routing_number: body.routing_number,
        status: 'active',
        type: 'external_account',
      };
      world.externalAccounts.push(account);
      return { json: account };
    }),
  );
  psp.route(
    'GET',
    '/event_subscriptions',
    list(() => world.eventSubscriptions),
  );
  psp.write(
    'POST',
    '/event_subscriptions',
    IDEMPOTENCY,
    guard((request) => {
      const body = request.json() as Record<string, unknown>;
      const subscription: Obj = {
        id: nextId(world, 'event_subscription'),
        created_at: new Date().toISOString(),
        idempotency_key: request.headers['idempotency-key'] ?? null,
        oauth_connection_id: null,
        selected_event_categories: body.selected_event_categories ?? null,
        status: body.status ?? 'active',
        type: 'event_subscription',
        url: body.url,
        // Kept by the fake to sign deliveries; Increase never shows it again.
        shared_secret: body.shared_secret,
      };
      world.eventSubscriptions.push(subscription);
      return { json: shown(subscription) };
    }),
  );
  psp.route(
    'PATCH',
    '/event_subscriptions/:id',
    guard((request) => {
      const subscription = world.eventSubscriptions.find((s) => s.id === request.params.id);
      if (!subscription)
        return increaseError(404, 'object_not_found_error', 'Could not find the event subscription.');
      subscription.status = (request.json() as { status?: string }).status ?? subscription.status;
      return { json: shown(subscription) };
    }),
  );
}

/** A subscription as Increase answers it: never with its shared secret. */
function shown(subscription: Obj): Obj {
  return Object.fromEntries(Object.entries(subscription).filter(([key]) => key !== 'shared_secret')) as Obj;
}

/**
 * A transfer as Increase creates it: an account transfer completes at once (a debit and a credit row
 * are posted); ACH, wire and RTP transfers wait for submission with a pending row (see `settle`).
 */
function createTransfer(world: IncreaseWorld, type: string, request: FakeRequest): FakeResponse {
  const body = request.json() as Record<string, unknown>;
  const amount = body.amount;
  if (typeof amount !== 'number' && typeof amount !== 'bigint') {
    return increaseError(400, 'invalid_parameters_error', 'Invalid parameters', 'amount is required');
  }
  const now = new Date().toISOString();
  const account = String(body.account_id ?? world.accounts[0]?.id);
  const transfer: Obj = {
    id: nextId(world, type),
    type,
    account_id: account,
    amount,
    currency: 'USD',
    created_at: now,
    status: type === 'account_transfer' ? 'complete' : 'pending_submission',
    destination_account_id: body.destination_account_id ?? null,
    external_account_id: body.external_account_id ?? null,
    idempotency_key: request.headers['idempotency-key'] ?? null,
    description: body.description ?? body.statement_descriptor ?? '',
  };
  world.transfers.push(transfer);
  if (type === 'account_transfer') {
    const intention = {
      amount,
      currency: 'USD',
      description: transfer.description,
      destination_account_id: body.destination_account_id,
      source_account_id: account,
      transfer_id: transfer.id,
    };
    for (const [accountId, sign] of [
      [account, -1],
      [String(body.destination_account_id), 1],
    ] as const) {
      world.transactions.push(
        row(
          world,
          'transaction',
          accountId,
          sign * Number(amount),
          now,
          'account_transfer_intention',
          intention,
        ),
      );
    }
  } else {
    const pending = row(world, 'pending_transaction', account, -Number(amount), now, `${type}_instruction`, {
      amount,
      transfer_id: transfer.id,
    });
    world.pendingTransactions.push({
      ...pending,
      status: 'pending',
      completed_at: null,
      held_amount: Number(amount),
    });
  }
  return { json: transfer };
}

function row(
  world: IncreaseWorld,
  type: 'transaction' | 'pending_transaction' | 'declined_transaction',
  accountId: string,
  amount: number,
  createdAt: string,
  category: string,
  detail: Record<string, unknown>,
): Obj {
  return {
    id: nextId(world, type),
    account_id: accountId,
    amount,
    created_at: createdAt,
    currency: 'USD',
    description: String(detail.description ?? category),
    route_id: null,
    route_type: null,
    source: { category, [category]: detail },
    type,
  };
}

const POSTED: Record<string, string> = {
  ach_transfer: 'ach_transfer_intention',
  wire_transfer: 'wire_transfer_intention',
  real_time_payments_transfer: 'real_time_payments_transfer_acknowledgement',
};

/** Increase submits a transfer: its status moves on, the pending row completes, the posted row appears. */
export function settle(world: IncreaseWorld, transferId: string, at = new Date()): Obj {
  const transfer = world.transfers.find((t) => t.id === transferId);
  if (!transfer) throw new Error(`no transfer ${transferId}`);
  transfer.status = transfer.type === 'ach_transfer' ? 'submitted' : 'complete';
  const now = at.toISOString();
  for (const pending of world.pendingTransactions) {
    const source = pending.source as Record<string, { transfer_id?: string }>;
    if (Object.values(source).some((d) => typeof d === 'object' && d.transfer_id === transferId)) {
      pending.status = 'complete';
      pending.completed_at = now;
    }
  }
  const posted = row(
    world,
    'transaction',
    String(transfer.account_id),
    -Number(transfer.amount),
    now,
    POSTED[String(transfer.type)] ?? 'other',
    {
      amount: -Number(transfer.amount),
      transfer_id: transfer.id,
    },
  );
  world.transactions.push(posted);
  return posted;
}

/** The accounts (internal and external) and distinct payments an install ingests from the fixtures. */
export const EXPECTED = { accounts: 5, payments: 10 };

export function configFor(psp: FakePsp): Record<string, string> {
  return { apiKey: FAKE_API_KEY, endpoint: psp.url };
}

export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  serveIncrease(psp, newWorld());
  return { psp, config: configFor(psp), expected: EXPECTED, close: () => psp.stop() };
}
