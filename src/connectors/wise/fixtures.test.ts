// The fixtures and the fake's answers follow Wise's published API document (../shared/psp-specs/wise), and the config picks Wise's key per environment.
import { describe, expect, it } from 'vitest';
import { loadPspSpec, pspSpecPath, recordedRequestProblems } from '../sdk/testing/psp-spec.js';
import {
  webhookKeyOf,
  wiseConfig,
  WISE_PRODUCTION_WEBHOOK_KEY,
  WISE_SANDBOX,
  WISE_SANDBOX_WEBHOOK_KEY,
} from './config.js';
import { pino } from 'pino';
import { standaloneContext } from '../sdk/context.js';
import { findConnector } from '../sdk/registry.js';
import { newWorld, startFake } from './fake.js';
import './index.js';
import { startHarness } from './test-harness.js';

const specPath = pspSpecPath('wise');

describe.skipIf(!specPath)("the fixtures against Wise's API document", () => {
  it('every answer of the fake Wise to a paging pass and a payout validates against its operation', async () => {
    const spec = await loadPspSpec(specPath ?? '');
    const h = await startHarness();
    try {
      const world = newWorld();
      const problems: string[] = [];
      const check = (method: string, path: string, status: number, body: unknown) => {
        for (const problem of spec.validateResponse(method, path, status, body))
          problems.push(`${method} ${path}: ${problem}`);
      };
      check('GET', '/v2/profiles', 200, world.profiles);
      for (const [profile, balances] of Object.entries(world.balances)) {
        check('GET', `/v4/profiles/${profile}/balances`, 200, balances);
        for (const balance of balances)
          check('GET', `/v4/profiles/${profile}/balances/${String(balance.id)}`, 200, balance);
      }
      const strip = ({ profile: _p, ...rest }: Record<string, unknown>) => rest;
      check('GET', '/v1/transfers', 200, world.transfers.map(strip));
      for (const transfer of world.transfers)
        check('GET', `/v1/transfers/${String(transfer.id)}`, 200, strip(transfer));
      const page = await fetch(`${h.psp.url}/v2/accounts?profileId=30000001&size=2`, {
        headers: { authorization: `Bearer ${h.world.token}` },
      });
      check('GET', '/v2/accounts', 200, await page.json());
      expect(problems).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
describe.skipIf(!specPath)("the connector's writes against Wise's API document", () => {
  it('quote, transfer, funding, cancel and subscription requests each match their operation', async () => {
    const spec = await loadPspSpec(specPath ?? '');
    const h = await startHarness();
    try {
      const account = (reference: string) => ({
        reference,
        createdAt: new Date(),
        defaultAsset: 'EUR/2',
        metadata: { 'com.wise.spec/profile_id': '30000001' },
        raw: {},
      });
      const initiation = {
        reference: 'pi-spec',
        createdAt: new Date(Date.now() - 1000),
        description: 'spec check',
        sourceAccount: account('200001'),
        destinationAccount: account('40000002'),
        amount: 1_000n,
        asset: 'EUR/2',
        metadata: {},
      };
      await h.connector.createPayout({ paymentInitiation: initiation, idempotencyKey: 'spec-key' });
      await h.connector.reversePayout({
        paymentInitiationReversal: {
          reference: 'r',
          createdAt: new Date(),
          description: 'r',
          relatedPaymentInitiation: initiation,
          amount: 1_000n,
          asset: 'EUR/2',
          metadata: {},
        },
        idempotencyKey: 'spec-reverse',
      });
      const { configs } = await h.connector.createWebhooks({ webhookBaseUrl: 'https://p.example/w' });
      await h.connector.uninstall({ webhookConfigs: configs });
      const writes = h.psp.writes().map((r) => `${r.method} ${r.path}`);
      expect(writes).toEqual(
        expect.arrayContaining([
          'POST /v3/profiles/30000001/quotes',
          'POST /v1/transfers',
          expect.stringMatching(/^POST \/v3\/profiles\/30000001\/transfers\/\d+\/payments$/),
          expect.stringMatching(/^PUT \/v1\/transfers\/\d+\/cancel$/),
          'POST /v3/profiles/30000001/subscriptions',
          expect.stringMatching(/^DELETE \/v3\/profiles\/30000001\/subscriptions\//),
        ]),
      );
      expect(recordedRequestProblems(spec, h.psp.requests)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

if (!specPath)
  it.skip("fixtures against Wise's API document (skipped: ../shared/psp-specs/wise is absent)", () =>
    undefined);

describe('the webhook key', () => {
  it("is Wise's sandbox key for the sandbox endpoint and its production key otherwise, unless one is configured", () => {
    const parse = (fields: Record<string, string>) => wiseConfig.parse({ apiKey: 't', ...fields });
    expect(webhookKeyOf(parse({ endpoint: WISE_SANDBOX }))).toBe(WISE_SANDBOX_WEBHOOK_KEY);
    expect(webhookKeyOf(parse({}))).toBe(WISE_PRODUCTION_WEBHOOK_KEY);
    const own = newWorld().publicKey;
    expect(webhookKeyOf(parse({ webhookPublicKey: own }))).toBe(own);
    expect(wiseConfig.safeParse({ apiKey: 't', webhookPublicKey: 'not a key' }).success).toBe(false);
  });
});

describe('startFake', () => {
  it('serves the fixtures behind the config a user would type, and says what an install ingests', async () => {
    const fake = await startFake();
    try {
      expect(Object.values(fake.config).every((v) => typeof v === 'string')).toBe(true);
      const registration = findConnector('wise');
      if (!registration) throw new Error('wise is not registered');
      const connector = registration.create(
        registration.config.parse(fake.config),
        standaloneContext({ connectorId: 'fake', logger: pino({ level: 'silent' }), fetch: fake.psp.fetch }),
      );
      await expect(connector.install()).resolves.toMatchObject({ workflow: expect.any(Array) });
      expect(fake.expected).toEqual({ accounts: 9, payments: 12 });
    } finally {
      await fake.close();
    }
  });
});
