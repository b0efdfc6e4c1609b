// Formance's Generic connector tutorial, through `paybridge connectors install generic <file>`: the file shape it
// shows, unchanged, against the Generic PSP simulator; and a first-sync wait that runs out of time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson } from '../../src/domain/json.js';
import { MockPspTenant, spawnMockPsp } from '../support/mock-psp.js';
import { startTestService, type TestService } from '../support/service.js';
import { runCli } from './run-cli.js';

let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let dir: string;

beforeAll(async () => {
  psp = await spawnMockPsp();
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'pb-cli-generic-'));
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('connectors install generic <file>', () => {
  it("installs the tutorial's generic-connector.json as written and prints the SUCCESS line", async () => {
    const tenant = new MockPspTenant(psp.url, 'YOUR_UNIQUE_API_KEY');
    await tenant.createAccount({ accountName: 'Tutorial account', currency: 'EUR/2', initialBalance: '100' });
    // The tutorial's exact keys and values, the endpoint being the simulator's.
    await writeFile(
      join(dir, 'generic-connector.json'),
      `{
  "name": "generic-tutorial",
  "apiKey": "YOUR_UNIQUE_API_KEY",
  "endpoint": "${psp.url}",
  "pollingPeriod": "20m"
}
`,
    );
    // As typed in the tutorial: a relative file name, the server from PAYBRIDGE_URL, no prompt (stdin closed).
    const result = await runCli(['connectors', 'install', 'generic', 'generic-connector.json'], {
      cwd: dir,
      env: { PAYBRIDGE_URL: service.url },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = /^ SUCCESS {2}generic: connector '([^']+)' installed!\n$/.exec(result.stdout)?.[1];
    if (!id) throw new Error(`unexpected output: ${result.stdout}`);
    expect(connectorIdCodec.decode(id).provider).toBe('generic');

    const config = await runCli(['connectors', 'config', 'get', id, '--json'], {
      env: { PAYBRIDGE_URL: service.url },
    });
    const stored = parseJson(config.stdout) as Record<string, unknown>;
    expect(stored).toMatchObject({ name: 'generic-tutorial', endpoint: psp.url, provider: 'Generic' });
    // Secrets come back masked, and the CLI shows them as the API sent them.
    expect(stored.apiKey).not.toBe('YOUR_UNIQUE_API_KEY');
    const configs = await runCli(['connectors', 'configs', 'generic'], {
      env: { PAYBRIDGE_URL: service.url },
    });
    expect(configs.stdout).toMatch(/^generic\s+apiKey\s+string\s+yes\s+-\s+yes$/m);
    expect(configs.stdout).toMatch(/^generic\s+endpoint\s+string\s+yes\s+-\s+no$/m);
  });

  it('exits 7 when --wait runs past --timeout, and says what it waited for', async () => {
    const tenant = new MockPspTenant(psp.url, 'slow-key');
    await tenant.createAccount({ accountName: 'Slow account', currency: 'EUR/2' });
    // Every PSP call takes 5 s, so a first sync cannot finish within the 1 s allowed.
    await tenant.setFaults({ latencyMs: 5000 });
    await writeFile(
      join(dir, 'slow.json'),
      JSON.stringify({ name: 'generic-slow', apiKey: 'slow-key', endpoint: psp.url, pollingPeriod: '20m' }),
    );
    const result = await runCli(
      ['connectors', 'install', 'generic', 'slow.json', '--wait', '--timeout', '1s'],
      {
        cwd: dir,
        env: { PAYBRIDGE_URL: service.url },
      },
    );
    expect(result.code).toBe(7);
    expect(result.stdout).toMatch(/^ SUCCESS {2}generic: connector '[^']+' installed!$/m);
    expect(result.stderr).toMatch(
      /^error: timed out after 1s waiting for the first sync of connector '[^']+'$/m,
    );
  });
});
