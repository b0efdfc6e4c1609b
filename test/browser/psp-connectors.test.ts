// Installing each wave-1 PSP connector through the console's form, generated from its config schema, in a
// real Chromium against its fake PSP: secrets are password inputs, the install lands on the connector's
// page, the page never shows a secret back, and the connector ingests the fake's accounts and payments.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type TestBrowser } from '../support/chromium.js';
import { PSP_PROVIDERS, startPspFakes } from '../support/psp-fakes.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

let service: TestService;
let browser: TestBrowser | undefined;
let page: Page;
let running: Awaited<ReturnType<typeof startPspFakes>> | undefined;

interface ConfigEntry {
  dataType: string;
  required: boolean;
  secret?: boolean;
}

async function list<T>(path: string): Promise<T[]> {
  const response = await fetch(`${service.url}${path}`);
  if (response.status !== 200) throw new Error(`GET ${path} → ${response.status} ${await response.text()}`);
  return ((await response.json()) as { cursor: { data: T[] } }).cursor.data;
}
const count = async (kind: 'accounts' | 'payments', connectorID: string) =>
  (
    await list(
      `/v3/${kind}?pageSize=100&query=${encodeURIComponent(JSON.stringify({ $match: { connector_id: connectorID } }))}`,
    )
  ).length;

beforeAll(async () => {
  if (!existsSync(fileURLToPath(new URL('../../dist/console/index.html', import.meta.url)))) {
    throw new Error('dist/console is missing: build the console with `npm run build` first.');
  }
  await mkdir(ARTIFACTS, { recursive: true });
  running = await startPspFakes();
  service = await startTestService(running.settings);
  browser = await launchChromium({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
  page = browser.page;
});

afterAll(async () => {
  await browser?.close();
  await service?.stop();
  await running?.close();
});

describe.each(PSP_PROVIDERS)('the console installs %s', (provider) => {
  it('through the generated form, and the connector ingests the fake PSP', async () => {
    const fake = running!.fakes[provider]!;
    const configs = (await (await fetch(`${service.url}/v3/connectors/configs`)).json()) as {
      data: Record<string, Record<string, ConfigEntry>>;
    };
    const schema = configs.data[provider];
    expect(schema, `${provider} is in the configs catalogue`).toBeDefined();

    await page.goto(`${service.url}/console/connectors/install`);
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Install a connector' }).waitFor();
    await page.getByLabel('Provider').selectOption(provider);
    const name = `console-${provider}`;
    await page.locator('[name="name"]').fill(name);
    for (const [key, value] of Object.entries(fake.config)) {
      const entry = schema![key];
      expect(entry, `${provider}: the form has a field ${key}`).toBeDefined();
      const input = page.locator(`[name="${key}"]`);
      if (entry!.dataType === 'boolean') {
        await input.setChecked(value === 'true');
        continue;
      }
      // A PEM key keeps its line breaks only in a text area.
      if (value.includes('\n')) expect(entry!.dataType).toBe('long string');
      if (entry!.secret) {
        expect(await input.getAttribute('type')).toBe('password');
        expect(await input.inputValue()).toBe('');
      }
      await input.fill(value);
    }
    await page.screenshot({ path: join(ARTIFACTS, `console-install-${provider}.png`) });
    await page.getByRole('button', { name: `Install ${provider}` }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: name }).waitFor({ timeout: 30_000 });
    const connectors = await list<{ id: string; name: string; provider: string }>('/v3/connectors');
    const installed = connectors.find((c) => c.name === name);
    expect(installed?.provider).toBe(provider);
    const connectorID = installed!.id;
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/console/connectors/${connectorID}`);
    // The connector's page shows its config with every secret masked.
    const text = (await page.locator('main').textContent()) ?? '';
    for (const [key, value] of Object.entries(fake.config)) {
      if (schema![key]?.secret) expect(text).not.toContain(value);
    }
    await eventually(
      async () =>
        (await count('accounts', connectorID)) >= fake.expected.accounts &&
        (await count('payments', connectorID)) >= fake.expected.payments
          ? true
          : undefined,
      60_000,
      `${provider}: ${fake.expected.accounts} accounts and ${fake.expected.payments} payments`,
    );
    if (provider === 'column') {
      // The service's public URL is plain http here, so Column's endpoint is not made, and the
      // schedules table says so under the webhooks task.
      await page
        .getByRole('region', { name: 'Schedules' })
        .getByText(/Last run warned: Column webhooks are OFF/)
        .waitFor({ timeout: 30_000 });
    }
    await page.screenshot({ path: join(ARTIFACTS, `console-installed-${provider}.png`) });
  });
});
