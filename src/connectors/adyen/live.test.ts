// Opt-in live tier against Adyen's test platform: runs only with ADYEN_SANDBOX_API_KEY and ADYEN_SANDBOX_COMPANY_ID, and refuses a live endpoint or prefix.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../sdk/context.js';
import { AdyenClient } from './client.js';
import { ADYEN_TEST_ENDPOINT, adyenConfig, managementEndpoint } from './config.js';
import { AdyenConnector } from './connector.js';

const apiKey = process.env.ADYEN_SANDBOX_API_KEY;
const companyID = process.env.ADYEN_SANDBOX_COMPANY_ID;
const endpoint = process.env.ADYEN_SANDBOX_ENDPOINT ?? ADYEN_TEST_ENDPOINT;
const liveEndpointPrefix = process.env.ADYEN_SANDBOX_LIVE_ENDPOINT_PREFIX;
const enabled = Boolean(apiKey && companyID);

if (!enabled) {
  console.info(
    'adyen live tier skipped: set ADYEN_SANDBOX_API_KEY and ADYEN_SANDBOX_COMPANY_ID (a Management API key of a TEST company) to run it',
  );
}

/**
 * Adyen's keys carry no test/live marker; the environment is the host. A live host (or Formance's live
 * prefix, which selects it) is refused before any call: this tier creates and deletes webhooks.
 */
function sandboxConfig(
  env: { apiKey?: string; companyID?: string; endpoint: string; liveEndpointPrefix?: string } = {
    ...(apiKey ? { apiKey } : {}),
    ...(companyID ? { companyID } : {}),
    endpoint,
    ...(liveEndpointPrefix ? { liveEndpointPrefix } : {}),
  },
) {
  const config = adyenConfig.parse(env);
  const target = managementEndpoint(config);
  if (env.liveEndpointPrefix || /-live\b|live\.adyen|adyenpayments\.com/i.test(target)) {
    throw new Error(`refusing to run the live tier against ${new URL(target).host}: it is a live Adyen host`);
  }
  return config;
}

const PAGE_SIZE = 10;
const MAX_PAGES = 500;

describe.skipIf(!enabled)('Adyen test platform (live tier)', () => {
  const context = () =>
    standaloneContext({ connectorId: 'paybridge-live-tier', logger: pino({ level: 'silent' }) });

  it('install checks the key with GET /companies/{companyID}, whose answer has the company id', async () => {
    const config = sandboxConfig();
    const client = new AdyenClient(config, context().fetch);
    const company = (await client.company()) as { id?: unknown; name?: unknown };
    expect(company.id).toBe(companyID);
    await expect(new AdyenConnector(config, context()).install()).resolves.toHaveProperty('workflow');
  }, 60_000);

  it('a wrong key is an AuthenticationError with Adyen’s reason', async () => {
    const config = { ...sandboxConfig(), apiKey: 'AQE-not-a-key' };
    await expect(new AdyenConnector(config, context()).install()).rejects.toMatchObject({
      name: 'AuthenticationError',
    });
  }, 60_000);

  it('lists merchant accounts: non-empty, each with an id and a known shape, pages in non-decreasing id order', async () => {
    const client = new AdyenClient(sandboxConfig(), context().fetch);
    const ids: string[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await client.merchants(page, PAGE_SIZE);
      expect(Number.isInteger(answer.pagesTotal)).toBe(true);
      expect(Number.isInteger(answer.itemsTotal)).toBe(true);
      for (const raw of answer.data) {
        const m = raw as Record<string, unknown>;
        expect(typeof m.id).toBe('string');
        if (m.status !== undefined) expect(typeof m.status).toBe('string');
        if (m.primarySettlementCurrency !== undefined)
          expect(m.primarySettlementCurrency).toMatch(/^[A-Z]{3}$/);
        ids.push(String(m.id));
      }
      if (page >= answer.pagesTotal || answer.data.length === 0) break;
    }
    expect(ids.length, 'the company has no merchant account: nothing to check').toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
    // The connector does not rely on the order (it walks every page and de-duplicates), but Formance's
    // contract test pins it: a change here is worth knowing.
    expect([...ids].sort((a, b) => a.localeCompare(b))).toEqual(ids);
  }, 300_000);

  it('creates the standard webhook with an HMAC key, reuses it on a retry, and deletes it', async () => {
    const connector = new AdyenConnector(sandboxConfig(), context());
    const client = new AdyenClient(sandboxConfig(), context().fetch);
    const base = 'https://paybridge.invalid/api/payments/v3/connectors/webhooks/paybridge-live-tier';
    // Delete-before-create: a run that died left its webhook behind.
    const stale = (await client.webhooks()).filter((w) => w.url === `${base}/standard`);
    await connector.uninstall({
      webhookConfigs: stale.map((w) => ({
        name: 'standard',
        urlPath: '/standard',
        metadata: { webhookId: w.id },
      })),
    });
    const { configs } = await connector.createWebhooks({ webhookBaseUrl: base });
    const config = configs[0];
    try {
      expect(config?.metadata.webhookId).toMatch(/\S/);
      expect(config?.metadata.hmacKey).toMatch(/^[0-9A-Fa-f]{64}$/);
      const again = await connector.createWebhooks({ webhookBaseUrl: base });
      expect(again.configs[0]?.metadata.webhookId).toBe(config?.metadata.webhookId);
      const listed = (await client.webhooks()).filter((w) => w.id === config?.metadata.webhookId);
      expect(listed).toHaveLength(1);
    } finally {
      if (config) await connector.uninstall({ webhookConfigs: [config] });
    }
    expect((await client.webhooks()).some((w) => w.id === config?.metadata.webhookId)).toBe(false);
  }, 120_000);
});

describe('live tier guard', () => {
  it('refuses a live Management API host or a live prefix, and accepts the test host', () => {
    const base = { apiKey: 'k', companyID: 'C' };
    expect(() => sandboxConfig({ ...base, endpoint: 'https://management-live.adyen.com/v3' })).toThrow(
      /refusing to run the live tier/,
    );
    expect(() =>
      sandboxConfig({
        ...base,
        endpoint: ADYEN_TEST_ENDPOINT,
        liveEndpointPrefix: '1797a841fbb37ca7-AdyenDemo',
      }),
    ).toThrow(/management-live\.adyen\.com/);
    expect(managementEndpoint(sandboxConfig({ ...base, endpoint: ADYEN_TEST_ENDPOINT }))).toBe(
      ADYEN_TEST_ENDPOINT,
    );
  });
});
