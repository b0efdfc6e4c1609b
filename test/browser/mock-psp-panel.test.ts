// The simulator's browser admin panel, driven in a real Chromium (Debian's, never a downloaded one): every
// step is checked twice, on the page and against what the admin API reports.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockPsp } from '../../src/mock-psp/server.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';

const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/mock-psp-panel.png', import.meta.url));
const API_KEY = 'panel-test-tenant';
/** Enough that one is PENDING (15% each) but all fit in the panel's latest-100 list with the refund. */
const GENERATED = 90;

interface AdminBalance {
  currency: string;
  amount: string;
}
interface AdminAccount {
  id: string;
  accountName: string;
  currency: string;
  balances: AdminBalance[];
}
interface AdminBeneficiary {
  id: string;
  ownerName: string;
}
interface AdminTransaction {
  id: string;
  type: string;
  status: string;
  amount: string;
  currency: string;
  updatedAt: string;
  relatedTransactionID?: string;
  actions: string[];
}
interface ErrorBody {
  Title: string;
  Detail: string;
}

let psp: Awaited<ReturnType<typeof startMockPsp>> | undefined;
let browser: TestBrowser | undefined;
let page: Page;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  browser = await launchChromium({ viewport: { width: 1440, height: 1000 } });
  page = browser.page;
  await page.goto(psp.url);
});

afterAll(async () => {
  try {
    if (browser) {
      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
    }
  } finally {
    await browser?.close();
    await psp?.stop();
  }
});

async function adminRaw(method: string, path: string, body?: unknown) {
  if (!psp) throw new Error('the simulator did not start');
  const response = await fetch(new URL(path, psp.url), {
    method,
    headers: {
      authorization: `Bearer ${API_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function admin<T>(path: string): Promise<T> {
  const response = await adminRaw('GET', path);
  if (response.status !== 200)
    throw new Error(`GET ${path} → ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as T;
}

const adminTransaction = async (id: string) => {
  const found = (await admin<AdminTransaction[]>('/admin/transactions')).find((t) => t.id === id);
  if (!found) throw new Error(`the admin API does not list ${id}`);
  return found;
};

/** Waits until the panel has no request in flight (it marks <body data-busy> around every action). */
const idle = () => page.locator('body[data-busy="false"]').waitFor({ state: 'attached' });

async function expectNoErrorShown() {
  const message = page.getByTestId('message');
  const kind = await message.getAttribute('data-kind');
  expect(kind === 'error' ? await message.textContent() : 'no error').toBe('no error');
}

async function click(testId: string) {
  await page.getByTestId(testId).click();
  await idle();
}

const transactionRow = (id: string) =>
  page.locator(`[data-testid="transaction-row"][data-transaction-id="${id}"]`);
const transactionIdsOnPage = () =>
  page
    .getByTestId('transaction-row')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-transaction-id')));

/** Every account's balances on the page (exact minor units, from data-minor) equal the admin API's. */
async function expectBalancesMatchApi() {
  for (const account of await admin<AdminAccount[]>('/admin/accounts')) {
    const onPage = await page
      .locator(`[data-testid="account-row"][data-account-id="${account.id}"] [data-testid="account-balance"]`)
      .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-minor')));
    expect(onPage, account.accountName).toEqual(account.balances.map((balance) => balance.amount));
  }
}

/** Clicks a lifecycle button of one transaction and checks the page and the API agree on the outcome. */
async function step(id: string, action: string, expectedStatus: string) {
  await transactionRow(id).getByTestId(`action-${action}`).click();
  await idle();
  await expectNoErrorShown();
  expect(await transactionRow(id).getByTestId('transaction-status').textContent()).toBe(expectedStatus);
  const fromApi = await adminTransaction(id);
  expect(fromApi.status).toBe(expectedStatus);
  const buttons = await transactionRow(id)
    .locator('button')
    .evaluateAll((nodes) => nodes.map((node) => node.textContent));
  expect(buttons).toEqual(fromApi.actions);
  await expectBalancesMatchApi();
  return fromApi;
}

describe('mock PSP admin panel', () => {
  it('loads the tenant of the API key entered, and remembers the key', async () => {
    await page.getByTestId('api-key').fill(API_KEY);
    await click('load');
    await expectNoErrorShown();
    expect(await page.getByTestId('accounts-table').locator('tbody').textContent()).toContain(
      'No internal accounts',
    );
    expect(await page.getByTestId('transactions-count').textContent()).toBe('(0)');

    await page.reload();
    await idle();
    expect(await page.getByTestId('api-key').inputValue()).toBe(API_KEY);
  });

  it('creates an internal account and shows its balance in major units, keeping the exact minor units', async () => {
    await page.getByTestId('account-name').fill('Operating EUR');
    await page.getByTestId('account-currency').fill('EUR/2');
    await page.getByTestId('account-initial-balance').fill('123.45');
    await click('account-create');
    await expectNoErrorShown();

    const accounts = await admin<AdminAccount[]>('/admin/accounts');
    expect(accounts).toHaveLength(1);
    const account = accounts[0]!;
    expect(account).toMatchObject({ accountName: 'Operating EUR' });
    expect(account.balances).toEqual([{ currency: expect.stringMatching(/^EUR/), amount: '12345' }]);

    const row = page.locator(`[data-testid="account-row"][data-account-id="${account.id}"]`);
    expect(await row.getByTestId('account-row-name').textContent()).toBe('Operating EUR');
    const balance = row.getByTestId('account-balance');
    expect(await balance.textContent()).toBe('123.45');
    expect(await balance.getAttribute('data-minor')).toBe('12345');
  });

  it('creates a beneficiary', async () => {
    await page.getByTestId('beneficiary-owner-name').fill('Ada Lovelace');
    await click('beneficiary-create');
    await expectNoErrorShown();

    const beneficiaries = await admin<AdminBeneficiary[]>('/admin/beneficiaries');
    expect(beneficiaries.map((b) => b.ownerName)).toEqual(['Ada Lovelace']);
    const row = page.locator(
      `[data-testid="beneficiary-row"][data-beneficiary-id="${beneficiaries[0]!.id}"]`,
    );
    expect(await row.getByTestId('beneficiary-row-owner').textContent()).toBe('Ada Lovelace');
  });

  it("shows the API's error title and detail in the message area", async () => {
    // The same invalid request, sent directly, tells what the page must show.
    const direct = await adminRaw('POST', '/admin/transactions/generate', { count: 0 });
    expect(direct.status).toBe(400);
    const error = direct.body as ErrorBody;

    await page.getByTestId('generate-count').fill('0');
    await click('generate-submit');
    const message = page.getByTestId('message');
    expect(await message.getAttribute('data-kind')).toBe('error');
    expect(await message.isVisible()).toBe(true);
    expect(await message.textContent()).toContain(`${error.Title}: ${error.Detail}`);
    expect(await admin<AdminTransaction[]>('/admin/transactions')).toEqual([]);
  });

  it('saves and clears fault modes through the admin API', async () => {
    await page.getByTestId('faults-latency-ms').fill('5');
    await page.getByTestId('faults-max-page-size').fill('50');
    await page.getByTestId('faults-second-precision-filters').check();
    await page.getByTestId('faults-webhook-duplicates').fill('0.25');
    await page.getByTestId('faults-webhook-fail-rate').fill('0.5');
    await page.getByTestId('faults-webhook-reorder').check();
    await click('faults-save');
    await expectNoErrorShown();
    expect(await admin('/admin/faults')).toMatchObject({
      latencyMs: 5,
      maxPageSize: 50,
      secondPrecisionFilters: true,
      webhookDuplicates: 0.25,
      webhookFailRate: 0.5,
      webhookReorder: true,
    });
    expect(await page.getByTestId('faults-current').textContent()).toContain('"maxPageSize":50');
    // The form shows what the API stored, after a reload too.
    await page.reload();
    await idle();
    expect(await page.getByTestId('faults-webhook-duplicates').inputValue()).toBe('0.25');
    expect(await page.getByTestId('faults-webhook-fail-rate').inputValue()).toBe('0.5');
    expect(await page.getByTestId('faults-webhook-reorder').isChecked()).toBe(true);

    await click('faults-clear');
    await expectNoErrorShown();
    const cleared = await admin<Record<string, unknown>>('/admin/faults');
    expect(cleared.latencyMs ?? 0).toBe(0);
    expect(cleared.maxPageSize).toBeUndefined();
    expect(cleared.webhookReorder).toBeUndefined();
    expect(await page.getByTestId('faults-webhook-reorder').isChecked()).toBe(false);
    expect(await page.getByTestId('faults-webhook-duplicates').inputValue()).toBe('');
    expect(await page.getByTestId('faults-latency-ms').inputValue()).toBe(
      cleared.latencyMs?.toString() ?? '',
    );
  });

  it('generates transactions and lists them newest first, as the admin API orders them', async () => {
    await page.getByTestId('generate-count').fill(String(GENERATED));
    await click('generate-submit');
    await expectNoErrorShown();
    expect(await page.getByTestId('message').textContent()).toContain(`Generated ${GENERATED}`);

    const newest = await admin<AdminTransaction[]>('/admin/transactions?order=newest&limit=100');
    expect(newest).toHaveLength(GENERATED);
    expect(await transactionIdsOnPage()).toEqual(newest.map((t) => t.id));
    expect(await page.getByTestId('transactions-count').textContent()).toBe(`(${GENERATED})`);

    const first = newest[0]!;
    const amount = transactionRow(first.id).getByTestId('transaction-amount');
    expect(await amount.getAttribute('data-minor')).toBe(first.amount);
    expect(await transactionRow(first.id).getByTestId('transaction-status').textContent()).toBe(first.status);
    await expectBalancesMatchApi();
  });

  it('steps a pending transaction through succeed, dispute, win-dispute and refund', async () => {
    const pending = (await admin<AdminTransaction[]>('/admin/transactions?order=newest')).find(
      (t) => t.status === 'PENDING' && t.actions.includes('succeed'),
    );
    if (!pending) throw new Error(`none of the ${GENERATED} generated transactions is PENDING`);

    const succeeded = await step(pending.id, 'succeed', 'SUCCEEDED');
    expect(succeeded.actions).toEqual(expect.arrayContaining(['dispute', 'refund']));
    // A step stamps updatedAt, so the transaction moves to the top of the newest-first list.
    expect((await transactionIdsOnPage())[0]).toBe(pending.id);

    await step(pending.id, 'dispute', 'DISPUTE');
    await step(pending.id, 'win-dispute', 'DISPUTE_WON');
    await step(pending.id, 'refund', 'DISPUTE_WON');

    const refund = (await admin<AdminTransaction[]>('/admin/transactions')).find(
      (t) => t.relatedTransactionID === pending.id,
    );
    expect(refund).toMatchObject({ status: 'REFUNDED', amount: pending.amount, type: pending.type });
    const refundRow = transactionRow(refund!.id);
    expect(await refundRow.getByTestId('transaction-status').textContent()).toBe('REFUNDED');
    expect(await refundRow.getByTestId('transaction-related').textContent()).toBe(pending.id);
    expect(await page.getByTestId('message').textContent()).toContain(`created ${refund!.id}`);
    expect((await transactionIdsOnPage())[0]).toBe(refund!.id);
    expect(await page.getByTestId('transactions-count').textContent()).toBe(`(${GENERATED + 1})`);
  });

  it('raised no script error on the page', () => {
    expect(browser?.pageErrors).toEqual([]);
  });
});
