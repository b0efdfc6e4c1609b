// Runs docs/generic-connector.md: every command it shows, in order, against a simulator and a Paybridge
// service, so the getting-started guide cannot drift from what the code does. `paybridge` in the guide is
// the built CLI (a shim on PATH), pointed at the test service by PAYBRIDGE_URL as a reader's would be by
// its default address.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { MockPspTenant, spawnMockPsp } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const run = promisify(execFile);
const DOC = new URL('../../docs/generic-connector.md', import.meta.url);
const CLI = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

let guide: string;
let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let dir: string;
/** A directory holding the `paybridge` shim, put first on PATH. */
let bin: string;

/** The fenced block right after `<!-- kind: name -->`, with the guide's addresses swapped for the test's. */
function block(kind: 'step' | 'file' | 'alternative', name: string): string {
  const match = new RegExp(`<!-- ${kind}: ${name} -->\\s*\`\`\`\\w+\\n([\\s\\S]*?)\`\`\``).exec(guide);
  if (!match?.[1]) throw new Error(`docs/generic-connector.md has no ${kind} "${name}"`);
  return match[1]
    .replaceAll('http://127.0.0.1:8090', psp.url)
    .replaceAll('http://127.0.0.1:8080', service.url);
}

async function step(
  name: string,
  env: Record<string, string> = {},
  kind: 'step' | 'alternative' = 'step',
  cwd = dir,
): Promise<string> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', block(kind, name)], {
    cwd,
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
      PAYBRIDGE_URL: service.url,
      ...env,
    },
  });
  return stdout;
}

beforeAll(async () => {
  guide = await readFile(DOC, 'utf8');
  psp = await spawnMockPsp();
  service = await startTestService();
  dir = await mkdtemp(join(tmpdir(), 'pb-guide-'));
  bin = join(dir, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'paybridge'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
  await chmod(join(bin, 'paybridge'), 0o755);
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('docs/generic-connector.md', () => {
  it('starts the simulator and Paybridge with the commands it shows', () => {
    expect(guide).toContain('npm run mock-psp');
    expect(guide).toContain(
      'PAYBRIDGE_POLLING_PERIOD_MINIMUM=5s PAYBRIDGE_POLLING_PERIOD_DEFAULT=5s npm start',
    );
  });

  it('walks from seeding the simulator to a payment changing status after the next poll', async () => {
    await step('seed');
    const sim = new MockPspTenant(psp.url, 'demo-key');
    expect(await sim.transactions()).toHaveLength(200);

    await writeFile(join(dir, 'generic.json'), block('file', 'generic.json'));
    const installed = await step('install');
    expect(installed).toMatch(/^ SUCCESS {2}generic: connector '[A-Za-z0-9_-]+' installed!\n$/);

    const watched = await eventually(
      async () => {
        const out = await step('watch');
        // Both tables have rows: the accounts and at least one payment (a header line, then data).
        const tables = out.split(/^(?=REFERENCE\s)/m).filter((t) => t.trim() !== '');
        return tables.length === 2 && tables.every((t) => t.trim().split('\n').length > 1) ? out : undefined;
      },
      30_000,
      'accounts and payments to appear',
    );
    expect(watched).toContain('Main EUR account');
    expect(watched).toMatch(/^REFERENCE\s+TYPE\s+STATUS\s+AMOUNT/m);

    const pending = (await sim.transactions()).find((t) => t.status === 'PENDING');
    if (!pending) throw new Error('the simulator generated no pending transaction');
    // Wait until Paybridge has seen it pending, so the change below is a change.
    await eventually(
      async () => (/\sPENDING\s/.test(await step('check', { TXN: pending.id })) ? true : undefined),
      30_000,
      'the pending payment to arrive',
    );
    await step('succeed', { TXN: pending.id });
    const after = await eventually(
      async () => {
        const out = await step('check', { TXN: pending.id });
        return /\sSUCCEEDED\s/.test(out) ? out : undefined;
      },
      30_000,
      'the payment to show SUCCEEDED',
    );
    expect(after).toContain(pending.id);
  });

  it('installs with the curl alternative it shows, answering the connector id', async () => {
    // Its own directory and connector name: the first install already holds "my-psp".
    const other = join(dir, 'curl');
    await mkdir(other);
    await writeFile(
      join(other, 'generic.json'),
      block('file', 'generic.json').replace('"my-psp"', '"my-psp-curl"'),
    );
    const installed = parseJson(await step('install-curl', {}, 'alternative', other)) as { data?: string };
    expect(installed.data).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
