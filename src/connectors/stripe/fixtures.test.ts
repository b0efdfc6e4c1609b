// The fake's fixtures and answers against Stripe's published OpenAPI document (../shared/psp-specs/stripe/spec3.yaml).
import { describe, expect, it } from 'vitest';
import { loadPspSpec, pspSpecPath, recordedRequestProblems } from '../sdk/testing/psp-spec.js';
import { FakePsp } from '../sdk/testing/fake-psp.js';
import { pino } from 'pino';
import { standaloneContext } from '../sdk/context.js';
import { stripeConfig } from './config.js';
import { StripeConnector } from './connector.js';
import { FAKE_API_KEY, PLATFORM_ID, loadFixtures, serveStripe } from './fake.js';
import { PLATFORM_KEY } from './mapping.js';

const specPath = pspSpecPath('stripe', 'spec3.yaml');
const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

describe.skipIf(!specPath)(
  `fixtures follow Stripe's OpenAPI document${specPath ? '' : ' (skipped: ../shared/psp-specs/stripe/spec3.yaml is absent)'}`,
  () => {
    const fixtures = loadFixtures();
    const spec = () => loadPspSpec(specPath ?? '');

    it('the platform and connected accounts', async () => {
      const s = await spec();
      expect(s.validateResponse('GET', '/v1/account', 200, fixtures.platform)).toEqual([]);
      expect(s.validateResponse('GET', '/v1/accounts', 200, list(fixtures.accounts, '/v1/accounts'))).toEqual(
        [],
      );
    });

    it('balances and external accounts', async () => {
      const s = await spec();
      for (const [account, balance] of Object.entries(fixtures.balances))
        expect(s.validateResponse('GET', '/v1/balance', 200, balance), account).toEqual([]);
      for (const [account, items] of Object.entries(fixtures.externalAccounts)) {
        const path = `/v1/accounts/${account}/external_accounts`;
        expect(s.validateResponse('GET', path, 200, list(items, path)), account).toEqual([]);
      }
    });

    it('balance transactions, and each expanded source as its own object', async () => {
      const s = await spec();
      const paths: Record<string, string> = {
        charge: '/v1/charges/x',
        refund: '/v1/refunds/x',
        dispute: '/v1/disputes/x',
        payout: '/v1/payouts/x',
        transfer: '/v1/transfers/x',
        transfer_reversal: '/v1/transfers/x/reversals/y',
      };
      const problems: string[] = [];
      for (const items of Object.values(fixtures.balanceTransactions)) {
        for (const bt of items) {
          const source = bt.source as { object?: string; id?: string } | string;
          const collapsed = { ...bt, source: typeof source === 'string' ? source : source.id };
          const own = s.validateResponse('GET', `/v1/balance_transactions/${bt.id}`, 200, collapsed);
          problems.push(...own.map((p) => `${bt.id}: ${p}`));
          if (typeof source === 'string') continue;
          const path = paths[source.object ?? ''];
          if (!path) problems.push(`${bt.id}: no path for a ${String(source.object)}`);
          else
            problems.push(
              ...s.validateResponse('GET', path, 200, source).map((p) => `${bt.id} ${source.object}: ${p}`),
            );
        }
      }
      expect(problems).toEqual([]);
    });

    it("the fake's write answers: transfer, reversal, payout, webhook endpoint", async () => {
      const s = await spec();
      const psp = await FakePsp.start();
      try {
        serveStripe(psp, loadFixtures());
        const post = async (path: string, form: Record<string, string>, account?: string) => {
          const response = await fetch(`${psp.url}${path}`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${FAKE_API_KEY}`,
              'content-type': 'application/x-www-form-urlencoded',
              'idempotency-key': `k-${path}`,
              ...(account ? { 'stripe-account': account } : {}),
            },
            body: new URLSearchParams(form).toString(),
          });
          return { status: response.status, body: (await response.json()) as { id: string } };
        };
        const transfer = await post('/v1/transfers', {
          amount: '100',
          currency: 'eur',
          destination: 'acct_1PbConnA0001',
        });
        expect(s.validateResponse('POST', '/v1/transfers', transfer.status, transfer.body)).toEqual([]);
        const reversalPath = `/v1/transfers/${transfer.body.id}/reversals`;
        const reversal = await post(reversalPath, { amount: '50' });
        expect(s.validateResponse('POST', reversalPath, reversal.status, reversal.body)).toEqual([]);
        const payout = await post('/v1/payouts', { amount: '100', currency: 'eur' }, 'acct_1PbConnA0001');
        expect(s.validateResponse('POST', '/v1/payouts', payout.status, payout.body)).toEqual([]);
        const endpoint = await post('/v1/webhook_endpoints', {
          url: 'https://paybridge.example/hooks',
          'enabled_events[0]': 'charge.succeeded',
        });
        expect(s.validateResponse('POST', '/v1/webhook_endpoints', endpoint.status, endpoint.body)).toEqual(
          [],
        );
        const refused = await fetch(`${psp.url}/v1/account`, {
          headers: { authorization: 'Bearer sk_test_x' },
        });
        expect(s.validateResponse('GET', '/v1/account', refused.status, await refused.json())).toEqual([]);
        expect(PLATFORM_ID).toMatch(/^acct_/);
      } finally {
        await psp.stop();
      }
    });

    it("the connector's writes, webhook calls and uninstall are requests the document knows", async () => {
      const s = await spec();
      const psp = await FakePsp.start();
      try {
        serveStripe(psp, loadFixtures());
        const c = new StripeConnector(
          stripeConfig.parse({ apiKey: FAKE_API_KEY, endpoint: psp.url }),
          standaloneContext({ connectorId: 'spec', logger: pino({ level: 'silent' }), fetch: psp.fetch }),
        );
        const account = (reference: string, metadata: Record<string, string> = {}) => ({
          reference,
          createdAt: new Date(0),
          metadata,
          raw: {},
        });
        const initiation = {
          reference: 'spec-1',
          createdAt: new Date(),
          description: 'spec',
          sourceAccount: account(PLATFORM_ID, { [PLATFORM_KEY]: 'true' }),
          destinationAccount: account('acct_1PbConnA0001'),
          amount: 300n,
          asset: 'EUR/2',
          metadata: { order: 'o-1' },
        };
        await c.install();
        await c.createTransfer({ paymentInitiation: initiation, idempotencyKey: 'k1' });
        await c.reverseTransfer({
          paymentInitiationReversal: {
            reference: 'spec-1-r',
            createdAt: new Date(),
            description: 'back',
            relatedPaymentInitiation: initiation,
            amount: 100n,
            asset: 'EUR/2',
            metadata: {},
          },
          idempotencyKey: 'k2',
        });
        const payout = await c.createPayout({
          paymentInitiation: {
            ...initiation,
            sourceAccount: account('acct_1PbConnA0001'),
            destinationAccount: account('ba_1PbA0001'),
          },
          idempotencyKey: 'k3',
        });
        await c.pollPayoutStatus({ pollingId: payout.pollingId ?? '' });
        const { configs } = await c.createWebhooks({ webhookBaseUrl: 'https://paybridge.example/w' });
        await c.uninstall({ webhookConfigs: configs });
        expect(psp.requests.length).toBeGreaterThan(8);
        expect(recordedRequestProblems(s, psp.requests)).toEqual([]);
      } finally {
        await psp.stop();
      }
    });
  },
);
