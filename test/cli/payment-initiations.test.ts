// `paybridge payment-initiations` as a person meets it, against a real service and the Generic simulator:
// create says what comes next, --wait shows what the PSP reports as the simulator's payout is stepped,
// and a failure gives the PSP's reason in major units.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { installGeneric } from '../support/generic-install.js';
import { MockPspTenant, spawnMockPsp } from '../support/mock-psp.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { CLI, runCli } from './run-cli.js';

let psp: { url: string; stop(): Promise<void> };
let service: TestService;
let sim: MockPspTenant;
let connectorID: string;
let source: string;
let beneficiary: string;

beforeAll(async () => {
  psp = await spawnMockPsp();
  service = await startTestService({
    // The simulator runs on 127.0.0.1: named here, its refusals reach API callers in full.
    PAYBRIDGE_CONNECTOR_ENDPOINTS_ALLOW: '127.0.0.1',
    PAYBRIDGE_INITIATION_RETRY_MIN: '200ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '1s',
  });
  sim = new MockPspTenant(psp.url, 'cli-movements');
  const a = await sim.createAccount({ accountName: 'Main EUR', currency: 'EUR', initialBalance: '100000' });
  const b = await sim.createBeneficiary({ ownerName: 'Supplier Ltd' });
  const sdk = new SDK({ serverURL: service.url });
  const generic = await installGeneric(sdk, service, sim, {
    name: 'cli-movements',
    endpoint: psp.url,
    waitForAccounts: 2,
  });
  connectorID = generic.connectorID;
  source = generic.accountId(a.id);
  beneficiary = generic.accountId(b.id);
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const cli = (...args: string[]) => runCli(args, { env: { PAYBRIDGE_URL: service.url } });

const createArgs = (reference: string, amount: string, ...extra: string[]) => [
  'payment-initiations',
  'create',
  '--connector',
  connectorID,
  '--type',
  'PAYOUT',
  '--reference',
  reference,
  '--amount',
  amount,
  '--asset',
  'EUR/2',
  '--source',
  source,
  '--destination',
  beneficiary,
  ...extra,
];

/** The id `create` printed on its own line (reading it back is what a person does). */
function idFrom(output: string): string {
  const id = /^ID:\s+(\S+)$/m.exec(output)?.[1];
  if (!id) throw new Error(`no ID line in: ${output}`);
  return id;
}

/** The CLI as a child process whose stderr can be read while it runs (a wait the test steps along). */
class Running {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, PAYBRIDGE_URL: service.url, PAYBRIDGE_TOKEN: '', PAYBRIDGE_CLIENT_ID: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = once(this.child, 'exit').then(([code]) => (typeof code === 'number' ? code : -1));
  }

  /** Waits until stderr has a line matching `pattern`. */
  seen(pattern: RegExp, what: string): Promise<true> {
    return eventually(async () => (pattern.test(this.stderr) ? true : undefined), 60_000, what);
  }

  stop(): void {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
  }
}

const simPayout = (amount: string) =>
  eventually(
    async () => (await sim.transactions()).find((t) => t.type === 'PAYOUT' && t.amount === amount),
    30_000,
    `the simulator's payout of ${amount}`,
  );

const payoutPolls = async () =>
  Object.entries((await sim.stats()).byEndpoint)
    .filter(([endpoint]) => endpoint.startsWith('GET /payouts/'))
    .reduce((sum, [, n]) => sum + n, 0);

describe('payment-initiations create', () => {
  it('prints what it created and the approve and reject commands when the initiation waits for validation', async () => {
    const result = await cli(...createArgs('cli-wait-1', '1234'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = idFrom(result.stdout);
    expect(result.stdout).toMatch(/^Created payout 'cli-wait-1' \(12\.34 EUR\): WAITING_FOR_VALIDATION$/m);
    expect(result.stdout).toContain(`\n  paybridge payment-initiations approve ${id} --wait\n`);
    expect(result.stdout).toContain(`\n  paybridge payment-initiations reject ${id}\n`);
    expect(result.stdout).not.toMatch(/^Task:/m);

    // --wait has nothing to follow until approval, so it is refused before anything is sent.
    const refused = await cli(...createArgs('cli-wait-2', '1234', '--wait'));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--wait needs --no-validation/);
    const listed = await cli('payment-initiations', 'list', '--json');
    const references = (parseJson(listed.stdout) as { reference: string }[]).map((p) => p.reference);
    expect(references).not.toContain('cli-wait-2');
  });

  it('prints the task and how to follow it when the initiation goes straight to the PSP', async () => {
    const result = await cli(...createArgs('cli-now-1', '250', '--no-validation'));
    expect(result.code).toBe(0);
    const id = idFrom(result.stdout);
    const task = /^Task:\s+(\S+)$/m.exec(result.stdout)?.[1];
    expect(task).toBeDefined();
    // The Generic simulator holds a payout PENDING, so it is still with the PSP.
    expect(result.stdout).toMatch(/^Created payout 'cli-now-1' \(2\.50 EUR\): PROCESSING$/m);
    expect(result.stdout).toContain(`\n  paybridge tasks get ${task} --wait\n`);
    expect(result.stdout).toContain(`\n  paybridge payment-initiations get ${id}\n`);
    expect(result.stdout).not.toContain('approve');
    await sim.step((await simPayout('250')).id, 'succeed');
  });

  it('keeps --json to the API answer', async () => {
    const result = await cli(...createArgs('cli-json-1', '300'), '--json');
    expect(result.code).toBe(0);
    const answer = parseJson(result.stdout) as Record<string, unknown>;
    expect(Object.keys(answer).sort()).toEqual(['paymentInitiationID', 'taskID']);
    expect(answer.taskID).toBe('');
  });
});

describe('payment-initiations approve --wait', () => {
  it('shows the PSP holding the payout PENDING, then SUCCEEDED once the simulator settles it, and exits 0', async () => {
    const created = await cli(...createArgs('cli-approve-1', '4321'));
    const id = idFrom(created.stdout);
    const running = new Running(['payment-initiations', 'approve', id, '--wait', '--timeout', '3m']);
    try {
      await running.seen(/the PSP reports the payout PENDING/, 'the PENDING line');
      // Several polls of the pending payout: still one line for PENDING.
      const polls = await payoutPolls();
      await eventually(async () => ((await payoutPolls()) >= polls + 3 ? true : undefined), 60_000, 'polls');
      await sim.step((await simPayout('4321')).id, 'succeed');
      expect(await running.exited).toBe(0);
    } finally {
      running.stop();
    }
    const lines = running.stderr.split('\n');
    const pending = lines.filter((l) => l.includes('the PSP reports the payout PENDING'));
    expect(pending).toHaveLength(1);
    // The payment can show PENDING before the task notes its next check (src/cli/movements.test.ts covers that
    // wording); either way it is one line.
    expect(pending[0]).toMatch(
      /^approve: the PSP reports the payout PENDING(; Paybridge checks again (now|in \d+s))?; it ends when the PSP settles or fails it \(\d+s\)$/,
    );
    const succeeded = lines.findIndex((l) =>
      /^approve: the PSP reports the payout SUCCEEDED \(\d+s\)$/.test(l),
    );
    expect(succeeded).toBeGreaterThan(lines.indexOf(pending[0] ?? ''));
    expect(running.stderr).toMatch(
      /^Approved payout 'cli-approve-1' \(43\.21 EUR\); following it: task \S+$/m,
    );
    expect(running.stdout).toMatch(
      /^payout 'cli-approve-1' \(43\.21 EUR\) is PROCESSED; the PSP reports the payout SUCCEEDED\nPayment: \S+\n$/,
    );
  });

  it('exits 6 with the reason when the PSP fails the payout, and says how to try again', async () => {
    const created = await cli(...createArgs('cli-fail-1', '125'));
    const id = idFrom(created.stdout);
    const running = new Running(['payment-initiations', 'approve', id, '--wait', '--timeout', '3m']);
    try {
      await running.seen(/the PSP reports the payout PENDING/, 'the PENDING line');
      await sim.step((await simPayout('125')).id, 'fail');
      expect(await running.exited).toBe(6);
    } finally {
      running.stop();
    }
    expect(running.stderr).toMatch(/^approve: the PSP reports the payout FAILED \(\d+s\)$/m);
    expect(running.stderr).toMatch(
      /^error: payout 'cli-fail-1' \(1\.25 EUR\) failed: the PSP reported the payout FAILED$/m,
    );
    expect(running.stderr).toContain(`\n  paybridge payment-initiations retry ${id} --wait`);
    expect(running.stdout).toBe('');
  });
});

describe('a payout the PSP refuses', () => {
  it("exits 6 with the PSP's message, its amounts in major units", async () => {
    // More than the account's 1,000.00 EUR.
    const result = await cli(...createArgs('cli-refused-1', '250000', '--no-validation', '--wait'));
    expect(result.code).toBe(6);
    expect(result.stderr).toMatch(
      /^error: payout 'cli-refused-1' \(2,500\.00 EUR\) failed: .*INSUFFICIENT_FUNDS/m,
    );
    expect(result.stderr).toMatch(/holds [\d,]+\.\d\d EUR/);
    expect(result.stderr).not.toMatch(/\d EUR\/2/);
    expect(result.stderr).toMatch(/^The initiation is FAILED\./m);
  });
});
