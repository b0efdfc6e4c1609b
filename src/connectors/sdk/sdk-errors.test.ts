// Errors of the official PSP SDKs, built by the installed SDKs themselves (directly, or from answers of a
// local fake PSP the SDK calls), become the typed connector errors.
import { Client, CheckoutAPI, Config, EnvironmentEnum, HttpClientException } from '@adyen/api-library';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MangoPay from 'mangopay2-nodejs-sdk';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  InvalidConfigError,
  InvalidRequestError,
  isRetryable,
  UpstreamError,
  UpstreamRateLimitError,
  UpstreamTimeoutError,
  WebhookVerificationError,
} from './errors.js';
import { errorFromPspSdk } from './sdk-errors.js';

// Adyen's ApiException is not exported from the package's entry point; required from its CommonJS module
// as the SDK itself does.
const { default: ApiException } = createRequire(import.meta.url)(
  '@adyen/api-library/lib/src/services/exception/apiException',
) as { default: new (message: string, statusCode?: number) => object };

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A fake PSP on 127.0.0.1 that answers every request with `handler`, over HTTP or (with a cert) HTTPS. */
async function fakePsp(handler: Handler, tls?: { key: Buffer; cert: Buffer }) {
  const server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

/** What the SDK call rejected with. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('the SDK call succeeded');
    },
    (error: unknown) => error,
  );

describe('Errors of the Stripe SDK', () => {
  it('map by class: rate limit (with Retry-After), credentials, permission, connection, signature', () => {
    const limited = errorFromPspSdk(
      new Stripe.errors.StripeRateLimitError({
        message: 'Too many requests',
        statusCode: 429,
        headers: { 'retry-after': '3' },
      }),
    );
    expect(limited).toBeInstanceOf(UpstreamRateLimitError);
    expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(3000);

    const locked = errorFromPspSdk(
      new Stripe.errors.StripeAuthenticationError({
        message: 'Invalid API Key provided: sk_test_****1234',
        statusCode: 401,
      }),
    );
    expect(locked).toBeInstanceOf(AuthenticationError);
    expect(locked.message).toBe(
      "Stripe refused the connector's credentials (HTTP 401: Invalid API Key provided: sk_test_****1234)",
    );
    const forbidden = errorFromPspSdk(
      new Stripe.errors.StripePermissionError({ message: 'restricted key', statusCode: 403 }),
    );
    expect(forbidden).toBeInstanceOf(AuthenticationError);
    expect((forbidden as AuthenticationError).status).toBe(403);

    const lost = errorFromPspSdk(
      new Stripe.errors.StripeConnectionError({
        message: 'An error occurred with our connection to Stripe.',
      }),
    );
    expect(lost).toBeInstanceOf(UpstreamError);
    expect(isRetryable(lost)).toBe(true);
    const slow = errorFromPspSdk(
      new Stripe.errors.StripeConnectionError({
        message: 'Request aborted due to timeout being reached (80000ms)',
        detail: Object.assign(new TypeError('ETIMEDOUT'), { code: 'ETIMEDOUT' }),
      }),
    );
    expect(slow).toBeInstanceOf(UpstreamTimeoutError);

    const forged = errorFromPspSdk(
      new Stripe.errors.StripeSignatureVerificationError('t=1,v1=x', '{}', {
        message: 'No signatures found',
      }),
    );
    expect(forged).toBeInstanceOf(WebhookVerificationError);
  });

  it('map by status otherwise: a declined card or a bad parameter is a refusal, a 500 is retryable', () => {
    const declined = errorFromPspSdk(
      new Stripe.errors.StripeCardError({ message: 'Your card was declined.', statusCode: 402 }),
    );
    expect(declined).toBeInstanceOf(InvalidRequestError);
    expect((declined as InvalidRequestError).status).toBe(402);
    const failed = errorFromPspSdk(new Stripe.errors.StripeAPIError({ message: 'boom', statusCode: 500 }));
    expect(failed).toBeInstanceOf(UpstreamError);
    expect((failed as UpstreamError).status).toBe(500);
    const garbled = errorFromPspSdk(
      new Stripe.errors.StripeAPIError({ message: 'Invalid JSON received from the Stripe API' }),
    );
    expect(garbled).toBeInstanceOf(UpstreamError);
    // Stripe answers 409 while a request with the same key is in flight: the first may have paid.
    const inFlight = errorFromPspSdk(
      new Stripe.errors.StripeIdempotencyError({
        message: 'There is currently another in-progress request using this Idempotent Key',
        statusCode: 409,
      }),
    );
    expect(inFlight).toBeInstanceOf(UpstreamError);
    expect(inFlight).not.toBeInstanceOf(InvalidRequestError);
  });

  it('come out right from real calls the SDK makes to a PSP answering 401, 429 and 500', async () => {
    const answers: Handler[] = [
      (_req, res) =>
        json(res, 401, {
          error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****wxyz' },
        }),
      (_req, res) =>
        json(
          res,
          429,
          { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests.' } },
          { 'retry-after': '2' },
        ),
      (_req, res) => json(res, 500, { error: { type: 'api_error', message: 'Something went wrong.' } }),
    ];
    const psp = await fakePsp((req, res) => answers.shift()?.(req, res));
    const stripe = new Stripe('sk_test_wxyz', {
      host: '127.0.0.1',
      port: psp.port,
      protocol: 'http',
      httpClient: Stripe.createFetchHttpClient(fetch),
      maxNetworkRetries: 0,
    });
    try {
      const locked = errorFromPspSdk(await rejection(stripe.balance.retrieve()));
      expect(locked).toBeInstanceOf(AuthenticationError);
      expect(locked.message).toContain('HTTP 401: Invalid API Key provided');
      const limited = errorFromPspSdk(await rejection(stripe.balance.retrieve()));
      expect(limited).toBeInstanceOf(UpstreamRateLimitError);
      expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(2000);
      const failed = errorFromPspSdk(await rejection(stripe.balance.retrieve()));
      expect(failed).toBeInstanceOf(UpstreamError);
      expect((failed as UpstreamError).status).toBe(500);
    } finally {
      psp.close();
    }
  });
});

describe('An error of our own fetch, wrapped by an SDK', () => {
  it('comes back as itself, not as a connection failure to retry', async () => {
    const refused = new InvalidConfigError('api.other.example is not on PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW');
    const stripe = new Stripe('sk_test_wxyz', {
      httpClient: Stripe.createFetchHttpClient(() => Promise.reject(refused)),
      maxNetworkRetries: 0,
    });
    const wrapped = await rejection(stripe.balance.retrieve());
    expect(wrapped).not.toBe(refused);
    expect(errorFromPspSdk(wrapped, { psp: 'Stripe' })).toBe(refused);
    const twice = Object.assign(new Error('fetch failed'), {
      cause: new Error('socket', { cause: refused }),
    });
    expect(errorFromPspSdk(twice)).toBe(refused);
  });
});

describe('Errors of the Adyen SDK', () => {
  let certDir: string;
  let tls: { key: Buffer; cert: Buffer };

  beforeAll(() => {
    // The Adyen SDK speaks HTTPS only: a throwaway self-signed certificate for the local fake.
    certDir = mkdtempSync(join(tmpdir(), 'pb-adyen-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));

  it('map an HttpClientException by its status and Adyen error body, and an ApiException by its cause', () => {
    const body = {
      status: 401,
      errorCode: '000',
      message: 'HTTP Status Response - Unauthorized',
      errorType: 'security',
    };
    const locked = errorFromPspSdk(
      new HttpClientException({
        message: 'HTTP Exception: 401. Unauthorized: HTTP Status Response - Unauthorized',
        statusCode: 401,
        errorCode: '000',
        responseHeaders: {},
        responseBody: JSON.stringify(body),
        apiError: body,
      }),
    );
    expect(locked).toBeInstanceOf(AuthenticationError);
    expect(locked.message).toBe(
      "Adyen refused the connector's credentials (HTTP 401: HTTP Status Response - Unauthorized)",
    );
    const refused = errorFromPspSdk(
      new HttpClientException({
        message: 'HTTP Exception: 422.',
        statusCode: 422,
        responseBody: '{"message":"Invalid amount"}',
      }),
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect(refused.message).toContain('Invalid amount');
    expect(errorFromPspSdk(new ApiException('Invalid X-API-Key was used', 401))).toBeInstanceOf(
      AuthenticationError,
    );
    // A refused connection comes as ApiException(message) with the default status 500: no answer at all.
    const unreachable = errorFromPspSdk(new ApiException('connect ECONNREFUSED 127.0.0.1:9'));
    expect(unreachable).toBeInstanceOf(UpstreamError);
    expect((unreachable as UpstreamError).status).toBeUndefined();
  });

  it('come out right from real calls the SDK makes to a PSP answering 401, 429 and 500', async () => {
    const adyenError = (status: number, errorCode: string, message: string, errorType: string) => ({
      status,
      errorCode,
      message,
      errorType,
    });
    const answers: Handler[] = [
      (_req, res) =>
        json(res, 401, adyenError(401, '000', 'HTTP Status Response - Unauthorized', 'security')),
      (_req, res) =>
        json(res, 429, adyenError(429, '000', 'Too Many Requests', 'validation'), { 'retry-after': '4' }),
      (_req, res) => json(res, 500, adyenError(500, '000', 'Internal error', 'internal')),
    ];
    const psp = await fakePsp((req, res) => answers.shift()?.(req, res), tls);
    // "unencrypted" is the SDK's switch for a certificate it cannot verify (here: the self-signed one).
    const client = new Client(
      new Config({ apiKey: 'AQE_test', environment: EnvironmentEnum.TEST, certificatePath: 'unencrypted' }),
    );
    const payments = new CheckoutAPI(client).PaymentsApi;
    // The SDK has no endpoint option: its services keep their base URL in a field, pointed here at the fake.
    (payments as unknown as { baseUrl: string }).baseUrl = `https://127.0.0.1:${psp.port}/v71`;
    const call = () => payments.paymentMethods({ merchantAccount: 'PaybridgeECOM' });
    try {
      const locked = errorFromPspSdk(await rejection(call()));
      expect(locked).toBeInstanceOf(AuthenticationError);
      expect(locked.message).toContain('HTTP 401: HTTP Status Response - Unauthorized');
      const limited = errorFromPspSdk(await rejection(call()));
      expect(limited).toBeInstanceOf(UpstreamRateLimitError);
      expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(4000);
      const failed = errorFromPspSdk(await rejection(call()));
      expect(failed).toBeInstanceOf(UpstreamError);
      expect((failed as UpstreamError).status).toBe(500);
    } finally {
      psp.close();
    }
  });
});

describe('Errors of the Mangopay SDK', () => {
  const report = (Message: string, Type: string) => ({
    Message,
    Type,
    Id: 'err_1',
    Date: 1767225600,
    errors: null,
  });
  const token = (res: ServerResponse) =>
    json(res, 200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3600 });

  it('map its rejections: error reports by Type, its own timeout, and full responses by status', () => {
    expect(errorFromPspSdk(report('Authentication failed', 'not_authorized'))).toBeInstanceOf(
      AuthenticationError,
    );
    const refused = errorFromPspSdk(
      report('One or several required parameters are missing or incorrect.', 'param_error'),
    );
    expect(refused).toBeInstanceOf(InvalidRequestError);
    expect(errorFromPspSdk(report('Internal error', 'other'))).toBeInstanceOf(UpstreamError);
    expect(errorFromPspSdk({ Message: 'Request timed out', Code: 408 })).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('come out right from real calls the SDK makes to a PSP answering 401, 429 and 500', async () => {
    const answers: Handler[] = [
      (_req, res) => json(res, 401, report('Authentication failed', 'not_authorized')), // the token request
      (_req, res) => token(res),
      (_req, res) => json(res, 429, report('Too many requests', 'other'), { 'retry-after': '5' }),
      (_req, res) => json(res, 500, report('Internal server error', 'other')),
    ];
    const psp = await fakePsp((req, res) => answers.shift()?.(req, res));
    const api = new MangoPay({
      clientId: 'paybridge',
      clientApiKey: 'key',
      baseUrl: `http://127.0.0.1:${psp.port}`,
      errorHandler: () => undefined, // the default prints every error
    });
    try {
      const locked = errorFromPspSdk(await rejection(api.Users.getAll()));
      expect(locked).toBeInstanceOf(AuthenticationError);
      expect(locked.message).toContain('Authentication failed');
      // With resolveWithFullResponse the SDK rejects with the whole answer, so status and headers count.
      const limited = errorFromPspSdk(
        await rejection(
          api.Users.getAll({ resolveWithFullResponse: true } as unknown as MangoPay.base.RequestOptions),
        ),
      );
      expect(limited).toBeInstanceOf(UpstreamRateLimitError);
      expect((limited as UpstreamRateLimitError).retryAfterMs).toBe(5000);
      const failed = errorFromPspSdk(await rejection(api.Users.getAll()));
      expect(failed).toBeInstanceOf(UpstreamError);
      expect(isRetryable(failed)).toBe(true);
    } finally {
      psp.close();
    }
  });
});

describe('Errors of other HTTP clients', () => {
  it('map axios-style errors and fetch-style statuses, and anything unknown to a retryable upstream error', () => {
    const axiosLike = Object.assign(new Error('Request failed with status code 403'), {
      isAxiosError: true,
      response: { status: 403, headers: {}, data: { message: 'key lacks scope payouts:write' } },
    });
    const forbidden = errorFromPspSdk(axiosLike, { psp: 'Acme' });
    expect(forbidden).toBeInstanceOf(AuthenticationError);
    expect(forbidden.message).toBe(
      "Acme refused the connector's credentials (HTTP 403: key lacks scope payouts:write)",
    );
    const refusedSocket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      isAxiosError: true,
      code: 'ECONNREFUSED',
    });
    expect(errorFromPspSdk(refusedSocket)).toBeInstanceOf(UpstreamError);
    const fetchLike = Object.assign(new Error('HTTP 404'), {
      status: 404,
      body: '{"detail":"no such payout"}',
    });
    const missing = errorFromPspSdk(fetchLike);
    expect(missing).toBeInstanceOf(InvalidRequestError);
    expect((missing as InvalidRequestError).status).toBe(404);
    const unknown = errorFromPspSdk(new TypeError("Cannot read properties of undefined (reading 'data')"));
    expect(unknown).toBeInstanceOf(UpstreamError);
    expect(isRetryable(unknown)).toBe(true);
    const typed = new InvalidRequestError('already typed', 400);
    expect(errorFromPspSdk(typed)).toBe(typed);
  });
});
