// The console as an operator's tool, in a real Chromium against a real service and the Generic simulator:
// creating a payout through the form (major units in, exact minor units out), approving it and following
// it to the end, a failed payout's error in words, retry and reverse, editing a connector's settings with
// the secret rule, ids to copy, auto-refresh, the 404 screens, and every screen in light and dark mode.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { apiCall } from '../support/api-call.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const CONNECTOR = 'generic-actions';

interface Initiation {
  id: string;
  reference: string;
  status: string;
  amount: bigint | number;
  asset: string;
  error?: string;
}

let psp: MockPsp;
let sim: MockPspTenant;
let service: TestService;
let browser: TestBrowser | undefined;
let page: Page;
let connectorID = '';
const sims: Record<'main' | 'savings' | 'supplier', string> = { main: '', savings: '', supplier: '' };

const api = (method: string, path: string, body?: unknown) => apiCall(service.url, method, path, body);
const accountID = (simID: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference: simID });
const heading = () => page.getByRole('heading', { level: 1 });
const console_ = (path: string) => `${service.url}/console${path}`;

async function initiationByReference(reference: string): Promise<Initiation | undefined> {
  const query = encodeURIComponent(JSON.stringify({ $match: { reference } }));
  const answer = await api('GET', `/v3/payment-initiations?query=${query}`);
  return (answer.body?.cursor as { data: Initiation[] } | undefined)?.data[0];
}

/** Saves a 1366×768 screenshot in light or dark mode, after checking the page does not scroll sideways. */
async function screenshot(name: string, scheme: 'light' | 'dark' = 'light') {
  await page.emulateMedia({ colorScheme: scheme });
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(ARTIFACTS, `console-actions-${name}-${scheme}.png`) });
}

async function bothSchemes(name: string) {
  await screenshot(name, 'light');
  await screenshot(name, 'dark');
  await page.emulateMedia({ colorScheme: 'light' });
}

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/console/index.html', import.meta.url)))) {
    throw new Error('dist/console is missing: build the console with `npm run build` first.');
  }
  await mkdir(ARTIFACTS, { recursive: true });
  psp = await startMockPsp({ port: 0 });
  sim = new MockPspTenant(psp.url, 'console-actions-key');
  sims.main = (
    await sim.createAccount({ accountName: 'Main EUR', currency: 'EUR', initialBalance: '500000' })
  ).id;
  sims.savings = (
    await sim.createAccount({ accountName: 'Savings EUR', currency: 'EUR', initialBalance: '0' })
  ).id;
  sims.supplier = (await sim.createBeneficiary({ ownerName: 'Supplier Ltd' })).id;
  // Naming the simulator's host lets the service show what it answered (an internal host's answers are
  // otherwise hidden from API callers), as an operator would for their own PSP.
  service = await startTestService({ PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: '127.0.0.1' });
  const installed = await api('POST', '/v3/connectors/install/generic', {
    name: CONNECTOR,
    apiKey: sim.apiKey,
    endpoint: psp.url,
    pollingPeriod: '1s',
  });
  expect(installed.status).toBe(202);
  connectorID = installed.body?.data as string;
  await eventually(
    async () => {
      const answer = await api('GET', '/v3/accounts?pageSize=100');
      const ids = ((answer.body?.cursor as { data: { id: string }[] }).data ?? []).map((a) => a.id);
      return [sims.main, sims.savings, sims.supplier].every((s) => ids.includes(accountID(s)))
        ? true
        : undefined;
    },
    30_000,
    'the first poll to bring the accounts in',
  );
  browser = await launchChromium({
    viewport: { width: 1366, height: 768 },
    locale: 'en-US',
    timezoneId: 'Europe/Paris',
    permissions: ['clipboard-read', 'clipboard-write'],
  });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await psp?.stop();
});

describe('console actions', () => {
  it('creates a payout through the form, from major units to exact minor units', async () => {
    await page.goto(console_('/payment-initiations'));
    await page.locator('.page-actions').getByRole('link', { name: 'New payout or transfer' }).click();
    await heading().filter({ hasText: 'New payment initiation' }).waitFor();
    await page.getByLabel('Source account').selectOption({ label: 'Main EUR' });
    await page.getByLabel('Destination').selectOption({ label: 'Supplier Ltd' });
    const amount = page.getByLabel('Amount');
    await amount.fill('12.345');
    await page.getByText('EUR/2 has 2 decimals').waitFor();
    // 0.29 is 0.28999… as a float: the form must send 29 cents, exactly.
    await amount.fill('1,000.29');
    await page.getByText('sent as 100029 minor units of EUR/2').waitFor();
    await page.getByText('Available: 5,000.00 EUR').waitFor();
    await page.getByLabel('Reference').fill('console-payout-1');
    await page.getByLabel('Description (optional)').fill('Invoice 42');
    await page.getByLabel('Metadata (optional)').fill('invoice=INV-42');
    await page.evaluate('window.scrollTo(0, 0)');
    await bothSchemes('create-payout');
    await page.getByRole('button', { name: 'Create payout' }).click();

    await heading().filter({ hasText: 'Payment initiation console-payout-1' }).waitFor();
    const created = await initiationByReference('console-payout-1');
    expect(created).toMatchObject({ status: 'WAITING_FOR_VALIDATION', amount: 100029, asset: 'EUR/2' });
    await page.locator('dl.facts').getByText('1,000.29 EUR').waitFor();
  });

  it('approves the payout, follows its task, and shows it settle once the PSP does', async () => {
    await page.getByRole('button', { name: 'Approve…' }).click();
    await page
      .getByRole('dialog', { name: 'Approve console-payout-1?' })
      .getByRole('button', { name: 'Approve payment' })
      .click();
    const notice = page.locator('.notice[role="status"]', { hasText: 'Approval task' });
    // The simulator holds payouts PENDING until someone steps them: the task waits, and says so.
    const payout = await eventually(
      async () =>
        (await sim.transactions()).find((t) => t.type === 'PAYOUT' && t.status === 'PENDING') ?? undefined,
      30_000,
      'the payout at the simulator',
    );
    await notice.getByText('Waiting for the provider').waitFor({ timeout: 30_000 });
    await screenshot('initiation-waiting');
    await sim.step(payout.id, 'succeed');
    await notice.getByText('Succeeded').waitFor({ timeout: 60_000 });
    // No Refresh button: the screen follows the task, and refreshes on its own.
    await page.locator('dl.facts').getByText('Processed', { exact: true }).waitFor({ timeout: 60_000 });
    expect((await initiationByReference('console-payout-1'))?.status).toBe('PROCESSED');
    await bothSchemes('initiation-processed');
  });

  it('reverses with the full amount by default, asking for a reference, and shows the outcome', async () => {
    await page.getByRole('button', { name: 'Reverse…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Reverse console-payout-1?' });
    expect(await dialog.getByLabel('Amount (EUR)').inputValue()).toBe('1000.29');
    expect(await dialog.getByLabel('Reference').inputValue()).toBe('console-payout-1-reversal');
    await dialog.getByLabel('Amount (EUR)').fill('2000');
    await dialog.getByText('At most 1,000.29 EUR is left to reverse.').waitFor();
    expect(await dialog.getByRole('button', { name: /^Reverse/ }).isDisabled()).toBe(true);
    await dialog.getByLabel('Amount (EUR)').fill('10');
    await page.getByText('paused while a form is open').waitFor();
    await screenshot('reverse-dialog');
    await dialog.getByRole('button', { name: 'Reverse 10.00 EUR' }).click();
    // Generic has no reversal: whatever the answer, it is shown in words, never left silent.
    await page
      .locator('.notice')
      .filter({ hasText: /Reversal task|Could not complete the reversal/ })
      .filter({ hasText: /Failed|Succeeded|Could not/ })
      .first()
      .waitFor({ timeout: 30_000 });
    await bothSchemes('reverse-outcome');
  });

  it("shows a failed payout's error in words and major units, the raw text folded away, and retries it", async () => {
    const created = await api('POST', '/v3/payment-initiations?noValidation=true', {
      reference: 'console-too-much',
      connectorID,
      type: 'PAYOUT',
      amount: 90_000_000n,
      asset: 'EUR/2',
      sourceAccountID: accountID(sims.main),
      destinationAccountID: accountID(sims.supplier),
      metadata: {},
    });
    expect(created.status).toBe(202);
    const failed = await eventually(
      async () => {
        const found = await initiationByReference('console-too-much');
        return found?.status === 'FAILED' ? found : undefined;
      },
      30_000,
      'the payout to fail',
    );
    expect(failed.error).toContain('INSUFFICIENT_FUNDS');
    await page.goto(console_(`/payment-initiations/${encodeURIComponent(failed.id)}`));
    const notice = page.locator('.failure-notice');
    await notice.getByText('The payout failed.').waitFor();
    const message = await notice.locator('.failure-message').textContent();
    expect(message).toContain('900,000.00 EUR');
    expect(message).not.toContain('90000000');
    expect(await notice.locator('.failure-facts').textContent()).toContain('INSUFFICIENT_FUNDS');
    const raw = notice.locator('details.raw');
    expect(await raw.getAttribute('open')).toBeNull();
    expect(await raw.locator('pre').textContent()).toBe(failed.error);
    await bothSchemes('initiation-failed');

    await page.getByRole('button', { name: 'Retry…' }).click();
    await page
      .getByRole('dialog', { name: 'Retry console-too-much?' })
      .getByRole('button', { name: 'Send it again' })
      .click();
    // Still too much: the retry's task fails, and says why in words.
    const outcome = page.locator('.notice[role="status"]', { hasText: 'Retry task' });
    await outcome.getByText('Failed', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.locator('.failure-message').first().textContent()).toContain('900,000.00 EUR');
  });

  it('refreshes lists on its own, and can be paused', async () => {
    await page.goto(console_('/payment-initiations'));
    await heading().filter({ hasText: 'Payment initiations' }).waitFor();
    await page.getByText(/Updated \d+ s ago/).waitFor();
    await bothSchemes('initiations');
    const created = await api('POST', '/v3/payment-initiations', {
      reference: 'console-arrives-later',
      connectorID,
      type: 'TRANSFER',
      amount: 500n,
      asset: 'EUR/2',
      sourceAccountID: accountID(sims.main),
      destinationAccountID: accountID(sims.savings),
      metadata: {},
    });
    expect(created.status).toBe(202);
    await page.getByRole('link', { name: 'console-arrives-later' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByText(/ · paused/).waitFor();
    await page.getByRole('button', { name: 'Resume auto-refresh' }).click();
    await page.getByRole('button', { name: 'Pause' }).waitFor();
  });

  it('copies a connector id whole, though the table shows it short', async () => {
    await page.goto(console_('/connectors'));
    const row = page.getByRole('row').filter({ hasText: CONNECTOR });
    const copy = row.getByRole('button', { name: `Copy ID of ${CONNECTOR}` });
    await copy.click();
    await copy.filter({ hasText: 'Copied' }).waitFor();
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(connectorID);
    // On a narrower window the short ids scroll with their table, never the page.
    await page.setViewportSize({ width: 900, height: 768 });
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBe(0);
    await page.setViewportSize({ width: 1366, height: 768 });
    await bothSchemes('connectors');
  });

  it("edits a connector's settings: a blank secret keeps its value, unless the endpoint changes", async () => {
    await page.goto(console_(`/connectors/${encodeURIComponent(connectorID)}`));
    await heading().filter({ hasText: CONNECTOR }).waitFor();
    await bothSchemes('connector');
    await page.getByRole('button', { name: 'Edit settings' }).click();
    const form = page.locator('form.config-edit');
    const endpoint = form.getByLabel('Endpoint');
    expect(await endpoint.inputValue()).toBe(psp.url);
    expect(await form.getByLabel('API key').inputValue()).toBe('');
    await form.getByText('leave blank to keep the stored value').waitFor();

    await endpoint.fill('http://127.0.0.1:9/elsewhere');
    await form.getByText('secret · required because the endpoint changed').waitFor();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.locator('.field-error', { hasText: 'Required because the endpoint changed' }).waitFor();
    // The first secret to type again has the focus.
    expect(await page.locator(':focus').getAttribute('name')).toBe('apiKey');
    await page.evaluate("document.getElementById('settings')?.scrollIntoView()");
    await bothSchemes('connector-edit');
    await endpoint.fill(psp.url);

    await form.getByLabel('Polling period').fill('2s');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await form.waitFor({ state: 'detached' });
    const config = await api('GET', `/v3/connectors/${encodeURIComponent(connectorID)}/config`);
    expect(config.body?.data).toMatchObject({ pollingPeriod: '2s', endpoint: psp.url });
    // The stored key was kept: polling goes on authenticated (a wrong key would pause the schedules).
    const stored = service.paybridge.deps.keyring.decrypt(
      (
        await service.paybridge.deps.db
          .selectFrom('connectors')
          .select('config_encrypted')
          .where('id', '=', connectorID)
          .executeTakeFirstOrThrow()
      ).config_encrypted,
    );
    expect(JSON.parse(stored)).toMatchObject({ apiKey: sim.apiKey });
  });

  it('asks before an uninstall, saying what the connector holds', async () => {
    await page.getByRole('button', { name: 'Uninstall…' }).click();
    const dialog = page.getByRole('dialog', { name: `Uninstall ${CONNECTOR}?` });
    await dialog.waitFor();
    const counts = await api('GET', `/v3/connectors/${encodeURIComponent(connectorID)}/counts`);
    expect(counts.status).toBe(200);
    const accounts = (counts.body as { data: { accounts: number } }).data.accounts;
    expect(accounts).toBeGreaterThan(0);
    await dialog.getByText('It holds').waitFor();
    await expect
      .poll(async () => dialog.locator('ul.usage li').allTextContents())
      .toContain(`${accounts.toLocaleString('en-US')} accounts`);
    await bothSchemes('uninstall-dialog');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('follows the system colour scheme on every screen, those of the data views included', async () => {
    const inkColour = async (scheme: 'light' | 'dark') => {
      await page.emulateMedia({ colorScheme: scheme });
      return page.evaluate<string>("getComputedStyle(document.querySelector('main') ?? document.body).color");
    };
    const main = encodeURIComponent(accountID(sims.main));
    for (const [name, path] of [
      ['accounts', '/accounts'],
      ['account', `/accounts/${main}`],
      ['payments', '/payments'],
    ] as const) {
      await page.goto(console_(path));
      await heading().waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      expect(await inkColour('dark'), name).not.toBe(await inkColour('light'));
      await bothSchemes(`other-${name}`);
    }
  });

  it('says a page or an object does not exist, rather than to check filters', async () => {
    await page.goto(console_('/no-such-screen'));
    await heading().filter({ hasText: 'Page not found' }).waitFor();
    await page.getByText('This page does not exist.').waitFor();
    await bothSchemes('not-found');
    await page.goto(console_('/payment-initiations/not-an-id'));
    const alert = page.getByRole('alert');
    await alert.getByText('The payment initiation does not exist.').waitFor();
    expect(await alert.textContent()).not.toContain('check the filters');
    await bothSchemes('initiation-not-found');
    const unknown = encodeURIComponent(
      accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference: 'nobody' }),
    );
    await page.goto(console_(`/connectors/${unknown}`));
    await page
      .getByRole('alert')
      .getByText(/does not exist/)
      .waitFor();
  });

  it('shows the reason a provider gave when an install fails', async () => {
    await page.route('**/v3/connectors/install/**', (route) =>
      route.fulfill({
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({
          errorCode: 'VALIDATION',
          errorMessage:
            '127.0.0.1:9 refused the connector\'s credentials (HTTP 401: {"error":{"code":"invalid_key","message":"API key not recognised"}})',
        }),
      }),
    );
    await page.goto(console_('/connectors/install?provider=generic'));
    await page.getByLabel('Name').fill('refused');
    await page.getByLabel('API key').fill('wrong');
    await page.getByLabel('Endpoint').fill('http://127.0.0.1:9');
    await page.getByRole('button', { name: 'Install generic' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('The connector was not installed.').waitFor();
    expect(await alert.textContent()).toContain('API key not recognised');
    await bothSchemes('install-refused');
    await page.unroute('**/v3/connectors/install/**');
    expect(browser?.pageErrors).toEqual([]);
  });
});
