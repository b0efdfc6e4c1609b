// Merchant accounts: every pass walks Adyen's id-ordered pages, yields only new or changed merchants, and loses none inserted mid-pass.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { standaloneContext } from '../sdk/context.js';
import type { PspAccount } from '../sdk/contract.js';
import { FakePsp } from '../sdk/testing/index.js';
import { adyenConfig } from './config.js';
import { AdyenConnector } from './connector.js';
import { type AdyenFake, serveAdyen, TEST_API_KEY, TEST_COMPANY } from './fake.js';

let psp: FakePsp;
let fake: AdyenFake;
let connector: AdyenConnector;
let now: Date;

beforeEach(async () => {
  psp = await FakePsp.start();
  fake = serveAdyen(psp);
  now = new Date('2026-03-02T12:00:00.000Z');
  connector = new AdyenConnector(
    adyenConfig.parse({ apiKey: TEST_API_KEY, companyID: TEST_COMPANY, endpoint: `${psp.url}/v3` }),
    standaloneContext({
      connectorId: 'conn-1',
      logger: pino({ level: 'silent' }),
      clock: { now: () => now },
    }),
  );
});
afterEach(async () => psp.stop());

/** One pass, page by page, with the state through a JSON round trip as the engine stores it. */
async function pass(state: unknown, pageSize: number, between?: (page: number) => void) {
  const items: PspAccount[] = [];
  const warnings: string[] = [];
  let current = state;
  for (let page = 1; ; page++) {
    const answer = await connector.fetchNextAccounts({ state: current, pageSize, name: 'fetch_accounts' });
    items.push(...answer.items);
    warnings.push(...(answer.warnings ?? []));
    current = parseJson(stringifyJson(answer.newState));
    if (!answer.hasMore) return { items, warnings, state: current };
    between?.(page);
  }
}

describe('merchant accounts', () => {
  it('maps a merchant to an account with its settlement currency and Adyen fields in metadata', async () => {
    const { items } = await pass(undefined, 100);
    expect(items.map((a) => a.reference)).toEqual([
      'PaybridgeECOM',
      'PaybridgeISK',
      'PaybridgeMarketplace',
      'PaybridgePOS',
      'PaybridgeUS',
    ]);
    expect(items[1]).toMatchObject({
      reference: 'PaybridgeISK',
      name: 'Paybridge Iceland',
      defaultAsset: 'ISK/2',
      createdAt: new Date('2026-03-02T12:00:00.000Z'),
      metadata: {
        'com.adyen.spec/companyId': TEST_COMPANY,
        'com.adyen.spec/status': 'Active',
        'com.adyen.spec/merchantCity': 'Reykjavik',
      },
    });
    psp.assertRequests('GET', '/v3/companies/:companyId/merchants', {
      headers: { 'x-api-key': TEST_API_KEY },
    });
    expect(psp.requests[0]?.query.get('pageNumber')).toBe('1');
    expect(psp.requests[0]?.query.get('pageSize')).toBe('100');
  });

  it('loses nothing when a merchant is inserted before the current page during a pass; the next pass brings it', async () => {
    const first = await pass(undefined, 2, (page) => {
      if (page === 1)
        fake.merchants.push({ id: 'PaybridgeAAA', name: 'Opened mid-pass', status: 'PreActive' });
    });
    // The insertion shifted the list: the boundary item came again and was recognised.
    const references = first.items.map((a) => a.reference);
    expect(new Set(references).size).toBe(references.length);
    expect(references).toEqual(
      expect.arrayContaining([
        'PaybridgeECOM',
        'PaybridgeISK',
        'PaybridgeMarketplace',
        'PaybridgePOS',
        'PaybridgeUS',
      ]),
    );
    expect(references).not.toContain('PaybridgeAAA');
    const second = await pass(first.state, 2);
    expect(second.items.map((a) => a.reference)).toEqual(['PaybridgeAAA']);
  });

  it('re-yields only merchants that changed, and a pass after that yields nothing', async () => {
    const first = await pass(undefined, 2);
    const us = fake.merchants.find((m) => m.id === 'PaybridgeUS');
    if (us) us.name = 'Paybridge United States';
    const second = await pass(first.state, 2);
    expect(second.items.map((a) => [a.reference, a.name])).toEqual([
      ['PaybridgeUS', 'Paybridge United States'],
    ]);
    expect((await pass(second.state, 2)).items).toEqual([]);
  });

  it('reports an unknown merchant status and settlement currency as warnings, keeping the merchant', async () => {
    fake.merchants.push({ id: 'PaybridgeZZ', status: 'Suspended', primarySettlementCurrency: 'XXY' });
    const { items, warnings } = await pass(undefined, 100);
    const zz = items.find((a) => a.reference === 'PaybridgeZZ');
    expect(zz?.defaultAsset).toBeUndefined();
    expect(zz?.metadata?.['com.adyen.spec/status']).toBe('Suspended');
    expect(warnings).toEqual([
      "unknown settlement currency 'XXY' left out",
      "unknown merchant status 'Suspended' kept in metadata",
    ]);
  });
});
