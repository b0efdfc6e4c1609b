// A fake Currencycloud for tests and for the shared console and CLI install tests: its documented endpoints over the kit's FakePsp, with the fixtures loaded.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import { FakePsp, type FakeRequest, type FakeResponse, type RunningFake } from '../sdk/testing/fake-psp.js';

export type Json = Record<string, unknown>;

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

export const TEST_LOGIN_ID = 'treasury@acme.example';
/** CC's keys are 64 hex digits. */
export const TEST_API_KEY = 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef';
export const HOUSE_ACCOUNT = 'a0c1e2d3-0000-4000-8000-000000000001';

/** The state of the fake Currencycloud, open to tests that change it between passes. */
export interface CurrencycloudWorld {
  loginID: string;
  apiKey: string;
  /** Tokens issued and not yet expired. */
  tokens: Set<string>;
  accounts: Json[];
  balances: Json[];
  beneficiaries: Json[];
  transactions: Json[];
  transfers: Json[];
  payments: Json[];
  /** Runs before each transactions listing (a transaction "arriving" between two pages, say). */
  beforeTransactionsPage?: (request: FakeRequest) => void;
}

export function newWorld(): CurrencycloudWorld {
  return {
    loginID: TEST_LOGIN_ID,
    apiKey: TEST_API_KEY,
    tokens: new Set(),
    accounts: fixture<Json[]>('accounts.json'),
    balances: fixture<Json[]>('balances.json'),
    beneficiaries: fixture<Json[]>('beneficiaries.json'),
    transactions: fixture<Json[]>('transactions.json'),
    transfers: [],
    payments: [],
  };
}

/** CC's error body. */
export const ccRefusal = (
  status: number,
  errorCode: string,
  field: string,
  code: string,
  message: string,
) => ({
  status,
  json: { error_code: errorCode, error_messages: { [field]: [{ code, message, params: {} }] } },
});

const unauthorised = () =>
  ccRefusal(
    401,
    'auth_failed',
    'username',
    'invalid_supplied_credentials',
    'Authentication failed with the supplied credentials',
  );

/** CC's timestamps: `2026-01-05T09:00:00+00:00`. */
export const ccTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, '+00:00');

/** Page `page` of `items` with CC's pagination object (next_page -1 on the last page). */
function paged(key: string, items: Json[], params: URLSearchParams, order: string): FakeResponse {
  const perPage = Math.max(1, Number(params.get('per_page') ?? 10));
  const page = Math.max(1, Number(params.get('page') ?? 1));
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  return {
    json: {
      [key]: items.slice((page - 1) * perPage, page * perPage),
      pagination: {
        total_entries: items.length,
        total_pages: totalPages,
        current_page: page,
        per_page: perPage,
        previous_page: page > 1 ? page - 1 : -1,
        next_page: page < totalPages ? page + 1 : -1,
        order,
        order_asc_desc: params.get('order_asc_desc') ?? 'asc',
      },
    },
  };
}

/** Sorts as CC does: by the `order` field (created_at by default), ties by id, so pages are stable. */
function sorted(items: Json[], params: URLSearchParams): { items: Json[]; order: string } {
  const order = params.get('order') ?? 'created_at';
  const sign = params.get('order_asc_desc') === 'desc' ? -1 : 1;
  const key = (x: Json) => Date.parse(String(x[order]));
  return {
    order,
    items: [...items].sort((a, b) => sign * (key(a) - key(b) || String(a.id).localeCompare(String(b.id)))),
  };
}

/** `scope`: CC lists the house account's own records unless asked for `all` (or `clients`). */
function inScope(item: Json, params: URLSearchParams): boolean {
  const scope = params.get('scope') ?? 'own';
  const own = item.account_id === undefined || item.account_id === HOUSE_ACCOUNT;
  return scope === 'all' || (scope === 'own' ? own : !own);
}

/** Installs the fake Currencycloud's routes on `psp`, serving `world`. */
export function serveCurrencycloud(psp: FakePsp, world: CurrencycloudWorld): void {
  psp.route('*', '/*', (request) =>
    world.tokens.has(request.headers['x-auth-token'] ?? '')
      ? { status: 404, json: { error_code: 'not_found', error_messages: {} } }
      : unauthorised(),
  );
  const authed =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) =>
      world.tokens.has(request.headers['x-auth-token'] ?? '') ? handler(request) : unauthorised();

  psp.route('POST', '/v2/authenticate/api', (request) => {
    const form = request.form();
    const loginID = form.get('login_id');
    const apiKey = form.get('api_key');
    if (!loginID)
      return ccRefusal(
        400,
        'auth_invalid_user_login_details',
        'login_id',
        'login_id_is_required',
        'login_id is required',
      );
    if (!apiKey)
      return ccRefusal(
        400,
        'auth_invalid_user_login_details',
        'api_key',
        'api_key_is_required',
        'api_key is required',
      );
    if (!/^[a-f0-9]{64}$/.test(apiKey))
      return ccRefusal(
        400,
        'auth_invalid_user_login_details',
        'api_key',
        'api_key_length_is_invalid',
        'api_key should be 64 character(s) long',
      );
    if (loginID !== world.loginID || apiKey !== world.apiKey)
      return ccRefusal(
        401,
        'auth_failed',
        'api_key',
        'invalid_supplied_credentials',
        'Authentication failed with the supplied credentials',
      );
    const token = randomBytes(16).toString('hex');
    world.tokens.add(token);
    return { json: { auth_token: token } };
  });

  const house = () => world.accounts.find((a) => a.id === HOUSE_ACCOUNT);
  psp.route(
    'GET',
    '/v2/accounts/current',
    authed(() => ({ json: house() })),
  );
  psp.route(
    'POST',
    '/v2/accounts/find',
    authed((r) => {
      const form = r.form();
      const { items, order } = sorted(world.accounts, form);
      return paged('accounts', items, form, order);
    }),
  );
  psp.route(
    'GET',
    '/v2/balances/find',
    authed((r) => {
      const { items, order } = sorted(
        world.balances.filter((b) => inScope(b, r.query)),
        r.query,
      );
      return paged('balances', items, r.query, order);
    }),
  );
  psp.route(
    'POST',
    '/v2/beneficiaries/find',
    authed((r) => {
      const form = r.form();
      const reference = form.get('beneficiary_external_reference');
      const { items, order } = sorted(
        world.beneficiaries.filter(
          (b) => reference === null || b.beneficiary_external_reference === reference,
        ),
        form,
      );
      return paged('beneficiaries', items, form, order);
    }),
  );
  // CC takes no idempotency key here: every request makes a beneficiary (the connector looks first).
  psp.route(
    'POST',
    '/v2/beneficiaries/create',
    authed((r) => {
      const form = r.form();
      for (const field of ['name', 'bank_account_holder_name', 'bank_country', 'currency']) {
        if (!form.get(field))
          return ccRefusal(
            400,
            'beneficiary_create_failed',
            field,
            `${field}_is_required`,
            `${field} is required`,
          );
      }
      const now = ccTime(new Date());
      const beneficiary = {
        id: randomUUID(),
        bank_account_holder_name: form.get('bank_account_holder_name'),
        name: form.get('name'),
        email: '',
        payment_types: ['regular'],
        beneficiary_address: [],
        beneficiary_country: form.get('beneficiary_country') ?? form.get('bank_country'),
        beneficiary_entity_type: form.get('beneficiary_entity_type') ?? 'company',
        beneficiary_company_name: form.get('beneficiary_company_name') ?? '',
        bank_country: form.get('bank_country'),
        bank_name: '',
        bank_account_type: 'checking',
        currency: form.get('currency'),
        account_number: form.get('account_number') ?? '',
        routing_code_type_1: form.get('routing_code_type_1') ?? '',
        routing_code_value_1: form.get('routing_code_value_1') ?? '',
        bic_swift: form.get('bic_swift') ?? '',
        iban: form.get('iban') ?? '',
        default_beneficiary: 'false',
        creator_contact_id: 'd1c2b3a4-0000-4000-8000-000000000001',
        bank_address: [],
        created_at: now,
        updated_at: now,
        beneficiary_external_reference: form.get('beneficiary_external_reference') ?? '',
      };
      world.beneficiaries.push(beneficiary);
      const answer = { json: beneficiary };
      psp.movements.push({
        route: 'POST /v2/beneficiaries/create',
        key: beneficiary.beneficiary_external_reference,
        request: r,
        answer,
      });
      return answer;
    }),
  );
  // updated_at_from is read as a day, whatever time it carries (the filter is coarser than the data).
  psp.route(
    'GET',
    '/v2/transactions/find',
    authed((r) => {
      world.beforeTransactionsPage?.(r);
      const from = r.query.get('updated_at_from');
      const day = from === null ? undefined : Date.parse(`${from.slice(0, 10)}T00:00:00Z`);
      const { items, order } = sorted(
        world.transactions
          .filter((t) => inScope(t, r.query))
          .filter((t) => day === undefined || Date.parse(String(t.updated_at)) >= day),
        r.query,
      );
      return paged('transactions', items, r.query, order);
    }),
  );

  // CC refuses a unique_request_id it has seen (it does not replay the first answer): the connector
  // must find what the first request made.
  psp.route(
    'POST',
    '/v2/transfers/create',
    authed((r) => {
      const form = r.form();
      const key = form.get('unique_request_id') ?? '';
      if (key && world.transfers.some((t) => t.unique_request_id === key)) {
        return ccRefusal(
          400,
          'transfer_create_failed',
          'unique_request_id',
          'duplicate_unique_request_id',
          'The unique_request_id provided for this transfer has already been used, please provide a new one to successfully submit this transfer',
        );
      }
      const known = (id: string | null) => world.accounts.some((a) => a.id === id);
      if (!known(form.get('source_account_id')) || !known(form.get('destination_account_id')))
        return ccRefusal(
          400,
          'transfer_create_failed',
          'account_id',
          'account_not_found',
          'Account not found',
        );
      const now = ccTime(new Date());
      const transfer = {
        id: randomUUID(),
        short_reference: `BT-${world.transfers.length + 1}`,
        source_account_id: form.get('source_account_id'),
        destination_account_id: form.get('destination_account_id'),
        currency: form.get('currency'),
        amount: form.get('amount'),
        status: 'completed',
        reason: form.get('reason') ?? '',
        created_at: now,
        updated_at: now,
        completed_at: now,
        creator_account_id: HOUSE_ACCOUNT,
        creator_contact_id: 'd1c2b3a4-0000-4000-8000-000000000001',
        unique_request_id: key,
      };
      world.transfers.push(transfer);
      const answer = { json: transfer };
      psp.movements.push({ route: 'POST /v2/transfers/create', key, request: r, answer });
      return answer;
    }),
  );
  psp.route(
    'GET',
    '/v2/transfers/find',
    authed((r) => {
      const key = r.query.get('unique_request_id');
      const items = world.transfers.filter((t) => key === null || t.unique_request_id === key);
      return paged('transfers', items, r.query, 'created_at');
    }),
  );
  psp.route(
    'POST',
    '/v2/payments/create',
    authed((r) => {
      const form = r.form();
      const key = form.get('unique_request_id') ?? '';
      if (!key)
        return ccRefusal(
          400,
          'payment_create_failed',
          'unique_request_id',
          'unique_request_id_is_required',
          'unique_request_id is required',
        );
      if (world.payments.some((p) => p.unique_request_id === key)) {
        return ccRefusal(
          400,
          'payment_create_failed',
          'duplicate_request',
          'duplicate_request',
          'The unique_request_id provided for this payment has already been used, please provide a new unique_request_id to successfully submit this payment',
        );
      }
      if (!world.beneficiaries.some((b) => b.id === form.get('beneficiary_id')))
        return ccRefusal(
          400,
          'payment_create_failed',
          'beneficiary_id',
          'beneficiary_not_found',
          'Beneficiary was not found for this id',
        );
      const now = ccTime(new Date());
      const payment = {
        id: randomUUID(),
        amount: form.get('amount'),
        beneficiary_id: form.get('beneficiary_id'),
        currency: form.get('currency'),
        reference: form.get('reference'),
        reason: form.get('reason'),
        status: 'ready_to_send',
        creator_contact_id: 'd1c2b3a4-0000-4000-8000-000000000001',
        payment_type: form.get('payment_type') ?? 'regular',
        transferred_at: '',
        authorisation_steps_required: '0',
        last_updater_contact_id: 'd1c2b3a4-0000-4000-8000-000000000001',
        short_reference: `P-${world.payments.length + 1}`,
        conversion_id: '',
        failure_reason: '',
        payer_id: randomUUID(),
        payer_details_source: 'account',
        created_at: now,
        updated_at: now,
        payment_date: now.slice(0, 10),
        unique_request_id: key,
        failure_returned_amount: '',
        ultimate_beneficiary_name: '',
        purpose_code: '',
        charge_type: '',
        fee_amount: '',
        fee_currency: '',
        review_status: 'passed',
      };
      world.payments.push(payment);
      const answer = { json: payment };
      psp.movements.push({ route: 'POST /v2/payments/create', key, request: r, answer });
      return answer;
    }),
  );
  psp.route(
    'GET',
    '/v2/payments/find',
    authed((r) => {
      const key = r.query.get('unique_request_id');
      const items = world.payments.filter((p) => key === null || p.unique_request_id === key);
      return paged('payments', items, r.query, 'created_at');
    }),
  );
}

/** The install config for a fake: what a user would type in the console form. */
export function configFor(psp: FakePsp, world: CurrencycloudWorld): Record<string, string> {
  return { loginID: world.loginID, apiKey: world.apiKey, endpoint: psp.url };
}

/** What the fixtures yield: 3 accounts and 3 beneficiaries; 12 of the 14 transactions (2 are unreadable). */
export const FIXTURE_COUNTS = { accounts: 3 + 3, payments: 12 };

/** A fake Currencycloud with the fixtures, for the integrator's console-form and CLI install tests. */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveCurrencycloud(psp, world);
  return {
    psp,
    config: configFor(psp, world),
    expected: { accounts: FIXTURE_COUNTS.accounts, payments: FIXTURE_COUNTS.payments },
    close: () => psp.stop(),
  };
}
