// Installing each wave-1 PSP connector with the CLI, as its README asks, against its fake PSP: the install
// succeeds, the first sync lands the fake's accounts and payments, and a wrong key is refused with the PSP's
// reason and nothing installed.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { PSP_PROVIDERS, startPspFakes } from '../support/psp-fakes.js';
import { runCli } from './run-cli.js';

let service: TestService;
let dir: string;
let running: Awaited<ReturnType<typeof startPspFakes>> | undefined;

const cli = (...args: string[]) => runCli([...args, '--server', service.url]);

/** A config file as a person writes one: JSON, booleans as booleans. */
function configFile(name: string, config: Record<string, string>) {
  const body: Record<string, unknown> = { name, pollingPeriod: '1s' };
  for (const [key, value] of Object.entries(config))
    body[key] = value === 'true' ? true : value === 'false' ? false : value;
  return stringifyJson(body);
}

async function count(kind: 'accounts' | 'payments', connectorID: string): Promise<number> {
  const query = encodeURIComponent(JSON.stringify({ $match: { connector_id: connectorID } }));
  const response = await fetch(`${service.url}/v3/${kind}?pageSize=100&query=${query}`);
  return ((await response.json()) as { cursor: { data: unknown[] } }).cursor.data.length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-cli-psp-'));
  running = await startPspFakes();
  service = await startTestService(running.settings);
});

afterAll(async () => {
  await service?.stop();
  await running?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(PSP_PROVIDERS)('paybridge connectors install %s', (provider) => {
  it('installs against the fake PSP and ingests its accounts and payments', async () => {
    const fake = running!.fakes[provider]!;
    const file = join(dir, `${provider}.json`);
    await writeFile(file, configFile(`cli-${provider}`, fake.config));
    const result = await cli('connectors', 'install', provider, file);
    expect(result.stderr).not.toMatch(/^error:/m);
    expect(result.code).toBe(0);
    const connectorID = /connector '([^']+)' installed!/.exec(result.stdout)?.[1] ?? '';
    expect(connectorID).not.toBe('');
    await eventually(
      async () =>
        (await count('accounts', connectorID)) >= fake.expected.accounts &&
        (await count('payments', connectorID)) >= fake.expected.payments
          ? true
          : undefined,
      60_000,
      `${provider}: ${fake.expected.accounts} accounts and ${fake.expected.payments} payments`,
    );
    const listed = await cli('connectors', 'list', '--json');
    expect(listed.code).toBe(0);
    const connectors = parseJson(listed.stdout) as { id: string; provider: string }[];
    expect(connectors.find((c) => c.id === connectorID)?.provider).toBe(provider);
    // The secrets the file carried are never printed back.
    const shown = await cli('connectors', 'config', 'get', connectorID, '--json');
    expect(shown.code).toBe(0);
    for (const [key, value] of Object.entries(fake.config)) {
      if (value.length >= 8 && /key|secret|token|password/i.test(key))
        expect(shown.stdout).not.toContain(value);
    }
  });

  it('refuses a wrong key with the PSP reason and installs nothing', async () => {
    const fake = running!.fakes[provider]!;
    const wrong = Object.fromEntries(
      Object.entries(fake.config).map(([key, value]) =>
        /key|secret|token/i.test(key) && !/public|webhook/i.test(key)
          ? [key, `${value}-wrong`]
          : [key, value],
      ),
    );
    const before = await cli('connectors', 'list', '--json');
    const file = join(dir, `${provider}-wrong.json`);
    await writeFile(file, configFile(`cli-${provider}-wrong`, wrong));
    const result = await cli('connectors', 'install', provider, file);
    expect(result.code).not.toBe(0);
    // The PSP's own words after its status, e.g. Stripe's "Invalid API Key provided: sk_test_****";
    // Currencycloud answers a key of the wrong length with 400 (api_key_length_is_invalid).
    expect(result.stderr).toMatch(
      /^error: VALIDATION: .*refused the connector's credentials \(HTTP 40[01]: \S.*\)/,
    );
    for (const value of Object.values(wrong))
      if (value.length >= 8) expect(result.stderr).not.toContain(value);
    const after = await cli('connectors', 'list', '--json');
    expect((parseJson(after.stdout) as unknown[]).length).toBe(
      (parseJson(before.stdout) as unknown[]).length,
    );
  });
});

describe('the built executable', () => {
  // Under plain Node (not vitest's loader) each connector's SDK must load as the package ships it: a
  // CommonJS SDK imported by name would only fail here, and stop the service from starting.
  it('loads every connector and lists each in the catalogue it writes', async () => {
    const root = join(dir, 'catalogue');
    await mkdir(join(root, 'docs', 'connectors'), { recursive: true });
    const result = await runCli(['connector', 'catalogue', '--root', root]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const capabilities = parseJson(await readFile(join(root, 'docs/connectors/capabilities.json'), 'utf8'));
    for (const provider of PSP_PROVIDERS) expect(Object.keys(capabilities as object)).toContain(provider);
  });
});
