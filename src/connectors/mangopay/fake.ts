// A fake Mangopay on the kit's FakePsp: OAuth token, users, wallets, bank accounts, transactions, resources by id, hooks, and idempotent writes, from the fixtures.
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import {
  FakePsp,
  type RunningFake,
  pageNumberPages,
  type FakeRequest,
  type FakeResponse,
} from '../sdk/testing/index.js';

type Json = Record<string, unknown>;

export const FAKE_CLIENT_ID = 'paybridge-fake-client';
export const FAKE_API_KEY = 'fake-api-key-0123456789abcdef';
export const IDEMPOTENCY_HEADER = { header: 'Idempotency-Key' } as const;

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

/** The fake's data, which a test may change between passes. */
export interface MangopayData {
  users: Json[];
  wallets: Record<string, Json[]>;
  bankAccounts: Record<string, Json[]>;
  transactions: Record<string, Json[]>;
  refunds: Record<string, Json>;
  hooks: Json[];
  /** Access tokens the fake has issued. */
  tokens: Set<string>;
}

export function fixtureData(): MangopayData {
  return {
    users: fixture<Json[]>('users.json'),
    wallets: fixture<Record<string, Json[]>>('wallets.json'),
    bankAccounts: fixture<Record<string, Json[]>>('bank-accounts.json'),
    transactions: fixture<Record<string, Json[]>>('transactions.json'),
    refunds: fixture<Record<string, Json>>('refunds.json'),
    hooks: [],
    tokens: new Set(),
  };
}

/** Mangopay's error report. */
export function mangopayError(
  status: number,
  message: string,
  type: string,
  errors: Json = {},
): FakeResponse {
  return {
    status,
    json: { Message: message, Type: type, Id: `err-${status}`, Date: 1772323200, errors },
  };
}

const notFound = () =>
  mangopayError(404, 'The ressource does not exist', 'ressource_not_found', {
    RessourceNotFound: 'Cannot found the ressource with this Id',
  });

const seconds = (item: Json) => Number(item.CreationDate);
/** CreationDate:ASC, ties by Id: the order Mangopay's sandbox shows. */
const byCreation = (a: Json, b: Json) => seconds(a) - seconds(b) || String(a.Id).localeCompare(String(b.Id));

/**
 * A Mangopay list: page/per_page (at most 100), Sort=CreationDate:ASC or :DESC, AfterDate/BeforeDate
 * exclusive, and Type/Nature/Status filters.
 */
function listing(items: () => Json[]) {
  return pageNumberPages(items, {
    page: 'page',
    size: 'per_page',
    defaultSize: 10,
    maxSize: 100,
    filter: (item, request) => {
      const after = request.query.get('AfterDate');
      const before = request.query.get('BeforeDate');
      const matches = (field: string) => {
        const wanted = request.query.getAll(field);
        return wanted.length === 0 || wanted.includes(String(item[field]));
      };
      return (
        (after === null || seconds(item) > Number(after)) &&
        (before === null || seconds(item) < Number(before)) &&
        matches('Type') &&
        matches('Nature') &&
        matches('Status')
      );
    },
    sort: (a, b, request) => (request.query.get('Sort') === 'CreationDate:DESC' ? -1 : 1) * byCreation(a, b),
  });
}

/**
 * Serves the Mangopay API of `data` at `psp` for one client: requests with another clientId in the
 * path, or without a token the fake issued, are refused as Mangopay refuses them.
 */
export function serveMangopay(
  psp: FakePsp,
  data: MangopayData = fixtureData(),
  credentials: { clientId: string; apiKey: string } = { clientId: FAKE_CLIENT_ID, apiKey: FAKE_API_KEY },
): MangopayData {
  const base = `/v2.01/${credentials.clientId}`;
  const expectedBasic = `Basic ${Buffer.from(`${credentials.clientId}:${credentials.apiKey}`).toString('base64')}`;
  let issued = 0;
  psp.route('POST', '/v2.01/oauth/token', (request) => {
    if (
      request.headers.authorization !== expectedBasic ||
      request.form().get('grant_type') !== 'client_credentials'
    ) {
      return mangopayError(401, 'Authentication failed: invalid client credentials', 'unauthorized');
    }
    const token = `token-${credentials.clientId}-${++issued}`;
    data.tokens.add(token);
    return { json: { access_token: token, token_type: 'Bearer', expires_in: 3600 } };
  });

  // Every API call needs a token this fake issued, and the client's own id in its path.
  const authorised =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) => {
      const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (!token || !data.tokens.has(token)) {
        return mangopayError(401, 'Invalid or expired access token', 'unauthorized');
      }
      return handler(request);
    };
  const route = (
    method: string,
    path: string,
    handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>,
  ) => psp.route(method, `${base}${path}`, authorised(handler));

  route(
    'GET',
    '/users',
    listing(() => data.users),
  );
  route('GET', '/users/:id/wallets', (r) => listing(() => data.wallets[r.params.id ?? ''] ?? [])(r));
  route('GET', '/users/:id/bankaccounts', (r) =>
    listing(() => data.bankAccounts[r.params.id ?? ''] ?? [])(r),
  );
  route('GET', '/wallets/:id/transactions', (r) =>
    listing(() => data.transactions[r.params.id ?? ''] ?? [])(r),
  );
  route('GET', '/wallets/:id', (r) => {
    const wallet = Object.values(data.wallets)
      .flat()
      .find((w) => w.Id === r.params.id);
    return wallet ? { json: wallet } : notFound();
  });

  const allTransactions = () => Object.values(data.transactions).flat();
  const byId = (predicate: (t: Json) => boolean) => (r: FakeRequest) => {
    const found = allTransactions().find((t) => t.Id === r.params.id && predicate(t));
    return found ? { json: found } : notFound();
  };
  route(
    'GET',
    '/payins/:id',
    byId((t) => t.Type === 'PAYIN' && t.Nature !== 'REFUND'),
  );
  route(
    'GET',
    '/payouts/:id',
    byId((t) => t.Type === 'PAYOUT' && t.Nature !== 'REFUND'),
  );
  route(
    'GET',
    '/transfers/:id',
    byId((t) => t.Type === 'TRANSFER' && t.Nature !== 'REFUND'),
  );
  route('GET', '/refunds/:id', (r) => {
    const refund = data.refunds[r.params.id ?? ''];
    return refund ? { json: refund } : notFound();
  });

  // Hooks: one per event type and client, as Mangopay enforces.
  route(
    'GET',
    '/hooks',
    listing(() => data.hooks),
  );
  route('POST', '/hooks', (r) => {
    const body = r.json() as Json;
    if (data.hooks.some((h) => h.EventType === body.EventType)) {
      return mangopayError(400, 'A hook has already been registered for this EventType', 'param_error', {
        EventType: 'A hook has already been registered for this EventType',
      });
    }
    const hook = {
      Id: `hook_m_${data.hooks.length + 1}`,
      Tag: null,
      CreationDate: 1772323200 + data.hooks.length,
      EventType: body.EventType,
      Url: body.Url,
      Status: 'ENABLED',
      Validity: 'VALID',
    };
    data.hooks.push(hook);
    return { json: hook };
  });
  route('PUT', '/hooks/:id', (r) => {
    const hook = data.hooks.find((h) => h.Id === r.params.id);
    if (!hook) return notFound();
    const body = r.json() as Json;
    if (typeof body.Url === 'string') hook.Url = body.Url;
    if (body.Status === 'ENABLED' || body.Status === 'DISABLED') hook.Status = body.Status;
    return { json: hook };
  });

  // Writes: the first request with an Idempotency-Key acts, a repeat gets the stored answer (FakePsp.write).
  const wallet = (id: unknown) =>
    Object.values(data.wallets)
      .flat()
      .find((w) => w.Id === id);
  const balanceOf = (w: Json) => w.Balance as { Currency: string; Amount: number | bigint };
  let created = 0;
  const movementRefused = (body: Json, debited: Json | undefined): FakeResponse | undefined => {
    const funds = body.DebitedFunds as { Currency?: string; Amount?: number } | undefined;
    if (!debited)
      return mangopayError(
        400,
        'One or several required parameters are missing or incorrect',
        'param_error',
        { DebitedWalletId: 'unknown wallet' },
      );
    if (
      !funds ||
      typeof funds.Amount !== 'number' ||
      funds.Amount <= 0 ||
      funds.Currency !== debited.Currency
    ) {
      return mangopayError(
        400,
        'One or several required parameters are missing or incorrect',
        'param_error',
        { DebitedFunds: 'invalid amount or currency' },
      );
    }
    if (Number(balanceOf(debited).Amount) < funds.Amount) {
      return mangopayError(400, 'The balance of the debited wallet is insufficient', 'param_error');
    }
    return undefined;
  };
  psp.write(
    'POST',
    `${base}/transfers`,
    IDEMPOTENCY_HEADER,
    authorised((r) => {
      const body = r.json() as Json;
      const debited = wallet(body.DebitedWalletId);
      const credited = wallet(body.CreditedWalletId);
      const refused = movementRefused(body, debited) ?? (credited ? undefined : notFound());
      if (refused || !debited || !credited) return refused ?? notFound();
      const amount = (body.DebitedFunds as { Amount: number }).Amount;
      const now = 1772330000 + ++created;
      const transfer = {
        Id: `transfer_new_${created}`,
        Tag: body.Tag ?? null,
        CreationDate: now,
        AuthorId: body.AuthorId,
        CreditedUserId: (credited.Owners as string[])[0],
        DebitedFunds: body.DebitedFunds,
        CreditedFunds: body.DebitedFunds,
        Fees: body.Fees,
        Status: 'SUCCEEDED',
        ResultCode: '000000',
        ResultMessage: 'Success',
        ExecutionDate: now,
        Type: 'TRANSFER',
        Nature: 'REGULAR',
        DebitedWalletId: debited.Id,
        CreditedWalletId: credited.Id,
      };
      balanceOf(debited).Amount = Number(balanceOf(debited).Amount) - amount;
      balanceOf(credited).Amount = Number(balanceOf(credited).Amount) + amount;
      (data.transactions[String(debited.Id)] ??= []).push(transfer);
      (data.transactions[String(credited.Id)] ??= []).push(transfer);
      return { json: transfer };
    }),
  );
  psp.write(
    'POST',
    `${base}/payouts/bankwire`,
    IDEMPOTENCY_HEADER,
    authorised((r) => {
      const body = r.json() as Json;
      const debited = wallet(body.DebitedWalletId);
      const refused = movementRefused(body, debited);
      if (refused || !debited) return refused ?? notFound();
      const known = Object.values(data.bankAccounts)
        .flat()
        .some((b) => b.Id === body.BankAccountId);
      if (!known) return notFound();
      const amount = (body.DebitedFunds as { Amount: number }).Amount;
      const now = 1772330000 + ++created;
      const payout = {
        Id: `payout_new_${created}`,
        Tag: body.Tag ?? null,
        CreationDate: now,
        AuthorId: body.AuthorId,
        CreditedUserId: null,
        DebitedFunds: body.DebitedFunds,
        CreditedFunds: body.DebitedFunds,
        Fees: body.Fees,
        Status: 'CREATED',
        ResultCode: null,
        ResultMessage: null,
        ExecutionDate: null,
        Type: 'PAYOUT',
        Nature: 'REGULAR',
        DebitedWalletId: debited.Id,
        CreditedWalletId: null,
        PaymentType: 'BANK_WIRE',
        BankAccountId: body.BankAccountId,
        BankWireRef: body.BankWireRef,
      };
      balanceOf(debited).Amount = Number(balanceOf(debited).Amount) - amount;
      (data.transactions[String(debited.Id)] ??= []).push(payout);
      return { json: payout };
    }),
  );
  psp.write(
    'POST',
    `${base}/transfers/:id/refunds`,
    IDEMPOTENCY_HEADER,
    authorised((r) => {
      const transfer = allTransactions().find(
        (t) => t.Id === r.params.id && t.Type === 'TRANSFER' && t.Nature === 'REGULAR',
      );
      if (!transfer) return notFound();
      if (transfer.Status !== 'SUCCEEDED') {
        return mangopayError(400, 'The transfer cannot be refunded', 'param_error');
      }
      const debited = wallet(transfer.CreditedWalletId);
      const credited = wallet(transfer.DebitedWalletId);
      if (!debited || !credited) return notFound();
      const funds = transfer.DebitedFunds as { Currency: string; Amount: number };
      const now = 1772330000 + ++created;
      const body = r.json() as Json;
      const refund = {
        Id: `refund_new_${created}`,
        Tag: body.Tag ?? null,
        CreationDate: now,
        AuthorId: body.AuthorId,
        CreditedUserId: transfer.AuthorId,
        DebitedFunds: funds,
        CreditedFunds: funds,
        Fees: { Currency: funds.Currency, Amount: 0 },
        Status: 'SUCCEEDED',
        ResultCode: '000000',
        ResultMessage: 'Success',
        ExecutionDate: now,
        Type: 'TRANSFER',
        Nature: 'REFUND',
        DebitedWalletId: debited.Id,
        CreditedWalletId: credited.Id,
        InitialTransactionId: transfer.Id,
        InitialTransactionType: 'TRANSFER',
        RefundReason: { RefundReasonType: 'OTHER', RefundReasonMessage: null },
      };
      balanceOf(debited).Amount = Number(balanceOf(debited).Amount) - funds.Amount;
      balanceOf(credited).Amount = Number(balanceOf(credited).Amount) + funds.Amount;
      (data.transactions[String(debited.Id)] ??= []).push(refund);
      (data.transactions[String(credited.Id)] ??= []).push(refund);
      data.refunds[refund.Id] = refund;
      return { json: refund };
    }),
  );
  for (const type of ['iban', 'gb', 'us', 'ca', 'other']) {
    psp.write(
      'POST',
      `${base}/users/:id/bankaccounts/${type}`,
      IDEMPOTENCY_HEADER,
      authorised((r) => {
        const userId = r.params.id ?? '';
        if (!data.users.some((u) => u.Id === userId)) return notFound();
        const body = r.json() as Json;
        if (type === 'iban' && typeof body.IBAN !== 'string') {
          return mangopayError(
            400,
            'One or several required parameters are missing or incorrect',
            'param_error',
            { IBAN: 'required' },
          );
        }
        const account = {
          ...body,
          Id: `bankacc_new_${++created}`,
          CreationDate: 1772330000 + created,
          UserId: userId,
          Active: true,
          Type: type.toUpperCase(),
        };
        (data.bankAccounts[userId] ??= []).push(account);
        return { json: account };
      }),
    );
  }
  return data;
}

/**
 * For the integrator's console-form and CLI install tests: a fake Mangopay with the fixtures, and the
 * install config a user would type (endpoint pointing at it).
 */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  serveMangopay(psp);
  return {
    psp,
    config: { clientID: FAKE_CLIENT_ID, apiKey: FAKE_API_KEY, endpoint: psp.url },
    // Wallets and bank accounts; payments: pay-ins, the transfer and the payout (refunds are adjustments).
    expected: { accounts: 7, payments: 5 },
    close: () => psp.stop(),
  };
}
