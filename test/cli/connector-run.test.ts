// `paybridge connector run` against the Generic simulator: the tree, one node, paging, resume, JSON lines,
// record then replay with the simulator stopped, and writes carrying their idempotency key.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/domain/json.js';
import { startMockPsp, type MockPsp } from '../../src/mock-psp/server.js';
import { MockPspTenant } from '../support/mock-psp.js';
import { runCli } from './run-cli.js';

const API_KEY = 'sk-run-test-5f1c2e9a';

let psp: MockPsp;
let tenant: MockPspTenant;
let dir: string;
let configFile: string;
let accounts: string[];
let transactions: string[];

interface Line {
  task?: string;
  parent?: string;
  item?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

function lines(stdout: string): Line[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => parseJson(line) as Line);
}

const refsOf = (output: Line[], task: string) =>
  output.filter((l) => l.task === task).map((l) => String(l.item?.reference));

beforeAll(async () => {
  psp = await startMockPsp();
  tenant = new MockPspTenant(psp.url, API_KEY);
  const a = await tenant.createAccount({ accountName: 'Main', currency: 'EUR/2', initialBalance: '100000' });
  const b = await tenant.createAccount({ accountName: 'Reserve', currency: 'EUR/2' });
  accounts = [a.id, b.id];
  await tenant.createBeneficiary({ ownerName: 'Supplier' });
  await tenant.generate(7);
  transactions = (await tenant.transactions()).map((t) => t.id);
  dir = await mkdtemp(join(tmpdir(), 'pb-connector-run-'));
  configFile = join(dir, 'generic.json');
  // An install file as `connectors install` takes it: the engine's fields are ignored here.
  await writeFile(
    configFile,
    JSON.stringify({ name: 'local', apiKey: API_KEY, endpoint: psp.url, pollingPeriod: '20m' }),
  );
});

afterAll(async () => {
  await psp?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('connector run <provider> --config', () => {
  it('walks the whole tree, balances once per account, and prints a table per node then the state', async () => {
    const result = await runCli(['connector', 'run', 'generic', '--config', configFile]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^fetch_accounts \(FETCH_ACCOUNTS\): 2 items/m);
    expect(result.stdout).toMatch(
      /^fetch_accounts\/fetch_balances \(FETCH_BALANCES\): 2 items, 2 pages, 2 parent/m,
    );
    expect(result.stdout).toMatch(/^fetch_external_accounts \(FETCH_EXTERNAL_ACCOUNTS\): 1 items/m);
    expect(result.stdout).toMatch(/^fetch_payments \(FETCH_PAYMENTS\): 7 items/m);
    for (const id of [...accounts, ...transactions]) expect(result.stdout).toContain(id);
    const marker = 'state (resume with --state):\n';
    expect(result.stdout).toContain(marker);
    const state = parseJson(result.stdout.slice(result.stdout.indexOf(marker) + marker.length)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(state).sort()).toEqual([
      'fetch_accounts',
      ...accounts.map((id) => `fetch_accounts/fetch_balances#${id}`).sort(),
      'fetch_external_accounts',
      'fetch_payments',
    ]);
  });

  it('prints one JSON line per item with its task and parent, then the state', async () => {
    const result = await runCli(['connector', 'run', 'generic', '--config', configFile, '--json']);
    expect(result.code).toBe(0);
    const output = lines(result.stdout);
    expect(refsOf(output, 'fetch_accounts').sort()).toEqual([...accounts].sort());
    expect(refsOf(output, 'fetch_payments').sort()).toEqual([...transactions].sort());
    const balances = output.filter((l) => l.task === 'fetch_accounts/fetch_balances');
    expect(balances.map((l) => l.parent).sort()).toEqual([...accounts].sort());
    // Amounts are exact integers in minor units, not strings.
    expect(typeof balances[0]?.item?.amount).toMatch(/number|bigint/);
    expect(output.at(-1)?.state).toHaveProperty('fetch_payments');
  });

  it('runs one node with --task, by name or task type, and only that node', async () => {
    for (const task of [
      'fetch_balances',
      'FETCH_BALANCES',
      'fetch_accounts/fetch_balances',
      'fetch_accounts.fetch_balances',
    ]) {
      const result = await runCli([
        'connector',
        'run',
        'generic',
        '--config',
        configFile,
        '--json',
        '--task',
        task,
      ]);
      expect(result.code).toBe(0);
      const output = lines(result.stdout);
      expect(new Set(output.filter((l) => l.task).map((l) => l.task))).toEqual(
        new Set(['fetch_accounts/fetch_balances']),
      );
      expect(
        output
          .filter((l) => l.task)
          .map((l) => l.parent)
          .sort(),
      ).toEqual([...accounts].sort());
    }
    const unknown = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      configFile,
      '--task',
      'fetch_orders',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no node 'fetch_orders'");
  });

  it('stops after --pages, and --state resumes where it stopped without repeating an item', async () => {
    const base = [
      'connector',
      'run',
      'generic',
      '--config',
      configFile,
      '--json',
      '--task',
      'fetch_payments',
    ];
    const first = lines((await runCli([...base, '--page-size', '2', '--pages', '1'])).stdout);
    const firstRefs = refsOf(first, 'fetch_payments');
    expect(firstRefs).toHaveLength(2);
    const state = first.at(-1)?.state;
    expect(state).toBeDefined();
    const stateFile = join(dir, 'state.json');
    await writeFile(stateFile, JSON.stringify(state));
    const rest = await runCli([...base, '--page-size', '2', '--state', stateFile]);
    expect(rest.code).toBe(0);
    const restRefs = refsOf(lines(rest.stdout), 'fetch_payments');
    expect([...firstRefs, ...restRefs].sort()).toEqual([...transactions].sort());
    // A key naming no node is pointed out rather than silently starting from scratch.
    const typo = await runCli([...base, '--pages', '1', '--state', '{"fetch_paymnts":{}}']);
    expect(typo.stderr).toContain("--state: 'fetch_paymnts' names no node");
    // Inline JSON works too, and a finished state gives nothing already seen.
    const finalState = lines(rest.stdout).at(-1)?.state;
    const again = await runCli([...base, '--state', JSON.stringify(finalState)]);
    expect(refsOf(lines(again.stdout), 'fetch_payments')).toEqual([]);
  });

  it('refuses a config the connector refuses, naming the field', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ endpoint: psp.url }));
    const result = await runCli(['connector', 'run', 'generic', '--config', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('apiKey');
    const unknown = await runCli(['connector', 'run', 'nopsp', '--config', configFile]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown connector 'nopsp'");
  });
});

describe('connector run dummypay', () => {
  it('runs the hidden test double on a directory of its files', async () => {
    const data = join(dir, 'dummypay');
    await mkdir(data);
    await writeFile(
      join(data, 'accounts.json'),
      JSON.stringify([{ id: 'dp-1', name: 'Dummy', opening_date: '2024-01-02T03:04:05Z', currency: 'EUR' }]),
    );
    await writeFile(
      join(data, 'balances.json'),
      '[{"account_id":"dp-1","amount_in_minors":123456789012345678901234567890,"currency":"EUR"}]',
    );
    const config = join(dir, 'dummypay.json');
    await writeFile(config, JSON.stringify({ directory: data }));
    const result = await runCli(['connector', 'run', 'dummypay', '--config', config, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = lines(result.stdout);
    expect(refsOf(output, 'fetch_accounts')).toEqual(['dp-1']);
    // Bigint-safe: the balance beyond 2^53 comes out digit for digit.
    expect(result.stdout).toContain('"amount":123456789012345678901234567890');
  });
});

describe('connector run --record / --replay', () => {
  it('records every exchange with the API key redacted, and replays them with the PSP gone', async () => {
    const own = await startMockPsp();
    const key = 'sk-record-only-8d7e6f';
    const ownTenant = new MockPspTenant(own.url, key);
    await ownTenant.createAccount({ accountName: 'Recorded', currency: 'USD/2', initialBalance: '500' });
    await ownTenant.generate(4);
    const config = join(dir, 'record.json');
    await writeFile(config, JSON.stringify({ apiKey: key, endpoint: own.url }));
    const fixtures = join(dir, 'fixtures');

    const recorded = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      config,
      '--json',
      '--record',
      fixtures,
    ]);
    expect(recorded.code).toBe(0);
    const files = (await readdir(fixtures)).sort();
    expect(files[0]).toBe('0001-get-accounts.json');
    expect(files.some((f) => /-get-accounts-.+-balances\.json$/.test(f))).toBe(true);
    for (const file of files) {
      const text = await readFile(join(fixtures, file), 'utf8');
      expect(text, file).not.toContain(key);
      const exchange = parseJson(text) as {
        method: string;
        url: string;
        request: { headers: Record<string, string> };
        response: { status: number };
      };
      expect(exchange.method).toBe('GET');
      expect(exchange.request.headers.authorization).toBe('[REDACTED]');
      expect(exchange.response.status).toBe(200);
    }
    await own.stop();

    const replayed = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      config,
      '--json',
      '--replay',
      fixtures,
    ]);
    expect(replayed.stderr).toBe('');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toBe(recorded.stdout);

    // A session is recorded into a directory of its own, never on top of another.
    const again = await runCli(['connector', 'run', 'generic', '--config', config, '--record', fixtures]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is not empty');

    // A request the recording does not hold fails, naming it.
    const missing = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      config,
      '--replay',
      fixtures,
      '--task',
      'fetch_payments',
      '--page-size',
      '3',
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('no recorded exchange left');
    expect(missing.stderr).toContain('GET /transactions?page=1&pageSize=3');
  });
});

describe('connector run --write', () => {
  it('sends a payout with a fresh idempotency key, prints it, and repeats it with --idempotency-key', async () => {
    const body = join(dir, 'payout.json');
    const beneficiary = (await tenant.beneficiaries())[0]?.id;
    // Its own funded account: the generated transactions move the others' balances at random.
    const source = await tenant.createAccount({
      accountName: 'Payouts',
      currency: 'EUR/2',
      initialBalance: '100000',
    });
    await writeFile(
      body,
      JSON.stringify({
        amount: 250,
        asset: 'EUR/2',
        sourceAccount: source.id,
        destinationAccount: beneficiary,
      }),
    );
    const result = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      configFile,
      '--write',
      'payout',
      '--body',
      body,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const key = /^idempotency key: (\S+)/.exec(result.stdout)?.[1];
    expect(key).toMatch(/^[0-9a-f-]{36}$/);
    const payment = (
      parseJson(result.stdout.slice(result.stdout.indexOf('{'))) as { payment: { reference: string } }
    ).payment;

    // The simulator holds the payout under the key the runner printed.
    const stored = await fetch(`${psp.url}/payouts/${payment.reference}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(((await stored.json()) as { idempotencyKey: string }).idempotencyKey).toBe(key);

    const again = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      configFile,
      '--json',
      '--write',
      'payout',
      '--body',
      body,
      '--idempotency-key',
      key ?? '',
    ]);
    expect(again.code).toBe(0);
    const repeated = parseJson(again.stdout) as {
      idempotencyKey: string;
      result: { payment: { reference: string } };
    };
    expect(repeated.idempotencyKey).toBe(key);
    expect(repeated.result.payment.reference).toBe(payment.reference);
  });

  it('refuses a body that is not a payment initiation, before calling the PSP', async () => {
    const body = join(dir, 'bad-payout.json');
    await writeFile(body, JSON.stringify({ amount: 'ten' }));
    await tenant.resetStats();
    const result = await runCli([
      'connector',
      'run',
      'generic',
      '--config',
      configFile,
      '--write',
      'payout',
      '--body',
      body,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('asset');
    expect((await tenant.stats()).byEndpoint).toEqual({});
  });
});
