// A fake Column for tests and for the shared console and CLI install tests: its documented endpoints over the kit's FakePsp, with the fixtures loaded.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import { FakePsp, type FakeRequest, type FakeResponse, type RunningFake } from '../sdk/testing/fake-psp.js';
import { stripeListPages } from '../sdk/testing/pagination.js';
import type { Rail } from './mapping.js';
import { signatureOf } from './webhooks.js';

export type Json = Record<string, unknown>;

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

export const TEST_KEY = 'test_column_fake_key';

/** A transfer the fake holds: the rail's own object, and the rail (the fake's bookkeeping). */
export interface HeldTransfer {
  rail: Rail;
  object: Json;
}

/** The state of the fake Column, open to tests that change it between passes. */
export interface ColumnWorld {
  apiKey: string;
  bankAccounts: Json[];
  counterparties: Json[];
  transfers: HeldTransfer[];
  webhookEndpoints: Json[];
  /** Runs before each page of a list (a transfer "arriving" between two pages, say). */
  beforeListPage?: (path: string, request: FakeRequest) => void;
}

const RAIL_FIXTURES: [Rail, string][] = [
  ['book', 'transfers/book.json'],
  ['ach', 'transfers/ach.json'],
  ['wire', 'transfers/wire.json'],
  ['international_wire', 'transfers/international-wire.json'],
  ['realtime', 'transfers/realtime.json'],
];

export function fixtureTransfers(): HeldTransfer[] {
  return RAIL_FIXTURES.flatMap(([rail, file]) => fixture<Json[]>(file).map((object) => ({ rail, object })));
}

/** A fresh world with the fixtures. */
export function newWorld(): ColumnWorld {
  return {
    apiKey: TEST_KEY,
    bankAccounts: fixture<Json[]>('bank-accounts.json'),
    counterparties: fixture<Json[]>('counterparties.json'),
    transfers: fixtureTransfers(),
    webhookEndpoints: [],
  };
}

/** A transfer as `GET /transfers` lists it: every rail in one shape, with its `type`. */
export function listEntryOf(held: HeldTransfer): Json {
  const t = held.object;
  const incoming = t.is_incoming === true;
  const type =
    held.rail === 'ach'
      ? t.type === 'DEBIT'
        ? 'ach_debit'
        : 'ach_credit'
      : held.rail === 'international_wire'
        ? 'swift'
        : held.rail;
  const internal = (id: unknown) =>
    id ? { bank_account_id: id, account_number_id: t.account_number_id ?? null } : null;
  const book = held.rail === 'book';
  return {
    id: t.id,
    created_at: t.created_at,
    updated_at: t.updated_at ?? t.created_at,
    completed_at: t.completed_at ?? null,
    status: t.status,
    type,
    amount: t.amount,
    currency_code: t.currency_code,
    is_incoming: book ? false : incoming,
    idempotency_key: t.idempotency_key ?? '',
    description: t.description ?? '',
    sender_internal_account: book
      ? internal(t.sender_bank_account_id)
      : incoming
        ? null
        : internal(t.bank_account_id),
    receiver_internal_account: book
      ? internal(t.receiver_bank_account_id)
      : incoming
        ? internal(t.bank_account_id)
        : null,
    external_source:
      !book && incoming ? { counterparty_id: t.counterparty_id, bank_name: '', sender_name: '' } : null,
    external_destination: !book && !incoming ? { counterparty_id: t.counterparty_id } : null,
  };
}

/** Column lists newest first; records of one second in a fixed order (the id, descending). */
const newestFirst = (a: Json, b: Json) =>
  Date.parse(String(b.created_at)) - Date.parse(String(a.created_at)) ||
  String(b.id).localeCompare(String(a.id));

const refusal = (status: number, type: string, code: string, message: string): FakeResponse => ({
  status,
  json: { type, code, message, documentation_url: 'https://column.com/docs/errors' },
});

const RAIL_ROUTES: [Rail, string][] = [
  ['book', '/transfers/book'],
  ['ach', '/transfers/ach'],
  ['wire', '/transfers/wire'],
  ['international_wire', '/transfers/international-wire'],
  ['realtime', '/transfers/realtime'],
];

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A transfer Column would create for a POST on `rail`, as the rail's object. */
function created(rail: Rail, body: Json, key: string | undefined): Json {
  const now = iso(new Date());
  const prefix = { book: 'book', ach: 'acht', wire: 'wire', international_wire: 'swft', realtime: 'rttr' }[
    rail
  ];
  const base: Json = {
    id: `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    created_at: now,
    updated_at: now,
    idempotency_key: key ?? '',
    amount: body.amount,
    currency_code: body.currency_code,
    description: body.description ?? '',
    allow_overdraft: body.allow_overdraft ?? false,
  };
  if (rail === 'book') {
    return {
      ...base,
      sender_bank_account_id: body.sender_bank_account_id,
      receiver_bank_account_id: body.receiver_bank_account_id,
      status: 'COMPLETED',
    };
  }
  return {
    ...base,
    bank_account_id: body.bank_account_id,
    counterparty_id: body.counterparty_id,
    is_incoming: false,
    ...(rail === 'ach'
      ? {
          type: body.type,
          entry_class_code: body.entry_class_code,
          status: 'INITIATED',
          same_day: body.same_day ?? false,
        }
      : rail === 'international_wire'
        ? {
            status: 'INITIATED',
            charge_bearer: body.charge_bearer ?? 'SHAR',
            fx_quote_id: body.fx_quote_id ?? null,
          }
        : { status: 'INITIATED' }),
  };
}

/** Installs the fake Column's routes on `psp`, serving `world`. */
export function serveColumn(psp: FakePsp, world: ColumnWorld): void {
  const authorized = (request: FakeRequest) =>
    request.headers.authorization === `Basic ${Buffer.from(`:${world.apiKey}`).toString('base64')}`;
  const unauthorized = () => refusal(401, 'authentication_error', 'unauthorized', 'Invalid API key provided');
  // Anything without the key is refused first, as Column does.
  psp.route('*', '/*', (request) =>
    authorized(request)
      ? refusal(404, 'invalid_request_error', 'not_found', `no route ${request.path}`)
      : unauthorized(),
  );
  const authed =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) =>
      authorized(request) ? handler(request) : unauthorized();
  /** A Column list under `key`, newest first, paged with starting_after / ending_before. */
  const list = (path: string, key: string, source: () => Json[]) => {
    const pages = stripeListPages(source, { sort: newestFirst, maxSize: 100 });
    psp.route(
      'GET',
      path,
      authed(async (request) => {
        world.beforeListPage?.(path, request);
        const answer = await pages(request);
        if ((answer.status ?? 200) !== 200) {
          return refusal(400, 'invalid_request_error', 'invalid_cursor', 'the cursor names no object');
        }
        const body = answer.json as { data: Json[]; has_more: boolean };
        return { json: { [key]: body.data, has_more: body.has_more } };
      }),
    );
  };
  list('/bank-accounts', 'bank_accounts', () => world.bankAccounts);
  list('/counterparties', 'counterparties', () => world.counterparties);
  list('/transfers', 'transfers', () => world.transfers.map(listEntryOf));
  psp.route(
    'GET',
    '/bank-accounts/:id',
    authed((r) => {
      const found = world.bankAccounts.find((a) => a.id === r.params.id);
      return found
        ? { json: found }
        : refusal(404, 'invalid_request_error', 'not_found', 'bank account not found');
    }),
  );
  for (const [rail, path] of RAIL_ROUTES) {
    psp.route(
      'GET',
      `${path}/:id`,
      authed((r) => {
        const found = world.transfers.find((t) => t.rail === rail && t.object.id === r.params.id);
        return found
          ? { json: found.object }
          : refusal(404, 'invalid_request_error', 'not_found', 'transfer not found');
      }),
    );
    psp.write(
      'POST',
      path,
      { header: 'idempotency-key' },
      authed((r) => {
        const body = r.json() as Json;
        if (typeof body.amount !== 'bigint' && typeof body.amount !== 'number') {
          return refusal(400, 'invalid_request_error', 'invalid_amount', 'amount must be an integer');
        }
        if (Number(body.amount) <= 0)
          return refusal(400, 'invalid_request_error', 'invalid_amount', 'amount must be positive');
        const object = created(rail, body, r.headers['idempotency-key']);
        world.transfers.push({ rail, object });
        return { json: object };
      }),
    );
  }
  // ACH transfers only: a list filtered as the reversal's look-up asks.
  psp.route(
    'GET',
    '/transfers/ach',
    authed((r) => {
      const since = r.query.get('created.gte');
      const found = world.transfers
        .filter((t) => t.rail === 'ach')
        .map((t) => t.object)
        .filter(
          (t) => !r.query.get('bank_account_id') || t.bank_account_id === r.query.get('bank_account_id'),
        )
        .filter(
          (t) => !r.query.get('counterparty_id') || t.counterparty_id === r.query.get('counterparty_id'),
        )
        .filter((t) => !since || Date.parse(String(t.created_at)) >= Date.parse(since))
        .sort(newestFirst);
      return { json: { transfers: found, has_more: false } };
    }),
  );
  psp.write(
    'POST',
    '/transfers/ach/:id/reverse',
    { header: 'idempotency-key' },
    authed((r) => {
      const original = world.transfers.find((t) => t.rail === 'ach' && t.object.id === r.params.id);
      if (!original) return refusal(404, 'invalid_request_error', 'not_found', 'ACH transfer not found');
      const body = r.json() as Json;
      const reversal = created(
        'ach',
        {
          amount: original.object.amount,
          currency_code: original.object.currency_code,
          bank_account_id: original.object.bank_account_id,
          counterparty_id: original.object.counterparty_id,
          description: body.description,
          type: original.object.type === 'DEBIT' ? 'CREDIT' : 'DEBIT',
          entry_class_code: original.object.entry_class_code,
        },
        r.headers['idempotency-key'],
      );
      reversal.reversal_pair_transfer_id = original.object.id;
      reversal.reversal_reason = body.reason;
      original.object.reversal_pair_transfer_id = reversal.id;
      world.transfers.push({ rail: 'ach', object: reversal });
      return { json: reversal };
    }),
  );
  psp.write(
    'POST',
    '/counterparties',
    { header: 'idempotency-key' },
    authed((r) => {
      const body = r.json() as Json;
      if (!body.routing_number || !body.account_number) {
        return refusal(
          400,
          'invalid_request_error',
          'missing_field',
          'routing_number and account_number are required',
        );
      }
      const now = iso(new Date());
      const counterparty: Json = {
        id: `cpty_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        created_at: now,
        updated_at: now,
        description: null,
        is_column_account: false,
        wire: null,
        ...body,
      };
      world.counterparties.push(counterparty);
      return { json: counterparty };
    }),
  );
  psp.route(
    'GET',
    '/webhook-endpoints',
    authed(() => ({ json: { webhook_endpoints: world.webhookEndpoints, has_more: false } })),
  );
  psp.route(
    'POST',
    '/webhook-endpoints',
    authed((r) => {
      const body = r.json() as Json;
      if (!String(body.url ?? '').startsWith('https://')) {
        return refusal(400, 'invalid_request_error', 'invalid_url', 'url must be an https URL');
      }
      const now = iso(new Date());
      const endpoint: Json = {
        id: `wbhk_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        url: body.url,
        enabled_events: body.enabled_events ?? [],
        description: body.description ?? '',
        secret: `whsec_${randomUUID().replace(/-/g, '')}`,
        is_disabled: false,
        created_at: now,
        updated_at: now,
      };
      world.webhookEndpoints.push(endpoint);
      return { json: endpoint };
    }),
  );
  psp.route(
    'DELETE',
    '/webhook-endpoints/:id',
    authed((r) => {
      const index = world.webhookEndpoints.findIndex((e) => e.id === r.params.id);
      if (index < 0) return refusal(404, 'invalid_request_error', 'not_found', 'webhook endpoint not found');
      const [removed] = world.webhookEndpoints.splice(index, 1);
      return { json: removed };
    }),
  );
}

/** An event as Column delivers it, and its signature under `secret`. */
export function signedEvent(
  secret: string,
  type: string,
  data: unknown,
  id = `evnt_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ id, created_at: iso(new Date()), type, data });
  return {
    body,
    headers: { 'Column-Signature': signatureOf(body, secret), 'Webhook-Endpoint-Id': 'wbhk_fake' },
  };
}

/** The install config for a fake: what a user would type in the console form. */
export function configFor(psp: FakePsp, world: ColumnWorld): Record<string, string> {
  return { apiKey: world.apiKey, endpoint: psp.url };
}

/** What the fixtures hold: bank accounts and counterparties (accounts in Paybridge), transfers. */
export const FIXTURE_COUNTS = { accounts: 3 + 3, payments: 11 };

/** A fake Column with the fixtures, for the integrator's console-form and CLI install tests. */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveColumn(psp, world);
  return {
    psp,
    config: configFor(psp, world),
    expected: { accounts: FIXTURE_COUNTS.accounts, payments: FIXTURE_COUNTS.payments },
    close: () => psp.stop(),
  };
}
