// A fake Wise for tests and for the shared console and CLI install tests: its documented endpoints over the kit's FakePsp, with the fixtures loaded.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseJson } from '../../domain/json.js';
import { FakePsp, type RunningFake, type FakeRequest, type FakeResponse } from '../sdk/testing/fake-psp.js';

export type Json = Record<string, unknown>;

const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

export const TEST_TOKEN = 'wise-test-token';

/** The state of the fake Wise, open to tests that change it between passes. */
export interface WiseWorld {
  token: string;
  profiles: Json[];
  balances: Record<string, Json[]>;
  recipients: Json[];
  /** Each carries `profile` (the fake's own bookkeeping, removed from answers). */
  transfers: Json[];
  subscriptions: Record<string, Json[]>;
  /** Runs before each transfers listing (a transfer "arriving" between two pages, say). */
  beforeTransfersPage?: (request: FakeRequest) => void;
  /** A private key whose public half is the connector's webhookPublicKey. */
  privateKey: string;
  publicKey: string;
}

/** A fresh world with the fixtures; `keys` reuses a signing key pair (generating one takes a while). */
export function newWorld(keys: { privateKey: string; publicKey: string } = newKeyPair()): WiseWorld {
  return {
    token: TEST_TOKEN,
    profiles: fixture<Json[]>('profiles.json'),
    balances: fixture<Record<string, Json[]>>('balances.json'),
    recipients: fixture<Json[]>('recipients.json'),
    transfers: fixture<Json[]>('transfers.json'),
    subscriptions: {},
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
  };
}

/** An RSA key pair in PEM, as Wise's webhook signing key and its public half. */
export function newKeyPair(): { privateKey: string; publicKey: string } {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Signs a webhook body as Wise does: RSA-SHA256, base64. */
export function signBody(body: Buffer | string, privateKey: string): string {
  return sign('sha256', Buffer.from(body), privateKey).toString('base64');
}

const withoutProfile = (transfer: Json): Json => {
  const rest = { ...transfer };
  delete rest.profile;
  return rest;
};

const error = (status: number, code: string, message: string): FakeResponse => ({
  status,
  json: { errors: [{ code, message, arguments: [] }] },
});

/** Installs the fake Wise's routes on `psp`, serving `world`. */
export function serveWise(psp: FakePsp, world: WiseWorld): void {
  // Anything without the token is refused first, as Wise does.
  psp.route('*', '/*', (request) =>
    request.headers.authorization === `Bearer ${world.token}`
      ? { status: 404, json: { error: `no route for ${request.method} ${request.path}` } }
      : { status: 401, json: { error: 'invalid_token', error_description: 'Invalid token' } },
  );
  const authed =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) =>
      request.headers.authorization === `Bearer ${world.token}`
        ? handler(request)
        : { status: 401, json: { error: 'invalid_token', error_description: 'Invalid token' } };

  psp.route(
    'GET',
    '/v2/profiles',
    authed(() => ({ json: world.profiles })),
  );
  psp.route(
    'GET',
    '/v4/profiles/:profileId/balances',
    authed((r) => ({ json: world.balances[r.params.profileId ?? ''] ?? [] })),
  );
  psp.route(
    'GET',
    '/v4/profiles/:profileId/balances/:balanceId',
    authed((r) => {
      const found = (world.balances[r.params.profileId ?? ''] ?? []).find(
        (b) => String(b.id) === r.params.balanceId,
      );
      return found ? { json: found } : error(404, 'balance.not.found', 'Balance not found');
    }),
  );
  // Recipients: sorted by id, `seekPosition` is the first id of the page (inclusive), at most 20.
  psp.route(
    'GET',
    '/v2/accounts',
    authed((r) => {
      const profile = r.query.get('profileId');
      const size = Math.min(Number(r.query.get('size') ?? 20), 20);
      const seek = r.query.get('seekPosition');
      const mine = world.recipients
        .filter((x) => String(x.profileId) === profile)
        .sort((a, b) => Number(a.id) - Number(b.id));
      const start = seek === null ? 0 : mine.findIndex((x) => Number(x.id) >= Number(seek));
      const from = start < 0 ? mine.length : start;
      const page = mine.slice(from, from + size);
      const next = mine[from + size];
      return {
        json: {
          content: page,
          sort: { empty: false, sorted: true, unsorted: false },
          size,
          ...(page[0] ? { seekPositionForCurrent: page[0].id } : {}),
          ...(next ? { seekPositionForNext: next.id } : {}),
        },
      };
    }),
  );
  // Transfers: newest first (created, then id), inclusive created window, offset a multiple of limit.
  psp.route(
    'GET',
    '/v1/transfers',
    authed((r) => {
      world.beforeTransfersPage?.(r);
      const profile = r.query.get('profile');
      const limit = Number(r.query.get('limit') ?? 10);
      const offset = Number(r.query.get('offset') ?? 0);
      if (offset % limit !== 0) {
        return error(400, 'inconsistent.pagination', 'Offset must be a multiple of limit');
      }
      const start = r.query.get('createdDateStart');
      const end = r.query.get('createdDateEnd');
      const created = (t: Json) => Date.parse(String(t.created));
      const listed = world.transfers
        .filter((t) => String(t.profile) === profile)
        .filter((t) => start === null || created(t) >= Date.parse(start))
        .filter((t) => end === null || created(t) <= Date.parse(end))
        .sort((a, b) => created(b) - created(a) || Number(b.id) - Number(a.id));
      return { json: listed.slice(offset, offset + limit).map(withoutProfile) };
    }),
  );
  const transferById = (id: string | undefined) => world.transfers.find((t) => String(t.id) === id);
  psp.route(
    'GET',
    '/v1/transfers/:transferId',
    authed((r) => {
      const found = transferById(r.params.transferId);
      return found ? { json: withoutProfile(found) } : error(404, 'transfer.not.found', 'Transfer not found');
    }),
  );
  const quotes = new Map<string, Json>();
  psp.route(
    'POST',
    '/v3/profiles/:profileId/quotes',
    authed((r) => {
      const body = r.json() as Json;
      const id = randomUUID();
      const quote = {
        id,
        sourceCurrency: body.sourceCurrency,
        targetCurrency: body.targetCurrency,
        sourceAmount: body.sourceAmount,
        targetAmount: body.sourceAmount,
        rate: 1,
        payOut: body.payOut,
        profile: Number(r.params.profileId),
        status: 'PENDING',
        createdTime: new Date().toISOString(),
      };
      quotes.set(id, quote);
      return { json: quote };
    }),
  );
  // Wise de-duplicates transfers by customerTransactionId: a repeat returns the first transfer.
  psp.write(
    'POST',
    '/v1/transfers',
    { bodyField: 'customerTransactionId' },
    authed((r) => {
      const body = r.json() as Json;
      const quote = quotes.get(String(body.quoteUuid));
      if (!quote) return error(400, 'quote.not.found', 'Quote not found');
      const transfer = {
        id: 50100000 + world.transfers.length,
        user: 41000001,
        targetAccount: body.targetAccount,
        sourceAccount: null,
        quote: null,
        quoteUuid: quote.id,
        status: 'incoming_payment_waiting',
        reference: '',
        rate: 1,
        created: new Date().toISOString(),
        business: null,
        transferRequest: null,
        details: body.details ?? {},
        hasActiveIssues: false,
        sourceCurrency: quote.sourceCurrency,
        sourceValue: quote.sourceAmount,
        targetCurrency: quote.targetCurrency,
        targetValue: quote.targetAmount,
        customerTransactionId: body.customerTransactionId,
        profile: quote.profile,
      };
      world.transfers.push(transfer);
      return { json: withoutProfile(transfer) };
    }),
  );
  psp.route(
    'POST',
    '/v3/profiles/:profileId/transfers/:transferId/payments',
    authed((r) => {
      const transfer = transferById(r.params.transferId);
      if (!transfer) return error(404, 'transfer.not.found', 'Transfer not found');
      if (transfer.status !== 'incoming_payment_waiting') {
        return error(409, 'transfer.already.funded', 'Transfer has already been funded');
      }
      transfer.status = 'processing';
      return {
        json: { type: 'BALANCE', status: 'COMPLETED', errorCode: null, balanceTransactionId: 7000001 },
      };
    }),
  );
  psp.route(
    'PUT',
    '/v1/transfers/:transferId/cancel',
    authed((r) => {
      const transfer = transferById(r.params.transferId);
      if (!transfer) return error(404, 'transfer.not.found', 'Transfer not found');
      if (transfer.status === 'cancelled') return { json: withoutProfile(transfer) };
      if (!['incoming_payment_waiting', 'processing'].includes(String(transfer.status))) {
        return error(409, 'transfer.cancel.not.allowed', 'Transfer cannot be cancelled');
      }
      transfer.status = 'cancelled';
      psp.movements.push({
        route: 'PUT /v1/transfers/:transferId/cancel',
        key: r.headers['x-external-correlation-id'] ?? '',
        request: r,
        answer: { json: transfer },
      });
      return { json: withoutProfile(transfer) };
    }),
  );
  psp.route(
    'GET',
    '/v3/profiles/:profileId/subscriptions',
    authed((r) => ({ json: world.subscriptions[r.params.profileId ?? ''] ?? [] })),
  );
  psp.route(
    'POST',
    '/v3/profiles/:profileId/subscriptions',
    authed((r) => {
      const body = r.json() as Json;
      const profile = r.params.profileId ?? '';
      const subscription = {
        id: randomUUID(),
        name: body.name,
        delivery: body.delivery,
        trigger_on: body.trigger_on,
        scope: { domain: 'profile', id: profile },
        created_by: { type: 'user', id: '41000001' },
        created_at: new Date().toISOString(),
      };
      (world.subscriptions[profile] ??= []).push(subscription);
      return { status: 201, json: subscription };
    }),
  );
  psp.route(
    'DELETE',
    '/v3/profiles/:profileId/subscriptions/:subscriptionId',
    authed((r) => {
      const list = world.subscriptions[r.params.profileId ?? ''] ?? [];
      const index = list.findIndex((s) => s.id === r.params.subscriptionId);
      if (index < 0) return error(404, 'subscription.not.found', 'Subscription not found');
      list.splice(index, 1);
      return { status: 204, body: '' };
    }),
  );
}

/** The install config for a fake: what a user would type in the console form. */
export function configFor(psp: FakePsp, world: WiseWorld): Record<string, string> {
  return { apiKey: world.token, endpoint: psp.url, webhookPublicKey: world.publicKey };
}

/** Transfers the fixtures hold (some a connector must report as unknown states). */
export const FIXTURE_COUNTS = { accounts: 4 + 5, payments: 12 };

/** A fake Wise with the fixtures, for the integrator's console-form and CLI install tests. */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const world = newWorld();
  serveWise(psp, world);
  return {
    psp,
    config: configFor(psp, world),
    // Four balance accounts and five recipients (accounts in Paybridge), twelve transfers.
    expected: { accounts: FIXTURE_COUNTS.accounts, payments: FIXTURE_COUNTS.payments },
    close: () => psp.stop(),
  };
}
