// A fake Adyen for tests and the integrator's install tests: the Management API calls the connector makes, and notifications sent to the webhook it creates.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import adyen from '@adyen/api-library';
import { parseJson, stringifyJson } from '../../domain/json.js';
import {
  FakePsp,
  type RunningFake,
  type FakeRequest,
  type FakeResponse,
  pageNumberPages,
} from '../sdk/testing/index.js';

// The package is CommonJS: Node's ESM loader sees only its default export.
const HmacValidator = adyen.hmacValidator;

type Json = Record<string, unknown>;

export const fixture = <T>(name: string): T =>
  parseJson(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

export interface NotificationFixture {
  name: string;
  /** The Webhooks-v1 operation (event code) the body documents. */
  path: string;
  body: { live: string; notificationItems: { NotificationRequestItem: Json }[] };
}

export const TEST_API_KEY = 'AQEyhmfxK4_test_key_paybridge';
export const TEST_COMPANY = 'PaybridgeCompany';

/** The notification fixtures, their items signed with `hmacKey` as Adyen signs them (additionalData.hmacSignature). */
export function signNotification<T extends NotificationFixture['body']>(body: T, hmacKey: string): T {
  const validator = new HmacValidator();
  return {
    ...body,
    notificationItems: body.notificationItems.map(({ NotificationRequestItem: item }) => {
      const amount = item.amount as { value: number | bigint; currency: string };
      const signed = { ...item, amount: { ...amount, value: String(amount.value) } };
      const signature = validator.calculateHmac(signed as never, hmacKey);
      return {
        NotificationRequestItem: {
          ...item,
          additionalData: { ...((item.additionalData as Json | undefined) ?? {}), hmacSignature: signature },
        },
      };
    }),
  };
}

const adyenError = (status: number, errorCode: string, message: string, errorType: string): FakeResponse => ({
  status,
  json: { status, errorCode, message, errorType },
});

/** A webhook as the fake keeps it, with the key it generated last. */
export interface FakeWebhook extends Json {
  id: string;
  url: string;
  description?: string;
  username?: string;
  password?: string;
  hmacKey?: string;
}

export interface AdyenFake {
  merchants: Json[];
  webhooks: FakeWebhook[];
  /** Notifications the fake sends to a webhook once its HMAC key exists, as Adyen would. */
  notifications: NotificationFixture[];
  /** What each delivery was answered: status and body. */
  deliveries: { url: string; status: number; body: string }[];
  /** Set when the fake is closed: deliveries still being retried stop. */
  closed: boolean;
}

/**
 * Serves the Management API under `/v3` (the endpoint is `${psp.url}/v3`): the company, its merchants
 * paged by pageNumber/pageSize, and the company webhooks (create, list, generate HMAC, delete). Every
 * call needs X-API-Key; a wrong key is answered as Adyen does (401, its error JSON), another company 403.
 * `hmacKey` fixes the key generateHmac answers (tests that sign in advance). With `deliver`, generating a webhook's HMAC key starts sending the notification fixtures, signed with
 * that key, to the webhook URL (with its Basic auth), retried until answered 200 `[accepted]`.
 */
export function serveAdyen(
  psp: FakePsp,
  options: { apiKey?: string; companyId?: string; deliver?: boolean; hmacKey?: string } = {},
): AdyenFake {
  const apiKey = options.apiKey ?? TEST_API_KEY;
  const companyId = options.companyId ?? TEST_COMPANY;
  const state: AdyenFake = {
    merchants: fixture<Json[]>('merchants.json'),
    webhooks: [],
    notifications: fixture<NotificationFixture[]>('notifications.json'),
    deliveries: [],
    closed: false,
  };
  const guard =
    (handler: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>) => (request: FakeRequest) => {
      if (request.headers['x-api-key'] !== apiKey) {
        return adyenError(401, '000', 'HTTP Status Response - Unauthorized', 'security');
      }
      if (request.params.companyId !== companyId) {
        return {
          status: 403,
          json: {
            type: 'https://docs.adyen.com/errors/forbidden',
            errorCode: '00_403',
            title: 'Forbidden',
            detail: 'You do not have the required access rights',
            status: 403,
          },
        };
      }
      return handler(request);
    };
  const base = '/v3/companies/:companyId';
  psp.route(
    'GET',
    base,
    guard(() => ({ json: fixture<Json>('company.json') })),
  );
  const merchants = pageNumberPages(() => state.merchants, {
    page: 'pageNumber',
    size: 'pageSize',
    defaultSize: 10,
    maxSize: 100,
    // Adyen lists merchant accounts by id.
    sort: (a, b) => String(a.id).localeCompare(String(b.id)),
    wrap: (data, { page, size, total }) => {
      const pagesTotal = Math.max(1, Math.ceil(total / size));
      const link = (n: number) => ({
        href: `https://management-test.adyen.com/v3/companies/${companyId}/merchants?pageNumber=${n}&pageSize=${size}`,
      });
      return {
        _links: {
          first: link(1),
          last: link(pagesTotal),
          self: link(page),
          ...(page < pagesTotal ? { next: link(page + 1) } : {}),
          ...(page > 1 ? { prev: link(page - 1) } : {}),
        },
        data,
        itemsTotal: total,
        pagesTotal,
      };
    },
  });
  psp.route('GET', `${base}/merchants`, guard(merchants));
  const shown = (w: FakeWebhook): Json => {
    // Adyen never shows a webhook's password or HMAC key again.
    const rest: Json = { ...w };
    delete rest.password;
    delete rest.hmacKey;
    return { ...rest, hasPassword: w.password !== undefined, hasError: false };
  };
  psp.route(
    'GET',
    `${base}/webhooks`,
    guard(
      pageNumberPages(() => state.webhooks.map(shown), {
        page: 'pageNumber',
        size: 'pageSize',
        defaultSize: 10,
        maxSize: 100,
        wrap: (data, { total, size }) => ({
          _links: {},
          data,
          itemsTotal: total,
          pagesTotal: Math.max(1, Math.ceil(total / size)),
        }),
      }),
    ),
  );
  psp.route(
    'POST',
    `${base}/webhooks`,
    guard((request) => {
      const body = request.json() as Json;
      const id = `S2-${randomBytes(10).toString('hex').toUpperCase()}`;
      const webhook: FakeWebhook = {
        id,
        url: String(body.url),
        ...(typeof body.description === 'string' ? { description: body.description } : {}),
        ...(typeof body.username === 'string' ? { username: body.username } : {}),
        ...(typeof body.password === 'string' ? { password: body.password } : {}),
        type: String(body.type),
        active: body.active === true,
        communicationFormat: String(body.communicationFormat),
        filterMerchantAccountType: String(body.filterMerchantAccountType),
        sslVersion: 'TLSv1.2',
      };
      state.webhooks.push(webhook);
      return { json: shown(webhook) };
    }),
  );
  psp.route(
    'POST',
    `${base}/webhooks/:webhookId/generateHmac`,
    guard((request) => {
      const webhook = state.webhooks.find((w) => w.id === request.params.webhookId);
      if (!webhook) return adyenError(404, '00_404', 'Webhook not found', 'validation');
      webhook.hmacKey = options.hmacKey ?? randomBytes(32).toString('hex').toUpperCase();
      if (options.deliver) void deliver(state, webhook);
      return { json: { hmacKey: webhook.hmacKey } };
    }),
  );
  psp.route(
    'DELETE',
    `${base}/webhooks/:webhookId`,
    guard((request) => {
      const index = state.webhooks.findIndex((w) => w.id === request.params.webhookId);
      if (index < 0) return adyenError(404, '00_404', 'Webhook not found', 'validation');
      state.webhooks.splice(index, 1);
      return { status: 204, body: '' };
    }),
  );
  return state;
}

/** Posts one notification to a webhook as Adyen does: JSON, Basic auth when the webhook has it. */
export async function postNotification(
  webhook: Pick<FakeWebhook, 'url' | 'username' | 'password'>,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (webhook.username !== undefined || webhook.password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${webhook.username ?? ''}:${webhook.password ?? ''}`).toString('base64')}`;
  }
  const response = await fetch(webhook.url, { method: 'POST', headers, body: stringifyJson(body) });
  return { status: response.status, body: await response.text() };
}

/** Sends every fixture, in order, each retried (Adyen retries until [accepted]) for up to a minute. */
async function deliver(state: AdyenFake, webhook: FakeWebhook): Promise<void> {
  const key = webhook.hmacKey;
  if (!key) return;
  for (const notification of state.notifications) {
    const body = signNotification(notification.body, key);
    for (let attempt = 0; attempt < 120; attempt++) {
      // A rotated key or a deleted webhook ends the deliveries of the old one.
      if (state.closed || webhook.hmacKey !== key || !state.webhooks.includes(webhook)) return;
      const answer = await postNotification(webhook, body).catch((error: unknown) => ({
        status: 0,
        body: String(error),
      }));
      state.deliveries.push({ url: webhook.url, ...answer });
      if (answer.status === 200 && answer.body === '[accepted]') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** The payments the notification fixtures hold (authorisations and payouts; modifications adjust them). */
export const EXPECTED_PAYMENTS = 5;

/**
 * For the integrator's console-form and CLI install tests: a fake Adyen with the fixtures, which sends its
 * notifications to the webhook an install creates. The config is what a user types in the form.
 * Payments arrive only through those notifications, so the service under test needs PAYBRIDGE_PUBLIC_URL
 * set to an address this process can reach (its own http://127.0.0.1:<port>); and, for a refused install
 * to show Adyen's reason rather than a redacted one, PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW naming the fake's
 * host (loopback answers are otherwise hidden from API callers).
 */
export async function startFake(): Promise<RunningFake> {
  const psp = await FakePsp.start();
  const state = serveAdyen(psp, { deliver: true });
  return {
    psp,
    config: {
      apiKey: TEST_API_KEY,
      companyID: TEST_COMPANY,
      endpoint: `${psp.url}/v3`,
      webhookUsername: 'adyen-notifications',
      webhookPassword: 'basic-auth-secret',
    },
    expected: { accounts: state.merchants.length, payments: EXPECTED_PAYMENTS },
    close: async () => {
      state.closed = true;
      await psp.stop();
    },
  };
}
