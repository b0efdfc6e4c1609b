// A change made by hand in the simulator's admin panel (in Debian's chromium) reaches Paybridge through a
// push webhook within seconds, while the connector's next poll is an hour away.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';

const API_KEY = 'panel-webhooks';

let psp: MockPsp;
let service: TestService;
let browser: TestBrowser | undefined;
let page: Page;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  const port = await freePort();
  service = await startTestService({ PORT: String(port), PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}` });
  browser = await launchChromium();
  page = browser.page;
  await page.goto(psp.url);
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await psp?.stop();
});

it('shows an account created in the panel within seconds, long before the next poll', async () => {
  const sim = new MockPspTenant(psp.url, API_KEY);
  const installed = await fetch(`${service.url}/v3/connectors/install/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'panel-hooks',
      apiKey: API_KEY,
      endpoint: psp.url,
      pollingPeriod: '1h',
      webhooks: true,
    }),
  });
  const connectorID = ((await installed.json()) as { data: string }).data;
  await eventually(async () => ((await sim.webhooks()).length === 1 ? true : undefined), 20_000);

  await page.getByTestId('api-key').fill(API_KEY);
  await page.getByTestId('load').click();
  await page.locator('body[data-busy="false"]').waitFor({ state: 'attached' });
  await page.getByTestId('account-name').fill('Made in the panel');
  await page.getByTestId('account-currency').fill('EUR/2');
  await page.getByTestId('account-initial-balance').fill('42.00');
  const clickedAt = Date.now();
  await page.getByTestId('account-create').click();

  const account = await eventually(async () => {
    const rows = await service.paybridge.deps.db
      .selectFrom('accounts')
      .select(['id', 'name'])
      .where('connector_id', '=', connectorID)
      .execute();
    return rows.find((r) => r.name === 'Made in the panel');
  }, 15_000);
  const balance = await eventually(async () =>
    service.paybridge.deps.db
      .selectFrom('balances')
      .select(['balance', 'asset'])
      .where('account_id', '=', account.id)
      .executeTakeFirst(),
  );
  expect(balance).toEqual({ balance: '4200', asset: 'EUR/2' });
  expect(Date.now() - clickedAt).toBeLessThan(15_000);
});
