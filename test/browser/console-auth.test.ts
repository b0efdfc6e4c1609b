// The web console in a real Chromium against a service with auth on: the sign-in form a 401 brings up
// (client credentials or a pasted token), who is signed in, Sign out, a token refused mid-session (the
// screen stays, the write goes on after signing in again), a read-only client's 403, and a token kept in
// the tab's memory only (a reload asks again).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { runCli } from '../cli/run-cli.js';
import { call, createClient, databaseEnv, fetchToken, type TestClient } from '../support/auth.js';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let service: TestService;
let dir: string;
let browser: TestBrowser | undefined;
let page: Page;
let writer: TestClient;
let reader: TestClient;
/** Signed in with first, then revoked while the console is open. */
let doomed: TestClient;
let adminToken: string;
let connectorID = '';
const initiations: Record<string, string> = {};

/** Saves a 1366×768 screenshot, after checking the page itself does not scroll sideways. */
async function screenshot(name: string) {
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
  expect(overflow, `${name}: the page scrolls sideways`).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(ARTIFACTS, `console-auth-${name}.png`) });
}

const heading = () => page.getByRole('heading', { level: 1 });
const focused = () => page.locator(':focus');
const signInDialog = () => page.getByRole('dialog', { name: /^Sign in/ });
const header = () => page.locator('header.top');
const nav = (label: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true });

async function signInWith(client: TestClient) {
  const dialog = signInDialog();
  await dialog.waitFor();
  await dialog.getByLabel('Client ID').fill(client.clientId);
  await dialog.getByLabel('Client secret').fill(client.clientSecret);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await header().getByText(`Signed in as ${client.clientId}`).waitFor();
}

/** Everything the page could persist: the token must be in none of it. */
async function storedByThePage(): Promise<string> {
  return String(
    await page.evaluate(
      'JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])',
    ),
  );
}

async function initiation(reference: string, token: string): Promise<string> {
  const account = (ref: string) =>
    accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference: ref });
  const created = await call(service.url, '/v3/payment-initiations', {
    method: 'POST',
    token,
    body: {
      reference,
      connectorID,
      type: 'TRANSFER',
      amount: 1500,
      asset: 'EUR/2',
      description: 'Top up the reserve',
      sourceAccountID: account('main'),
      destinationAccountID: account('reserve'),
      metadata: {},
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return (created.body as { data: { paymentInitiationID: string } }).data.paymentInitiationID;
}

async function initiationStatus(id: string): Promise<string> {
  const answer = await call(service.url, `/v3/payment-initiations/${encodeURIComponent(id)}`, {
    token: adminToken,
  });
  return (answer.body as { data: { status: string } }).data.status;
}

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/console/index.html', import.meta.url)))) {
    throw new Error('dist/console is missing: build the console with `npm run build` first.');
  }
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'pb-console-auth-'));
  const opened = '2024-01-15T09:00:00Z';
  await writeFile(
    join(dir, 'accounts.json'),
    JSON.stringify([
      { id: 'main', name: 'Main', opening_date: opened, currency: 'EUR' },
      { id: 'reserve', name: 'Reserve', opening_date: opened, currency: 'EUR' },
    ]),
  );
  // A transfer out of main needs a balance to draw on.
  await writeFile(
    join(dir, 'balances.json'),
    JSON.stringify([{ account_id: 'main', amount_in_minors: 1_000_000, currency: 'EUR' }]),
  );
  for (const name of ['payments.json', 'external_accounts.json']) await writeFile(join(dir, name), '[]');
  service = await startTestService({ PAYBRIDGE_AUTH_ENABLED: 'true' });
  [writer, reader, doomed] = await Promise.all([
    createClient(service, 'console-operator'),
    createClient(service, 'console-viewer', 'payments:read'),
    createClient(service, 'console-doomed'),
  ]);
  // Reads with payments:write; the audit scope is not needed here.
  adminToken = await fetchToken(service.url, writer);
  const installed = await call(service.url, '/v3/connectors/install/dummypay', {
    method: 'POST',
    token: adminToken,
    body: { name: 'dummy-auth', directory: dir, pollingPeriod: '1s' },
  });
  expect(installed.status).toBe(202);
  connectorID = (installed.body as { data: string }).data;
  await eventually(
    async () => {
      const accounts = await call(service.url, '/v3/accounts?pageSize=10', { token: adminToken });
      return (accounts.body as { cursor: { data: unknown[] } }).cursor.data.length === 2 ? true : undefined;
    },
    30_000,
    'the DummyPay accounts',
  );
  initiations.approve = await initiation('auth-approve-1', adminToken);
  initiations.forbidden = await initiation('auth-forbidden-1', adminToken);
  browser = await launchChromium({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('web console with auth on', () => {
  it('asks for a client id and secret (or a token) on first load', async () => {
    await page.goto(`${service.url}/console/`);
    const dialog = signInDialog();
    await dialog.waitFor();
    expect(await dialog.getByRole('heading').first().textContent()).toBe('Sign in to Paybridge');
    // The first field has the focus; the secrets are password inputs the browser must not fill.
    expect(await focused().getAttribute('name')).toBe('client_id');
    const secret = dialog.getByLabel('Client secret');
    expect(await secret.getAttribute('type')).toBe('password');
    expect(await secret.getAttribute('autocomplete')).toBe('off');
    expect(await dialog.textContent()).toContain(
      'memory only, never stored: reloading or closing the tab signs you out',
    );
    await screenshot('sign-in');
    await dialog.getByText('Paste a bearer token instead').click();
    const token = dialog.getByLabel('Bearer token');
    expect(await token.getAttribute('type')).toBe('password');
    expect(await token.getAttribute('autocomplete')).toBe('off');
    await dialog.getByText('Paste a bearer token instead').click();
  });

  it('shows the OAuth error for a wrong secret, focused, without the secret', async () => {
    const wrong = 'wrong-secret-value-123456';
    const dialog = signInDialog();
    await dialog.getByLabel('Client ID').fill(writer.clientId);
    await dialog.getByLabel('Client secret').fill(wrong);
    await dialog.getByLabel('Client secret').press('Enter');
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    const text = await alert.textContent();
    expect(text).toContain('invalid_client: client authentication failed');
    expect(await focused().getAttribute('role')).toBe('alert');
    expect(await page.content()).not.toContain(wrong);
    expect(await dialog.getByLabel('Client secret').inputValue()).toBe('');
    await screenshot('wrong-secret');
  });

  it('signs in with a client: the connectors screen, and who is signed in with which scopes', async () => {
    await signInWith(doomed);
    await page.getByRole('link', { name: 'dummy-auth' }).waitFor();
    expect(await heading().textContent()).toBe('Connectors');
    const session = await header().locator('.session').textContent();
    expect(session).toContain(`Signed in as ${doomed.clientId}`);
    expect(session).toContain('payments:read · payments:write');
    await header().getByRole('button', { name: 'Sign out' }).waitFor();
    // Neither the token nor the secret is stored by the page.
    const stored = await storedByThePage();
    expect(stored).toBe('[[],[],""]');
    await screenshot('signed-in');
    // On a smaller window the session wraps under the navigation rather than pushing the page sideways.
    await page.setViewportSize({ width: 900, height: 768 });
    await screenshot('signed-in-narrow');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('asks again when the token is refused mid-session, keeping the screen, and the approval goes on', async () => {
    await nav('Payment initiations').click();
    await page.getByRole('link', { name: 'auth-approve-1' }).click();
    await heading().filter({ hasText: 'Payment initiation auth-approve-1' }).waitFor();

    // Revoked: its tokens are refused from now on, the console's among them.
    const token = await fetchToken(service.url, doomed);
    const revoked = await runCli(['clients', 'revoke', doomed.clientId], { env: databaseEnv(service) });
    expect(revoked.code, revoked.stderr).toBe(0);
    await eventually(
      async () => ((await call(service.url, '/v3/connectors', { token })).status === 401 ? true : undefined),
      10_000,
      'the revoked client refused',
    );

    await page.getByRole('button', { name: 'Approve…' }).click();
    await page
      .getByRole('dialog', { name: 'Approve auth-approve-1?' })
      .getByRole('button', { name: 'Approve payment' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('the client of this token was revoked');
    // The client id is offered again, so the secret field has the focus.
    expect(await dialog.getByLabel('Client ID').inputValue()).toBe(doomed.clientId);
    expect(await focused().getAttribute('name')).toBe('client_secret');
    expect(await heading().textContent()).toBe('Payment initiation auth-approve-1');
    expect(await initiationStatus(initiations.approve ?? '')).toBe('WAITING_FOR_VALIDATION');
    await screenshot('refused');

    await dialog.getByLabel('Client ID').fill(writer.clientId);
    await dialog.getByLabel('Client secret').fill(writer.clientSecret);
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('dl.facts').getByText('Processed', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await initiationStatus(initiations.approve ?? '')).toBe('PROCESSED');
    await header().getByText(`Signed in as ${writer.clientId}`).waitFor();
  });

  it('signs out: the token is forgotten and the form comes back; Escape closes it', async () => {
    await header().getByRole('button', { name: 'Sign out' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign in to Paybridge' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('You signed out: the token is forgotten.');
    expect(await dialog.getByLabel('Client ID').inputValue()).toBe('');
    expect(await header().textContent()).not.toContain('Signed in as');
    // Nothing loaded with the old token stays behind the form.
    expect(await page.locator('dl.facts').count()).toBe(0);
    await screenshot('signed-out');

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    const alert = page.getByRole('alert');
    await alert.getByText(/not signed in/).waitFor();
    await screenshot('not-signed-in');
    await alert.getByRole('button', { name: 'Sign in' }).click();
    await signInWith(reader);
    await heading().filter({ hasText: 'Payment initiation auth-approve-1' }).waitFor();
  });

  it('tells a read-only client it lacks payments:write when it tries a write, and changes nothing', async () => {
    await page.goto(
      `${service.url}/console/payment-initiations/${encodeURIComponent(initiations.forbidden ?? '')}`,
    );
    await signInWith(reader);
    await page.getByRole('button', { name: 'Approve…' }).click();
    await page
      .getByRole('dialog', { name: 'Approve auth-forbidden-1?' })
      .getByRole('button', { name: 'Approve payment' })
      .click();
    const alert = page.getByRole('alert');
    await alert.getByText(`Your client ${reader.clientId} lacks payments:write.`).waitFor();
    expect(await alert.textContent()).toContain('--scopes payments:read,payments:write');
    expect(await signInDialog().isVisible()).toBe(false);
    expect(await initiationStatus(initiations.forbidden ?? '')).toBe('WAITING_FOR_VALIDATION');
    await screenshot('forbidden');

    await page.goto(`${service.url}/console/connectors/install?provider=dummypay`);
    await signInWith(reader);
    await page.getByLabel(/^Name/).fill('not-allowed');
    await page.getByLabel(/^Directory/).fill(dir);
    await page.getByRole('button', { name: 'Install dummypay' }).click();
    const refusal = page.getByRole('alert');
    await refusal.getByText('The connector was not installed.').waitFor();
    expect(await refusal.textContent()).toContain('lacks payments:write');
    expect(await focused().getAttribute('role')).toBe('alert');
    await screenshot('install-forbidden');
    const connectors = await call(service.url, '/v3/connectors', { token: adminToken });
    expect(
      (connectors.body as { cursor: { data: { name: string }[] } }).cursor.data.map((c) => c.name),
    ).toEqual(['dummy-auth']);
  });

  it('asks again after a reload: the token was kept in memory only', async () => {
    await page.goto(`${service.url}/console/connectors`);
    await signInWith(writer);
    await page.getByRole('link', { name: 'dummy-auth' }).waitFor();
    await page.reload();
    await signInDialog().waitFor();
    expect(await header().textContent()).not.toContain('Signed in as');
  });

  it('signs in with a pasted bearer token', async () => {
    const token = await fetchToken(service.url, reader);
    const dialog = signInDialog();
    await dialog.getByText('Paste a bearer token instead').click();
    await dialog.getByLabel('Bearer token').fill(token);
    await screenshot('paste-token');
    await dialog.getByRole('button', { name: 'Use this token' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('link', { name: 'dummy-auth' }).waitFor();
    const session = await header().locator('.session').textContent();
    expect(session).toContain(`Signed in as ${reader.clientId}`);
    expect(session).toContain('payments:read');
    expect(await storedByThePage()).toBe('[[],[],""]');
    await screenshot('pasted-token');
    expect(browser?.pageErrors).toEqual([]);
  });
});
