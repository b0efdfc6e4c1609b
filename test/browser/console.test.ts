// The web console in a real Chromium (Debian's) against a real service and DummyPay: install through the
// generated form, health, accounts with balances, payments and their adjustments, approving an initiation,
// resuming a paused schedule. Each step is checked on the page and, where it changes state, through the API.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { updatePaymentStatus } from '../support/dummypay-fixtures.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CONNECTOR_NAME = 'dummy-console';
/** Not the viewer's usual zone, so a time shown in UTC would be caught. */
const TIME_ZONE = 'Europe/Paris';

interface Schedule {
  id: string;
  taskType: string;
  pausedAt?: string;
  consecutiveFailures: number;
  lastRun?: { error?: string; skippedRecords: number; terminatedAt?: string };
}
interface Payment {
  id: string;
  reference: string;
  status: string;
  adjustments: unknown[] | null;
}

let service: TestService;
let dir: string;
let browser: TestBrowser | undefined;
let page: Page;
let connectorID = '';

const writeJson = (name: string, value: unknown) => writeFile(join(dir, name), stringifyJson(value));
const account = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

const PAYMENTS = [
  {
    reference: 'card-payin-1',
    type: 'PAY-IN',
    amount: 123456n, // USD/2 → 1,234.56 USD
    currency: 'USD',
    status: 'SUCCEEDED',
    created_at: '2024-03-01T10:00:00Z',
    updated_at: '2024-03-01T10:05:00Z',
    destination_account_id: 'ops',
  },
  {
    reference: 'supplier-payout-2',
    type: 'PAYOUT',
    amount: 25000n,
    currency: 'EUR',
    status: 'FAILED',
    created_at: '2024-03-02T10:00:00Z',
    updated_at: '2024-03-02T10:01:00Z',
    source_account_id: 'main',
    destination_account_id: 'supplier',
  },
  {
    reference: 'sweep-transfer-3',
    type: 'TRANSFER',
    amount: 9900n,
    currency: 'EUR',
    status: 'PENDING',
    created_at: '2024-03-03T10:00:00Z',
    source_account_id: 'main',
    destination_account_id: 'reserve',
  },
  {
    reference: 'big-payin-4',
    type: 'PAY-IN',
    amount: 500000n,
    currency: 'EUR',
    status: 'SUCCEEDED',
    created_at: '2024-03-04T10:00:00Z',
    updated_at: '2024-03-04T10:00:30Z',
    destination_account_id: 'main',
  },
  // An unknown currency: DummyPay skips the record and the run reports it as a skipped record.
  {
    reference: 'bad-currency-5',
    type: 'PAY-IN',
    amount: 1n,
    currency: 'NOTACURRENCY',
    status: 'SUCCEEDED',
    created_at: '2024-03-05T10:00:00Z',
  },
];

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : stringifyJson(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? parseJson(text) : undefined };
}
async function data<T>(path: string): Promise<T> {
  const response = await call('GET', path);
  if (response.status !== 200)
    throw new Error(`GET ${path} → ${response.status} ${stringifyJson(response.body)}`);
  return (response.body as { data: T }).data;
}
async function list<T>(path: string): Promise<T[]> {
  const response = await call('GET', path);
  if (response.status !== 200)
    throw new Error(`GET ${path} → ${response.status} ${stringifyJson(response.body)}`);
  return (response.body as { cursor: { data: T[] } }).cursor.data;
}
const schedules = () =>
  list<Schedule>(`/v3/connectors/${encodeURIComponent(connectorID)}/schedules?pageSize=100`);
const paymentByReference = async (reference: string) => {
  const query = encodeURIComponent(JSON.stringify({ $match: { reference } }));
  const [found] = await list<Payment>(`/v3/payments?query=${query}`);
  if (!found) throw new Error(`no payment ${reference}`);
  return data<Payment>(`/v3/payments/${encodeURIComponent(found.id)}`);
};

/** Saves a 1366×768 screenshot, after checking the page itself does not scroll sideways. */
async function screenshot(name: string) {
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`) });
}

const heading = () => page.getByRole('heading', { level: 1 });
const nav = (label: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });
/** A table's own scrolling box, by its label (a section of the same name is a region too). */
const tableBox = (label: string) => page.locator(`.table-box[aria-label="${label}"]`);
/** Scrolls so the element with this id is at the top of the screenshot. */
const scrollToTop = (id: string) =>
  page.evaluate(`document.getElementById(${JSON.stringify(id)})?.scrollIntoView()`);
/** The element that has the keyboard focus. */
const focused = () => page.locator(':focus');
const waitForText = (text: string | RegExp) => page.getByText(text).first().waitFor();

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/console/index.html', import.meta.url)))) {
    throw new Error('dist/console is missing: build the console with `npm run build` first.');
  }
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'pb-console-'));
  const opened = '2024-01-15T09:00:00Z';
  await writeJson('accounts.json', [
    { id: 'main', name: 'Main', opening_date: opened, currency: 'EUR' },
    { id: 'reserve', name: 'Reserve', opening_date: opened, currency: 'EUR' },
    { id: 'ops', name: 'Operations', opening_date: opened, currency: 'USD' },
  ]);
  await writeJson('external_accounts.json', [
    { id: 'supplier', name: 'Supplier', created_at: opened, currency: 'EUR' },
  ]);
  await writeJson('balances.json', [
    { account_id: 'main', amount_in_minors: 10_000_000n, currency: 'EUR' },
    { account_id: 'reserve', amount_in_minors: 0n, currency: 'EUR' },
    { account_id: 'ops', amount_in_minors: 123_456n, currency: 'USD' },
  ]);
  await writeJson('payments.json', PAYMENTS);
  // Two failed runs in a row pause a schedule, so the resume step needs no long wait.
  service = await startTestService({ PAYBRIDGE_PAUSE_AFTER_FAILURES: '2' });
  browser = await launchChromium({
    viewport: { width: 1366, height: 768 },
    locale: 'en-US',
    timezoneId: TIME_ZONE,
  });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('web console', () => {
  it('opens on the connectors screen with an empty state that says what to do', async () => {
    await page.goto(`${service.url}/`); // `/` redirects to the console
    expect(new URL(page.url()).pathname).toBe('/console/');
    await waitForText('No connectors yet.');
    expect(await heading().textContent()).toBe('Connectors');
    expect(await page.title()).toBe('Connectors · Paybridge console');
    // The first Tab reaches the skip link, which moves on to the content.
    await page.keyboard.press('Tab');
    expect(await focused().textContent()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await focused().getAttribute('id')).toBe('main');
    await screenshot('empty');
  });

  it('installs DummyPay through the form generated from its config schema', async () => {
    await page.getByRole('link', { name: 'Install one' }).click();
    await heading().filter({ hasText: 'Install a connector' }).waitFor();
    // A secret field (Generic's API key) is a password input, empty, that the browser must not fill.
    await page.getByLabel('Provider').selectOption('generic');
    const apiKey = page.getByLabel(/^API key/);
    expect(await apiKey.getAttribute('type')).toBe('password');
    expect(await apiKey.getAttribute('autocomplete')).toBe('new-password');
    expect(await apiKey.inputValue()).toBe('');
    expect(await page.getByLabel('Webhooks').getAttribute('type')).toBe('checkbox');
    await page.getByLabel('Provider').selectOption('dummypay');
    const name = page.getByLabel(/^Name/);
    await name.waitFor();
    // The schema drives the form: required marks, defaults as placeholders, inputs by data type.
    expect(await page.getByLabel(/^Directory/).getAttribute('aria-required')).toBe('true');
    expect(await page.getByLabel('Polling period').getAttribute('placeholder')).toBe('2s');
    expect(await page.getByLabel('Page size').getAttribute('type')).toBe('number');

    // A name the API refuses: its message shows next to the field, and nothing is installed.
    await name.click();
    await page.keyboard.type('ab');
    await page.keyboard.press('Tab');
    await page.keyboard.type(dir);
    await page.keyboard.press('Enter');
    await waitForText('The connector was not installed.');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    // The summary takes the focus, so a keyboard or screen-reader user hears what went wrong.
    expect(await focused().getAttribute('role')).toBe('alert');
    expect(await page.getByRole('alert').textContent()).toContain('VALIDATION');
    expect(await list('/v3/connectors')).toHaveLength(0);
    await screenshot('install-error');

    await name.fill('');
    await name.click();
    await page.keyboard.type(CONNECTOR_NAME);
    await page.getByLabel('Polling period').click();
    await page.keyboard.type('1s');
    await page.keyboard.press('Enter');

    await heading().filter({ hasText: CONNECTOR_NAME }).waitFor({ timeout: 30_000 });
    const connectors = await list<{ id: string; name: string; provider: string }>('/v3/connectors');
    expect(connectors.map((c) => [c.name, c.provider])).toEqual([[CONNECTOR_NAME, 'dummypay']]);
    connectorID = connectors[0]!.id;
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/console/connectors/${connectorID}`);
    // The config as the API returns it.
    await waitForText(dir);
  });

  it('shows the connector health once its schedules have run', async () => {
    // Every schedule ran at least once, and none failed.
    const all = await eventually(
      async () => {
        const list = await schedules();
        return list.length >= 4 && list.every((s) => s.lastRun && !s.lastRun.error) ? list : undefined;
      },
      30_000,
      'every schedule to run once',
    );
    await nav('Connectors').click();
    const row = page.getByRole('row').filter({ hasText: CONNECTOR_NAME });
    await row.getByText('Healthy').waitFor();
    // Child schedules (balances per account) keep appearing while the first runs go on: compare what the
    // screen shows with what the API says right after, until both agree on a count that has every schedule.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Update now' }).click();
          const cells = (await row.getByRole('cell').allTextContents()).slice(0, 5);
          const now = await schedules();
          return cells.join('|') === ['dummypay', 'Healthy', String(now.length), '0', '0'].join('|') &&
            now.length >= all.length
            ? 'agree'
            : cells.join('|');
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('agree');
    await screenshot('connectors');
  });

  it('lists the accounts and shows a balance in major units, with its history as a chart', async () => {
    await nav('Accounts').click();
    await heading().filter({ hasText: 'Accounts' }).waitFor();
    await page.getByLabel('Connector').selectOption(connectorID);
    expect(new URL(page.url()).searchParams.get('connector')).toBe(connectorID);
    await page.getByRole('link', { name: 'Operations' }).waitFor();
    const names = await page.locator('tbody th').allTextContents();
    expect(names.sort()).toEqual(['Main', 'Operations', 'Reserve', 'Supplier']);

    await page.getByRole('link', { name: 'Operations' }).click();
    await heading().filter({ hasText: 'Account Operations' }).waitFor();
    await page.locator('.balance').filter({ hasText: '1,234.56 USD' }).waitFor({ timeout: 20_000 });

    // A new balance at the PSP becomes a second step of the history.
    await writeJson('balances.json', [
      { account_id: 'main', amount_in_minors: 10_000_000n, currency: 'EUR' },
      { account_id: 'reserve', amount_in_minors: 0n, currency: 'EUR' },
      { account_id: 'ops', amount_in_minors: 200_000n, currency: 'USD' },
    ]);
    await eventually(
      async () => {
        const history = await list<{ balance: bigint | number }>(
          `/v3/accounts/${encodeURIComponent(account('ops'))}/balances?pageSize=100`,
        );
        return history.length === 2 ? history : undefined;
      },
      30_000,
      'a second balance interval',
    );
    await page.getByRole('button', { name: 'Update now' }).click();
    await page.locator('.balance').filter({ hasText: '2,000.00 USD' }).waitFor();
    await page.getByText('History (2)').waitFor();
    expect(await page.getByRole('img').getAttribute('aria-label')).toBe(
      'USD/2 balance over time: 2 changes, from 1,234.56 USD to 2,000.00 USD',
    );
    await screenshot('account');
  });

  it('lists payments with formatted amounts and filters them by status through the API', async () => {
    await nav('Payments').click();
    await heading().filter({ hasText: 'Payments' }).waitFor();
    const row = (reference: string) =>
      page.getByRole('row').filter({ has: page.getByRole('link', { name: reference }) });
    await row('card-payin-1').waitFor();
    // 123456 minor units of USD/2, as in the fixture.
    expect(await row('card-payin-1').locator('td.num').textContent()).toBe('1,234.56 USD');
    expect(await row('big-payin-4').locator('td.num').textContent()).toBe('5,000.00 EUR');
    const references = () => page.locator('tbody th').allTextContents();
    expect((await references()).sort()).toEqual(
      ['big-payin-4', 'card-payin-1', 'sweep-transfer-3', 'supplier-payout-2'].sort(),
    );

    await page.getByLabel('Status').selectOption('SUCCEEDED');
    await eventually(
      async () => ((await references()).length === 2 ? true : undefined),
      10_000,
      'the filtered list',
    );
    expect((await references()).sort()).toEqual(['big-payin-4', 'card-payin-1']);
    expect(new URL(page.url()).searchParams.get('status')).toBe('SUCCEEDED');
    await screenshot('payments');

    // The asset filter too: typed lower-case, matched as the asset code.
    await page.getByLabel('Asset').fill('usd/2');
    await page.getByLabel('Asset').press('Enter');
    await eventually(
      async () => ((await references()).length === 1 ? true : undefined),
      10_000,
      'the asset filter',
    );
    expect(await references()).toEqual(['card-payin-1']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await eventually(
      async () => ((await references()).length === 4 ? true : undefined),
      10_000,
      'the whole list',
    );
  });

  it("opens a payment and shows its adjustments, newest first, in the viewer's time zone", async () => {
    await updatePaymentStatus(dir, 'sweep-transfer-3', 'SUCCEEDED', '2024-03-03T12:30:00Z');
    const payment = await eventually(
      async () => {
        const p = await paymentByReference('sweep-transfer-3');
        return p.adjustments?.length === 2 ? p : undefined;
      },
      30_000,
      'the second adjustment',
    );
    expect(payment.status).toBe('SUCCEEDED');

    await page.getByRole('button', { name: 'Update now' }).click();
    await page.getByRole('link', { name: 'sweep-transfer-3' }).click();
    await heading().filter({ hasText: 'Payment sweep-transfer-3' }).waitFor();
    // The provider's adjustments in the payment's timeline (its events are there too).
    const adjustments = page.locator('.timeline-adjustment');
    await adjustments.first().waitFor();
    const rows = await adjustments.evaluateAll((items) =>
      items.map((li) => ['time', '.badge', '.amount'].map((s) => li.querySelector(s)?.textContent)),
    );
    // 12:30 UTC is 13:30 in Paris (CET, GMT+1) in March before the clock change.
    expect(rows).toEqual([
      ['Mar 3, 2024, 01:30:00 PM GMT+1', 'Succeeded', '99.00 EUR'],
      ['Mar 3, 2024, 11:00:00 AM GMT+1', 'Pending', '99.00 EUR'],
    ]);
    // Accounts are named, not shown as opaque ids.
    const facts = page.locator('dl.facts');
    await facts.getByRole('link', { name: 'Main (internal)' }).waitFor();
    await facts.getByRole('link', { name: 'Reserve (internal)' }).waitFor();
    await screenshot('payment');
  });

  it('shows each schedule with its runs, and the records a run skipped', async () => {
    await nav('Connectors').click();
    await page.getByRole('link', { name: CONNECTOR_NAME }).click();
    await heading().filter({ hasText: CONNECTOR_NAME }).waitFor();
    // The schedule polls every second: its last run may still be going (nothing skipped yet). Each finished
    // run skips the one bad record again (DummyPay reads the whole file), and the table shows it.
    const payments = await eventually(
      async () => {
        const found = (await schedules()).find((s) => s.taskType === 'FETCH_PAYMENTS');
        return found?.lastRun?.terminatedAt ? found : undefined;
      },
      30_000,
      'a finished run of the payments schedule',
    );
    expect(payments.lastRun?.skippedRecords).toBe(1);
    const scheduleRow = tableBox('Schedules').getByRole('row').filter({ hasText: 'Fetch payments' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Update now' }).click();
          return scheduleRow.locator('td.warn-text').allTextContents();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['1']);
    // The runs with warnings start open, so the skipped record is in sight.
    const runs = tableBox('Runs of Fetch payments');
    await runs.getByText('1 skipped record').first().waitFor();
    await scrollToTop('schedules');
    await screenshot('connector');
  });

  it('approves a payment initiation after a confirmation, and the payment goes on', async () => {
    const created = await call('POST', '/v3/payment-initiations', {
      reference: 'console-approve-1',
      connectorID,
      type: 'TRANSFER',
      amount: 250_000n,
      asset: 'EUR/2',
      description: 'Top up the reserve',
      sourceAccountID: account('main'),
      destinationAccountID: account('reserve'),
      metadata: {},
    });
    expect(created.status).toBe(202);
    const id = (created.body as { data: { paymentInitiationID: string } }).data.paymentInitiationID;

    await nav('Payment initiations').click();
    await page.getByLabel('Status').selectOption('WAITING_FOR_VALIDATION');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'console-approve-1' }) });
    expect(await row.locator('td.num').textContent()).toBe('2,500.00 EUR');
    await row.getByRole('link').click();
    await heading().filter({ hasText: 'Payment initiation console-approve-1' }).waitFor();

    // Escape closes the confirmation without approving.
    await page.getByRole('button', { name: 'Approve…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Approve console-approve-1?' });
    await dialog.waitFor();
    await screenshot('approve-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect((await data<{ status: string }>(`/v3/payment-initiations/${encodeURIComponent(id)}`)).status).toBe(
      'WAITING_FOR_VALIDATION',
    );

    await page.getByRole('button', { name: 'Approve…' }).click();
    await dialog.getByRole('button', { name: 'Approve payment' }).click();
    const facts = page.locator('dl.facts');
    await facts.getByText('Processed', { exact: true }).waitFor({ timeout: 30_000 });
    expect((await data<{ status: string }>(`/v3/payment-initiations/${encodeURIComponent(id)}`)).status).toBe(
      'PROCESSED',
    );
    await page.getByRole('button', { name: 'Approve…' }).waitFor({ state: 'detached' });
    const statuses = await tableBox('Adjustments').locator('tbody td:nth-child(2)').allTextContents();
    expect(statuses[0]).toBe('Processed');
    expect(statuses.at(-1)).toBe('Waiting for validation');
    await screenshot('initiation');
  });

  it('rejects a payment initiation after a confirmation; nothing is sent', async () => {
    const created = await call('POST', '/v3/payment-initiations', {
      reference: 'console-reject-1',
      connectorID,
      type: 'PAYOUT',
      amount: 1_000n,
      asset: 'EUR/2',
      sourceAccountID: account('main'),
      destinationAccountID: account('supplier'),
    });
    expect(created.status).toBe(202);
    const id = (created.body as { data: { paymentInitiationID: string } }).data.paymentInitiationID;
    await page.goto(`${service.url}/console/payment-initiations/${encodeURIComponent(id)}`);
    await page.getByRole('button', { name: 'Reject…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reject console-reject-1?' });
    expect(await dialog.textContent()).toContain('The payout of 10.00 EUR is never sent.');
    await dialog.getByRole('button', { name: 'Reject payment' }).click();
    await page.locator('dl.facts').getByText('Rejected', { exact: true }).waitFor();
    expect((await data<{ status: string }>(`/v3/payment-initiations/${encodeURIComponent(id)}`)).status).toBe(
      'REJECTED',
    );
    await page.getByRole('button', { name: 'Reject…' }).waitFor({ state: 'detached' });
  });

  it('shows a paused schedule with its reason, and resumes it', async () => {
    await writeFile(join(dir, 'payments.json'), '[{"reference": "broken"'); // malformed: every run fails
    const paused = await eventually(
      async () => {
        const found = (await schedules()).find((s) => s.taskType === 'FETCH_PAYMENTS');
        return found?.pausedAt ? found : undefined;
      },
      30_000,
      'the payments schedule to pause',
    );

    await page.goto(`${service.url}/console/connectors/${encodeURIComponent(connectorID)}`);
    const scheduleRow = tableBox('Schedules').getByRole('row').filter({ hasText: 'Fetch payments' });
    await scheduleRow.locator('.badge', { hasText: 'Paused' }).waitFor();
    const reason = await tableBox('Schedules').textContent();
    expect(reason).toContain('Paused since');
    expect(reason).toContain('payments.json');
    await scrollToTop('schedules');
    await screenshot('paused');
    await nav('Connectors').click();
    await page.getByRole('row').filter({ hasText: CONNECTOR_NAME }).getByText('Paused').waitFor();
    await page.goBack();

    await writeJson('payments.json', PAYMENTS); // the cause is fixed
    await scheduleRow.getByRole('button', { name: 'Resume Fetch payments' }).click();
    await scheduleRow.getByRole('button', { name: /^Resume/ }).waitFor({ state: 'detached' });
    const resumed = (await schedules()).find((s) => s.id === paused.id);
    expect(resumed?.pausedAt).toBeUndefined();
  });

  it("states the API's error and a next step for something that does not exist", async () => {
    await page.goto(`${service.url}/console/payments/not-a-payment-id`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    // A malformed or unknown id names nothing: the screen says so (issue 17), not "check the filters".
    expect(text).toMatch(/The payment does not exist\./);
    expect(text).toMatch(/[A-Z_]{5,}: /); // the errorCode, then its message
    await alert.getByRole('link', { name: 'payments' }).waitFor();
    await page.goto(`${service.url}/console/no-such-screen`);
    await heading().filter({ hasText: 'Page not found' }).waitFor();
  });

  it('uninstalls the connector after a confirmation, following its task to the end', async () => {
    await page.goto(`${service.url}/console/connectors/${encodeURIComponent(connectorID)}`);
    await heading().filter({ hasText: CONNECTOR_NAME }).waitFor();
    await page.getByRole('button', { name: 'Uninstall…' }).click();
    const dialog = page.getByRole('dialog', { name: `Uninstall ${CONNECTOR_NAME}?` });
    // The safe choice has the focus: Enter right away cancels.
    expect(await focused().textContent()).toBe('Cancel');
    await dialog.getByRole('button', { name: 'Uninstall connector' }).click();
    await heading().filter({ hasText: 'Connector uninstalled' }).waitFor({ timeout: 30_000 });
    expect(await list('/v3/connectors')).toEqual([]);
    await page.getByRole('link', { name: 'Back to connectors' }).click();
    await waitForText('No connectors yet.');
  });

  it('says when the service does not answer, and retries', async () => {
    // Requests that never reach the service, as when it is down.
    await page.route('**/v3/**', (route) => route.abort('connectionrefused'));
    await nav('Payments').click();
    const alert = page.getByRole('alert');
    await alert.getByText('The service did not answer.').waitFor();
    expect(await alert.textContent()).toContain('Is the service running?');
    await screenshot('unreachable');
    await page.unroute('**/v3/**');
    await alert.getByRole('button', { name: 'Retry' }).click();
    // Back, and with nothing left after the uninstall: the empty state says where payments come from.
    await waitForText('No payments yet: the first poll of a connector brings them');
    expect(browser?.pageErrors).toEqual([]);
  });
});
