// A fake Modulr for tests and for the shared console and CLI install tests: its documented endpoints over the kit's FakePsp, checking every request's HMAC signature, with the fixtures loaded.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LosslessNumber, parse } from 'lossless-json';
import { fromMinorUnits, toMinorUnits } from '../sdk/money.js';
import { FakePsp, type FakeRequest, type FakeResponse, type RunningFake } from '../sdk/testing/fake-psp.js';

export type Json = Record<string, unknown>;

/** Reads JSON keeping every number's literal (amounts such as 90071992547409.93 stay exact). */
const readJson = (text: string): unknown => parse(text);
const fixture = <T>(name: string): T =>
  readJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

export const TEST_API_KEY = 'modulr-test-key';
export const TEST_API_SECRET = 'NzAwZmIwMGQ0YTJiNDhkMzZjYzc3YjQ5OGQyYWMzOTI=';
export const CUSTOMER_ID = 'C1000001';

/** The state of the fake Modulr, open to tests that change it between passes. */
export interface ModulrWorld {
  apiKey: string;
  apiSecret: string;
  /** The algorithm the key was issued for (Modulr refuses a signature made with another). */
  algorithm: string;
  customers: Json[];
  accounts: Json[];
  beneficiaries: Json[];
  /** Per account, in any order (the fake lists them newest first). */
  transactions: Record<string, Json[]>;
  /** Each carries `modified` (the fake's own bookkeeping, removed from answers). */
  payments: Json[];
  /** Every nonce a request carried, with the answer of writes (replayed to a retry). */
  nonces: Map<string, FakeResponse | undefined>;
  /** Runs before each transactions listing (a transaction "arriving" between two pages, say). */
  beforeTransactionsPage?: (request: FakeRequest) => void;
  /** Requests refused for their authentication, with the reason (tests read them). */
  refused: { path: string; reason: string }[];
}

export function newWorld(): ModulrWorld {
  return {
    apiKey: TEST_API_KEY,
    apiSecret: TEST_API_SECRET,
    algorithm: 'hmac-sha1',
    customers: fixture('customers.json'),
    accounts: fixture('accounts.json'),
    beneficiaries: fixture('beneficiaries.json'),
    transactions: fixture('transactions.json'),
    payments: fixture('payments.json'),
    nonces: new Map(),
    refused: [],
  };
}

/** Modulr's error body: a list of messages. */
const refusal = (status: number, code: string, message: string, field?: string): FakeResponse => ({
  status,
  json: [{ ...(field ? { field } : {}), code, message }],
});

/** `2026-11-01T10:00:00.000+0000` (Modulr's form) as milliseconds. */
export function timeOf(value: unknown): number {
  return Date.parse(String(value).replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
}

/** A timestamp in Modulr's form. */
export function modulrStamp(at: Date): string {
  return `${at.toISOString().slice(0, 23)}+0000`;
}

const DIGESTS: Record<string, string> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};
const AUTHORIZATION =
  /^Signature keyId="([^"]+)",algorithm="([^"]+)",headers="date x-mod-nonce",signature="([^"]+)"$/;
/** How far a request's Date may be from the fake's clock. */
const DATE_TOLERANCE_MS = 5 * 60_000;

/** Why Modulr would refuse this request's authentication, or undefined when it is good. */
function authenticationProblem(world: ModulrWorld, request: FakeRequest): string | undefined {
  const header = request.headers.authorization ?? '';
  const match = AUTHORIZATION.exec(header);
  if (!match) return 'Authorization field missing, malformed or invalid';
  const [, keyId, algorithm, signature] = match;
  if (keyId !== world.apiKey) return 'Unknown API key';
  const digest = DIGESTS[algorithm ?? ''];
  if (!digest || algorithm !== world.algorithm) return `Unsupported signature algorithm ${algorithm}`;
  const date = request.headers.date;
  const nonce = request.headers['x-mod-nonce'];
  if (!date || !nonce) return 'Date and x-mod-nonce headers are required';
  if (!/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(date))
    return 'Date must be an RFC 7231 date';
  if (Math.abs(Date.parse(date) - Date.now()) > DATE_TOLERANCE_MS) return 'Date is too far from now';
  const expected = createHmac(digest, world.apiSecret)
    .update(`date: ${date}\nx-mod-nonce: ${nonce}`)
    .digest('base64');
  let given: Buffer;
  try {
    given = Buffer.from(decodeURIComponent(signature ?? ''));
  } catch {
    return 'Signature is not URL-encoded';
  }
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return 'Invalid signature';
  return undefined;
}

const withoutBookkeeping = (payment: Json): Json => {
  const rest = { ...payment };
  delete rest.modified;
  return rest;
};

function page(items: Json[], request: FakeRequest): Json {
  const size = Math.max(1, Math.min(500, Number(request.query.get('size') ?? 20) || 20));
  const number = Math.max(0, Number(request.query.get('page') ?? 0) || 0);
  return {
    content: items.slice(number * size, (number + 1) * size),
    size,
    totalSize: items.length,
    page: number,
    totalPages: Math.ceil(items.length / size),
  };
}

const byCreated = (field: string) => (a: Json, b: Json) =>
  timeOf(a[field]) - timeOf(b[field]) || String(a.id).localeCompare(String(b.id));

type Signed = (
  handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>,
) => (request: FakeRequest) => Promise<FakeResponse>;

/** Installs the fake Modulr's routes on `psp`, serving `world`. */
export function serveModulr(psp: FakePsp, world: ModulrWorld): void {
  let paymentNumber = 2000000;
  // Everything is authenticated first, as Modulr does; then its nonce is checked.
  const signed: Signed =
    (handler) =>
    async (request): Promise<FakeResponse> => {
      const problem = authenticationProblem(world, request);
      if (problem) {
        world.refused.push({ path: request.path, reason: problem });
        return refusal(401, 'PERMISSION', problem);
      }
      const nonce = request.headers['x-mod-nonce'] ?? '';
      const retry = request.headers['x-mod-retry'] === 'true';
      if (world.nonces.has(nonce)) {
        // A nonce seen before: only a retry gets anything, and a write gets its first answer again.
        if (!retry) return refusal(403, 'PERMISSION', 'Unique/allowed nonce header not found');
        const first = world.nonces.get(nonce);
        if (request.method !== 'GET') {
          return first ?? refusal(403, 'PERMISSION', 'Unique/allowed nonce header not found');
        }
      }
      world.nonces.set(nonce, undefined);
      const answer = await handler(request);
      // Modulr answers a retry of a completed request with its original answer, a refusal included.
      if (request.method !== 'GET') world.nonces.set(nonce, answer);
      return answer;
    };
  psp.route(
    '*',
    '/*',
    signed((r) => refusal(404, 'NOTFOUND', `no route for ${r.method} ${r.path}`)),
  );

  const accountsOf = (customerIds: string[]) =>
    world.accounts
      .filter((a) => customerIds.length === 0 || customerIds.includes(String(a.customerId)))
      .sort(byCreated('createdDate'));
  const accountById = (id: string | undefined) => world.accounts.find((a) => a.id === id);

  psp.route(
    'GET',
    '/customers/:customerId',
    signed((r) => {
      const customer = world.customers.find((c) => c.id === r.params.customerId);
      return customer ? { json: customer } : refusal(404, 'NOTFOUND', 'Customer not found');
    }),
  );
  psp.route(
    'GET',
    '/accounts',
    signed((r) => ({ json: page(accountsOf(r.query.getAll('customerId')), r) })),
  );
  psp.route(
    'GET',
    '/customers/:customerId/accounts',
    signed((r) => ({ json: page(accountsOf([r.params.customerId ?? '']), r) })),
  );
  psp.route(
    'GET',
    '/accounts/:accountId',
    signed((r) => {
      const account = accountById(r.params.accountId);
      return account ? { json: account } : refusal(404, 'NOTFOUND', 'Account not found');
    }),
  );
  psp.route(
    'GET',
    '/beneficiaries',
    signed((r) => {
      const customer = r.query.get('customerId');
      const since = r.query.get('modifiedSince');
      const listed = world.beneficiaries
        .filter((b) => !customer || b.customerId === customer)
        .filter((b) => !since || timeOf(b.updated ?? b.created) >= timeOf(since))
        .sort(byCreated('created'));
      return { json: page(listed, r) };
    }),
  );
  psp.route(
    'GET',
    '/accounts/:accountId/transactions',
    signed((r) => {
      if (!accountById(r.params.accountId)) return refusal(404, 'NOTFOUND', 'Account not found');
      world.beforeTransactionsPage?.(r);
      const from = r.query.get('fromPostedDate');
      const to = r.query.get('toPostedDate');
      const listed = (world.transactions[r.params.accountId ?? ''] ?? [])
        .filter((t) => !from || timeOf(t.postedDate) >= timeOf(from))
        .filter((t) => !to || timeOf(t.postedDate) <= timeOf(to))
        // Newest first, as Modulr lists them (no sort parameter).
        .sort((a, b) => -byCreated('postedDate')(a, b));
      return { json: page(listed, r) };
    }),
  );
  psp.route(
    'GET',
    '/payments',
    signed((r) => {
      const ids = [...r.query.getAll('ids'), ...r.query.getAll('id')];
      if (ids.length > 0) {
        // Read back by id: a payment still SUBMITTED has been processed by now.
        const found = world.payments.filter((p) => ids.includes(String(p.id)));
        for (const payment of found) {
          if (payment.status === 'SUBMITTED') {
            payment.status = 'PROCESSED';
            payment.modified = modulrStamp(new Date());
          }
        }
        return { json: page(found.map(withoutBookkeeping), r) };
      }
      const since = r.query.get('modifiedSince');
      const fromCreated = r.query.get('fromCreatedDate');
      if (!since && !fromCreated) {
        return refusal(400, 'INVALID', 'fromCreatedDate is mandatory', 'fromCreatedDate');
      }
      const type = r.query.get('type') ?? 'PAYOUT';
      const customers = r.query.getAll('customerId');
      const listed = world.payments
        .filter((p) => (p.type ?? 'PAYOUT') === type)
        .filter((p) => {
          if (customers.length === 0) return true;
          const source = accountById(String((p.details as Json).sourceAccountId));
          return source !== undefined && customers.includes(String(source.customerId));
        })
        .filter((p) => !since || timeOf(p.modified) >= timeOf(since))
        .filter((p) => !fromCreated || timeOf(p.createdDate) >= timeOf(fromCreated))
        .sort(byCreated('createdDate'));
      return { json: page(listed.map(withoutBookkeeping), r) };
    }),
  );
  psp.route(
    'POST',
    '/payments',
    signed((r) => {
      let body: Json;
      try {
        body = readJson(r.text()) as Json;
      } catch {
        return refusal(400, 'INVALID', 'Malformed JSON');
      }
      const source = accountById(String(body.sourceAccountId));
      if (!source) return refusal(400, 'INVALID', 'Source account not found', 'sourceAccountId');
      const destination = (body.destination ?? {}) as Json;
      const known =
        destination.type === 'ACCOUNT'
          ? accountById(String(destination.id))
          : destination.type === 'BENEFICIARY'
            ? world.beneficiaries.find((b) => b.id === destination.id)
            : undefined;
      if (!known) return refusal(400, 'INVALID', 'Destination not found', 'destination.id');
      const currency = String(body.currency ?? 'GBP');
      if (currency !== source.currency) {
        return refusal(400, 'BUSINESSRULE', 'Currency does not match the source account', 'currency');
      }
      if (!(body.amount instanceof LosslessNumber)) return refusal(400, 'INVALID', 'amount must be a number');
      let amount: bigint;
      try {
        amount = toMinorUnits(body.amount.value, currency);
      } catch {
        return refusal(400, 'INVALID', 'amount has too many decimals', 'amount');
      }
      if (amount <= 0n) return refusal(400, 'INVALID', 'amount must be positive', 'amount');
      const balance = toMinorUnits(String(source.balance), currency);
      if (balance < amount) return refusal(400, 'BUSINESSRULE', 'Insufficient funds', 'amount');
      source.balance = fromMinorUnits(balance - amount, currency);
      source.availableBalance = source.balance;
      if (destination.type === 'ACCOUNT') {
        known.balance = fromMinorUnits(toMinorUnits(String(known.balance), currency) + amount, currency);
        known.availableBalance = known.balance;
      }
      paymentNumber += 1;
      const now = modulrStamp(new Date());
      const payment: Json = {
        id: `P${paymentNumber}`,
        status: 'SUBMITTED',
        createdDate: now,
        externalReference: body.externalReference ?? '',
        details: body,
        approvalStatus: 'NOTNEEDED',
        createdBy: world.apiKey,
        type: 'PAYOUT',
        modified: now,
      };
      world.payments.push(payment);
      const answer: FakeResponse = { status: 201, json: withoutBookkeeping(payment) };
      psp.movements.push({
        route: 'POST /payments',
        key: r.headers['x-mod-nonce'] ?? '',
        request: r,
        answer,
      });
      return answer;
    }),
  );
  serveBeneficiaryCreation(psp, world, signed);
}

/** Beneficiary creation, as Modulr does it for a customer. */
function serveBeneficiaryCreation(psp: FakePsp, world: ModulrWorld, signed: Signed): void {
  let beneficiaryNumber = 2000000;
  psp.route(
    'POST',
    '/customers/:customerId/beneficiaries',
    signed((r) => {
      if (!world.customers.some((c) => c.id === r.params.customerId)) {
        return refusal(404, 'NOTFOUND', 'Customer not found');
      }
      let body: Json;
      try {
        body = readJson(r.text()) as Json;
      } catch {
        return refusal(400, 'INVALID', 'Malformed JSON');
      }
      const destination = (body.destinationIdentifier ?? {}) as Json;
      if (!body.name || !body.defaultReference)
        return refusal(400, 'INVALID', 'name and defaultReference are required');
      const scan =
        destination.type === 'SCAN' &&
        /^\d{6}$/.test(String(destination.sortCode)) &&
        destination.accountNumber;
      const iban =
        destination.type === 'IBAN' && /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(String(destination.iban));
      if (!scan && !iban)
        return refusal(400, 'INVALID', 'Invalid destination identifier', 'destinationIdentifier');
      beneficiaryNumber += 1;
      const now = modulrStamp(new Date());
      const beneficiary: Json = {
        id: `B${beneficiaryNumber}`,
        name: body.name,
        destinationIdentifier: destination,
        defaultReference: body.defaultReference,
        status: 'ACTIVE',
        created: now,
        updated: now,
        customerId: r.params.customerId,
        externalReference: body.externalReference ?? '',
        approvalRequired: false,
        approvalStatus: 'NOTNEEDED',
        createdBy: world.apiKey,
      };
      world.beneficiaries.push(beneficiary);
      const answer: FakeResponse = { status: 201, json: beneficiary };
      psp.movements.push({
        route: 'POST /customers/:customerId/beneficiaries',
        key: r.headers['x-mod-nonce'] ?? '',
        request: r,
        answer,
      });
      return answer;
    }),
  );
}

/** The install config for a fake: what a user would type in the console form. */
export function configFor(psp: FakePsp, world: ModulrWorld): Record<string, string> {
  return { apiKey: world.apiKey, apiSecret: world.apiSecret, endpoint: psp.url, customerId: CUSTOMER_ID };
}

/** Accounts (3) and beneficiaries (4); payments from transactions (9) and the payments list (6, one shared). */
export const FIXTURE_COUNTS = { accounts: 3 + 4, payments: 14 };

/** A fake Modulr with the fixtures, for the integrator's console-form and CLI install tests. */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveModulr(psp, world);
  return {
    psp,
    config: configFor(psp, world),
    expected: { accounts: FIXTURE_COUNTS.accounts, payments: FIXTURE_COUNTS.payments },
    close: () => psp.stop(),
  };
}
