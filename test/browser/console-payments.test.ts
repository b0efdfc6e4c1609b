// The console's payments tools in a real Chromium against a real service: search by reference, a day
// range, totals per asset and the CSV export (computed by the service, checked against the API), the list
// refreshing by itself, authorisations showing what they concern, scheme names as PSPs write them, a
// payment's timeline of adjustments and outbox events, and the uPlot balance chart with exact tooltips.
// Screenshots at 1366×768 in the light and dark colour schemes go to test-artifacts/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const TIME_ZONE = 'America/New_York';

let service: TestService;
let dir: string;
let browser: TestBrowser | undefined;
let page: Page;
let connectorID = '';

const writeJson = (name: string, value: unknown) => writeFile(join(dir, name), stringifyJson(value));

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : stringifyJson(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? parseJson(text) : undefined };
}

interface Seed {
  reference: string;
  createdAt: string;
  asset: string;
  amount: bigint;
  status: string;
  scheme: string;
  type?: string;
}

/** Direct entries through the API (DummyPay allows them), so status and scheme are ours to choose. */
const SEEDS: Seed[] = [
  {
    reference: 'sepa-in-1',
    createdAt: '2025-05-02T09:00:00Z',
    asset: 'EUR/2',
    amount: 150_000n,
    status: 'SUCCEEDED',
    scheme: 'SEPA',
  },
  {
    reference: 'card-auth-2',
    createdAt: '2025-05-10T15:30:00Z',
    asset: 'USD/2',
    amount: 4_200n,
    status: 'AUTHORISATION',
    scheme: 'CARD_MASTERCARD',
  },
  {
    reference: 'card-visa-3',
    createdAt: '2025-05-11T08:00:00Z',
    asset: 'USD/2',
    amount: 1_999n,
    status: 'SUCCEEDED',
    scheme: 'CARD_VISA',
  },
  {
    reference: 'ach-out-4',
    createdAt: '2025-05-20T12:00:00Z',
    asset: 'USD/2',
    amount: 75_000n,
    status: 'PENDING',
    scheme: 'ACH',
    type: 'PAYOUT',
  },
  {
    reference: 'apple-5',
    createdAt: '2025-06-01T18:45:00Z',
    asset: 'EUR/2',
    amount: 2_550n,
    status: 'SUCCEEDED',
    scheme: 'APPLE_PAY',
  },
  {
    reference: 'huge-jpy-6',
    createdAt: '2025-06-03T01:00:00Z',
    asset: 'JPY/0',
    amount: 9_007_199_254_740_993n,
    status: 'SUCCEEDED',
    scheme: 'OTHER',
  },
];

async function createPayment(seed: Seed) {
  const created = await call('POST', '/v3/payments', {
    reference: seed.reference,
    connectorID,
    createdAt: seed.createdAt,
    type: seed.type ?? 'PAY-IN',
    amount: seed.amount,
    asset: seed.asset,
    scheme: seed.scheme,
    metadata: {},
    adjustments: [
      {
        reference: seed.reference,
        createdAt: seed.createdAt,
        status: seed.status,
        amount: seed.amount,
        asset: seed.asset,
      },
    ],
  });
  if (created.status !== 201) throw new Error(`create ${seed.reference}: ${stringifyJson(created.body)}`);
  return (created.body as { data: { id: string } }).data.id;
}

/** Saves a 1366×768 screenshot in both colour schemes, after checking the page does not scroll sideways. */
async function screenshots(name: string) {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // The chart redraws with the scheme's colours on the media change.
    await page.waitForTimeout(200);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, `console-${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

const heading = () => page.getByRole('heading', { level: 1 });
const references = () => page.locator('tbody th').allTextContents();
const row = (reference: string) =>
  page.getByRole('row').filter({ has: page.getByRole('link', { name: reference, exact: true }) });
const totalsText = () => page.locator('section.totals').textContent();

async function listed(expected: string[], what: string) {
  await eventually(
    async () => ((await references()).sort().join() === [...expected].sort().join() ? true : undefined),
    20_000,
    what,
  );
}

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/console/index.html', import.meta.url)))) {
    throw new Error('dist/console is missing: build the console with `npm run build` first.');
  }
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'pb-console-pay-'));
  await writeJson('accounts.json', [
    { id: 'treasury', name: 'Treasury', opening_date: '2025-01-01T00:00:00Z', currency: 'EUR' },
  ]);
  await writeJson('external_accounts.json', []);
  await writeJson('balances.json', [
    { account_id: 'treasury', amount_in_minors: 1_000_000n, currency: 'EUR' },
  ]);
  await writeJson('payments.json', []);
  service = await startTestService();
  const installed = await call('POST', '/v3/connectors/install/dummypay', {
    name: 'dummy-reports',
    directory: dir,
    pollingPeriod: '1s',
  });
  connectorID = String((installed.body as { data: string }).data);
  for (const seed of SEEDS) await createPayment(seed);
  browser = await launchChromium({
    viewport: { width: 1366, height: 768 },
    locale: 'en-US',
    timezoneId: TIME_ZONE,
    acceptDownloads: true,
  });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('console payments', () => {
  it('lists payments with the amount they concern and scheme names as PSPs write them, with totals', async () => {
    await page.goto(`${service.url}/console/payments`);
    await heading().filter({ hasText: 'Payments' }).waitFor();
    await listed(
      SEEDS.map((s) => s.reference),
      'every seeded payment',
    );
    // An authorisation has captured nothing (amount 0): the list shows what it authorised.
    const authorised = row('card-auth-2').locator('td.num');
    expect(await authorised.locator('.amount-note').textContent()).toBe('not captured yet');
    expect(await authorised.textContent()).toBe('42.00 USDnot captured yet');
    const schemes = await page
      .locator('tbody tr')
      .evaluateAll((trs) =>
        Object.fromEntries(
          trs.map((tr) => [tr.querySelector('th')?.textContent, tr.lastElementChild?.textContent]),
        ),
      );
    expect(schemes).toMatchObject({
      'sepa-in-1': 'SEPA',
      'card-auth-2': 'Mastercard',
      'card-visa-3': 'Visa',
      'ach-out-4': 'ACH',
      'apple-5': 'Apple Pay',
    });
    expect(await row('card-auth-2').getByText('Authorised').count()).toBe(1);
    // Totals of the whole set, as the API computes them.
    const totals = (await call('GET', '/v3/payments/totals')).body as {
      data: { asset: string; amount: bigint | number; count: bigint | number }[];
    };
    const eur = totals.data.find((t) => t.asset === 'EUR/2');
    expect(BigInt(eur?.amount ?? -1)).toBe(152_550n);
    await eventually(
      async () => ((await totalsText())?.includes('1,525.50 EUR') ? true : undefined),
      10_000,
      'totals',
    );
    expect(await totalsText()).toContain('9,007,199,254,740,993 JPY');
    expect(await totalsText()).toContain('in 2 payments');
    expect(browser?.pageErrors).toEqual([]);
    await screenshots('payments');
  });

  it('searches by reference and by a day range, and the totals follow the filter', async () => {
    await page.getByLabel('Reference').fill('card-visa-3');
    await page.getByRole('button', { name: 'Search' }).click();
    await listed(['card-visa-3'], 'the reference search');
    expect(new URL(page.url()).searchParams.get('reference')).toBe('card-visa-3');
    await eventually(
      async () => ((await totalsText())?.includes('19.99 USD in 1 payment') ? true : undefined),
      10_000,
      'the totals of the search',
    );
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await listed(
      SEEDS.map((s) => s.reference),
      'the whole list again',
    );

    // 2025-05-10 15:30 UTC is 11:30 in New York; 2025-06-01 18:45 UTC is 14:45 there: both inside.
    await page.getByLabel('Created from').fill('2025-05-10');
    await page.getByLabel('to (inclusive)').fill('2025-06-01');
    const inRange = ['card-auth-2', 'card-visa-3', 'ach-out-4', 'apple-5'];
    await listed(inRange, 'the day range');
    await eventually(
      async () => ((await totalsText())?.includes('25.50 EUR in 1 payment') ? true : undefined),
      10_000,
      'the totals of the range',
    );
    // USD: 0 captured of the authorisation + 19.99 + 750.00 pending; initially 42.00 more.
    expect(await totalsText()).toContain('769.99 USD in 3 payments');
    expect(await totalsText()).not.toContain('JPY');
    await screenshots('payments-filtered');
  });

  it('exports the whole filtered set as CSV with exact amounts', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^payments-.*\.csv$/);
    const file = await download.path();
    const text = await readFile(file, 'utf8');
    const lines = text.trim().split('\r\n');
    const header = lines[0]?.split(',') ?? [];
    const col = (name: string) => header.indexOf(name);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[col('reference')]).sort()).toEqual(
      ['card-auth-2', 'card-visa-3', 'ach-out-4', 'apple-5'].sort(),
    );
    const auth = rows.find((r) => r[col('reference')] === 'card-auth-2');
    expect(auth?.[col('initialAmountMinor')]).toBe('4200');
    expect(auth?.[col('initialAmount')]).toBe('42.00');
    expect(auth?.[col('amount')]).toBe('0.00');
    expect(auth?.[col('scheme')]).toBe('CARD_MASTERCARD');
  });

  it('refreshes the list by itself while it is shown', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await listed(
      SEEDS.map((s) => s.reference),
      'the whole list',
    );
    // The shared auto-refresh is running (its control offers to pause it).
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    await createPayment({
      reference: 'late-7',
      createdAt: new Date(Date.now() - 60_000).toISOString(),
      asset: 'EUR/2',
      amount: 100n,
      status: 'SUCCEEDED',
      scheme: 'SEPA_CREDIT',
    });
    // No click: the next automatic refresh brings it.
    await row('late-7').waitFor({ timeout: 30_000 });
    expect(await row('late-7').locator('td').last().textContent()).toBe('SEPA Credit Transfer');
  });

  it("opens an authorisation with its amount and a timeline of the PSP's adjustments and its events", async () => {
    await page.getByRole('link', { name: 'card-auth-2', exact: true }).click();
    await heading().filter({ hasText: 'Payment card-auth-2' }).waitFor();
    const facts = page.locator('dl.facts');
    await facts.getByText('42.00 USD').first().waitFor();
    expect(await facts.textContent()).toContain('Mastercard');
    await page.getByRole('button', { name: 'Copy payment ID' }).waitFor();
    const timeline = page.getByRole('list', { name: 'Payment timeline' });
    await timeline.locator('.timeline-event').first().waitFor({ timeout: 20_000 });
    const adjustment = timeline.locator('.timeline-adjustment');
    expect(await adjustment.count()).toBe(1);
    // 15:30 UTC in New York (EDT).
    expect(await adjustment.locator('time').textContent()).toBe('May 10, 2025, 11:30:00 AM EDT');
    expect(await adjustment.locator('.badge').textContent()).toBe('Authorised');
    const event = timeline.locator('.timeline-event').first();
    expect(await event.locator('code').textContent()).toBe('SAVED_PAYMENT');
    expect(await event.textContent()).toContain('status Authorised');
    expect(await event.textContent()).toContain('initial 42.00 USD');
    expect(browser?.pageErrors).toEqual([]);
    await screenshots('payment-timeline');
  });

  it('draws the balance history with uPlot, a point per change, and exact values on hover', async () => {
    const accountID = accountIdCodec.encode({
      connectorId: connectorIdCodec.decode(connectorID),
      reference: 'treasury',
    });
    const intervals = async () =>
      (
        (await call('GET', `/v3/accounts/${encodeURIComponent(accountID)}/balances?pageSize=100`)).body as {
          cursor: { data: unknown[] };
        }
      ).cursor.data.length;
    await eventually(async () => ((await intervals()) >= 1 ? true : undefined), 30_000, 'a first balance');
    // Two more changes at the PSP, each waited for, so the history has three steps.
    for (const [n, amount] of [
      [2, 1_250_075n],
      [3, 987_654_321_012_345_678n],
    ] as const) {
      await writeJson('balances.json', [
        { account_id: 'treasury', amount_in_minors: amount, currency: 'EUR' },
      ]);
      await eventually(async () => ((await intervals()) >= n ? true : undefined), 30_000, `balance ${n}`);
    }
    await page.goto(`${service.url}/console/accounts/${encodeURIComponent(accountID)}`);
    await heading().filter({ hasText: 'Account Treasury' }).waitFor();
    const chart = page.locator('.balance-chart');
    await chart.locator('canvas').waitFor();
    expect(await chart.getByRole('img').getAttribute('aria-label')).toBe(
      'EUR/2 balance over time: 3 changes, from 10,000.00 EUR to 9,876,543,210,123,456.78 EUR',
    );
    // Hover the newest change: the tooltip shows the balance exactly (it is beyond a double's precision).
    const over = chart.locator('.u-over');
    const box = await over.boundingBox();
    if (!box) throw new Error('no plot area');
    const tip = chart.locator('.balance-chart-tip');
    await eventually(
      async () => {
        // Sweep from the right edge leftwards until the cursor snaps to the newest change.
        for (let x = box.width - 2; x > 0; x -= 6) {
          await page.mouse.move(box.x + x, box.y + box.height / 2);
          const text = (await tip.isVisible()) ? await tip.textContent() : '';
          if (text?.includes('since')) return text;
        }
        return undefined;
      },
      10_000,
      'a tooltip on a change',
    ).then((text) => expect(text).toContain('9,876,543,210,123,456.78 EUR'));
    await page.getByRole('button', { name: 'Copy account ID' }).waitFor();
    expect(browser?.pageErrors).toEqual([]);
    await screenshots('account-chart');
  });
});
