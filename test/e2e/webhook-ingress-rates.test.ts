// Webhook ingress under a flood: rate limits per source address and per connector (429 with Retry-After,
// nothing stored), and PAYBRIDGE_TRUST_PROXY deciding whose address counts as the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paymentBody, registerHookPsp, signed } from '../support/hook-psp.js';
import { startTestService, type TestService } from '../support/service.js';
import { installWithWebhooks, refusedCount, storedDeliveries } from '../support/webhook-ingress.js';

registerHookPsp();

let counter = 0;
/** A validly signed hookpsp delivery (a local verifier), from `source` as a proxy would name it. */
function deliver(service: TestService, connectorID: string, source?: string) {
  counter += 1;
  const body = paymentBody(`pay-${counter}`, 'SUCCEEDED', '2026-01-01T00:00:01Z');
  return fetch(`${service.url}/v3/connectors/webhooks/${connectorID}/payments`, {
    method: 'POST',
    headers: { ...signed(body), ...(source ? { 'x-forwarded-for': source } : {}) },
    body,
  });
}

function expectThrottled(response: Response) {
  expect(response.status).toBe(429);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('rate limits behind a trusted proxy', () => {
  let service: TestService;
  let first: string;
  let second: string;

  beforeAll(async () => {
    service = await startTestService({
      PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: '3/1h',
      PAYBRIDGE_WEBHOOK_RATE_PER_CONNECTOR: '5/1h',
      PAYBRIDGE_TRUST_PROXY: '127.0.0.1',
    });
    first = await installWithWebhooks(service, 'hookpsp', 'limits-first');
    second = await installWithWebhooks(service, 'hookpsp', 'limits-second');
  });
  afterAll(async () => service?.stop());

  it('answers 429 with Retry-After to a source address beyond its limit, storing nothing, while other addresses go on', async () => {
    const before = await refusedCount(service.url, 'hookpsp', 'rate_limited_source');
    for (let i = 0; i < 3; i++) expect((await deliver(service, first, '198.51.100.1')).status).toBe(200);
    expectThrottled(await deliver(service, first, '198.51.100.1'));
    expectThrottled(await deliver(service, second, '198.51.100.1'));
    expect(await storedDeliveries(service, first)).toBe(3);
    expect(await storedDeliveries(service, second)).toBe(0);
    expect((await deliver(service, first, '198.51.100.2')).status).toBe(200);
    expect(await storedDeliveries(service, first)).toBe(4);
    expect(await refusedCount(service.url, 'hookpsp', 'rate_limited_source')).toBe(before + 2);
  });

  it('answers 429 with Retry-After to deliveries beyond a connector limit whatever their source, while other connectors go on', async () => {
    const before = await refusedCount(service.url, 'hookpsp', 'rate_limited_connector');
    // The first connector took 4 of its 5 so far.
    expect((await deliver(service, first, '198.51.100.3')).status).toBe(200);
    expectThrottled(await deliver(service, first, '198.51.100.4'));
    expectThrottled(await deliver(service, first, '198.51.100.5'));
    expect(await storedDeliveries(service, first)).toBe(5);
    expect((await deliver(service, second, '198.51.100.4')).status).toBe(200);
    expect(await storedDeliveries(service, second)).toBe(1);
    expect(await refusedCount(service.url, 'hookpsp', 'rate_limited_connector')).toBe(before + 2);
  });
});

describe('rate limits without PAYBRIDGE_TRUST_PROXY (the default)', () => {
  let service: TestService;
  let connectorID: string;

  beforeAll(async () => {
    service = await startTestService({ PAYBRIDGE_WEBHOOK_RATE_PER_SOURCE: '2/1h' });
    connectorID = await installWithWebhooks(service, 'hookpsp', 'untrusted');
  });
  afterAll(async () => service?.stop());

  it('limits the peer address and ignores X-Forwarded-For, so a client cannot pose as many', async () => {
    expect((await deliver(service, connectorID, '198.51.100.1')).status).toBe(200);
    expect((await deliver(service, connectorID, '198.51.100.2')).status).toBe(200);
    expectThrottled(await deliver(service, connectorID, '198.51.100.3'));
    expect(await storedDeliveries(service, connectorID)).toBe(2);
  });
});
