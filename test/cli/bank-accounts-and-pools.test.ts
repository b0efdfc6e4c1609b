// `paybridge bank-accounts …` and `paybridge pools …` end to end against a real service ingesting DummyPay:
// account numbers only ever shown masked, forwarding with --wait, pool balances summed exactly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { type DummyPayData, JUST_ABOVE_2_53, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { startTestService, type TestService } from '../support/service.js';
import { type CliResult, runCli } from './run-cli.js';

const IBAN = 'FR7630006000011234567890189';
const ACCOUNT_NUMBER = '12345678901';

let service: TestService;
let dir: string;
let data: DummyPayData;
let connectorID: string;
/** Every output of this file, to check that no account number ever appears whole. */
const outputs: CliResult[] = [];

async function cli(...args: string[]): Promise<CliResult> {
  const result = await runCli([...args, '--server', service.url]);
  outputs.push(result);
  return result;
}

async function json<T = unknown>(...args: string[]): Promise<T> {
  const result = await cli(...args, '--json');
  expect(result.stderr).not.toMatch(/^error:/m);
  expect(result.code).toBe(0);
  return parseJson(result.stdout) as T;
}

const accountID = (reference: string) =>
  accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connectorID), reference });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-cli-money-'));
  data = await writeDummyPayDirectory(join(dir, 'psp'), { accounts: 5, payments: 0 });
  service = await startTestService();
  await writeFile(
    join(dir, 'config.json'),
    stringifyJson({ name: 'cli-money', directory: join(dir, 'psp') }),
  );
  connectorID = await json<string>('connectors', 'install', 'dummypay', join(dir, 'config.json'), '--wait');
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bank-accounts', () => {
  let id: string;

  it('creates a bank account from flags and lists it with its numbers masked', async () => {
    id = await json<string>(
      'bank-accounts',
      'create',
      '--name',
      'Supplier SARL',
      '--iban',
      IBAN,
      '--account-number',
      ACCOUNT_NUMBER,
      '--swift-bic-code',
      'BNPAFRPPXXX',
      '--country',
      'FR',
      '--metadata',
      'team=ops',
    );
    const table = await cli('bank-accounts', 'list');
    expect(table.stdout.split('\n')[0]).toMatch(
      /^NAME\s+ACCOUNT NUMBER\s+IBAN\s+BIC\s+COUNTRY\s+CREATED \(UTC\)\s+ID$/,
    );
    // The short id of a UUID is its first 8 hex digits.
    const line = table.stdout.split('\n').find((l) => l.endsWith(`  ${id.slice(0, 8)}`)) ?? '';
    expect(line).toMatch(/Supplier SARL\s+\S+\s+FR76\S*0189\s+BNPA\S*\s+FR/);
  });

  it('adds metadata, forwards the account to a connector with --wait, and shows both', async () => {
    const metadata = await cli('bank-accounts', 'metadata', id, 'owner=finance');
    expect(metadata).toMatchObject({ code: 0, stdout: `bank account '${id}' metadata updated\n` });
    const forwarded = await cli('bank-accounts', 'forward', id, '--connector', connectorID, '--wait');
    expect(forwarded.code).toBe(0);
    expect(forwarded.stdout).toMatch(/forward of bank account '.+' done: task \S+ SUCCEEDED/);
    const shown = await cli('bank-accounts', 'get', id);
    // Merged into the metadata given at creation, one entry per line.
    expect(shown.stdout).toMatch(/^Metadata:\s+team=ops\n\s+owner=finance$/m);
    // Named by its name, it is the same bank account.
    expect((await cli('bank-accounts', 'get', 'Supplier SARL')).stdout).toBe(shown.stdout);
    const got = await json<{ relatedAccounts: { accountID: string }[] }>('bank-accounts', 'get', id);
    expect(got.relatedAccounts).toHaveLength(1);
    expect(shown.stdout).toContain(got.relatedAccounts[0]?.accountID);
  });

  it('refuses a create without a name as a usage error, and an invalid IBAN as the API does', async () => {
    expect((await cli('bank-accounts', 'create', '--iban', IBAN)).code).toBe(2);
    const refused = await cli('bank-accounts', 'create', '--name', 'x', '--iban', 'FR76-not-valid');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^error: VALIDATION: .+ \(HTTP 400\)$/m);
  });

  it('never prints an account number or IBAN whole', () => {
    for (const { stdout, stderr } of outputs) {
      expect(stdout + stderr).not.toContain(IBAN);
      expect(stdout + stderr).not.toContain(ACCOUNT_NUMBER);
    }
  });
});

describe('pools', () => {
  it('creates a static pool and sums its balances per asset exactly, following account changes', async () => {
    const [first, , , , fifth] = data.accounts;
    if (!first || !fifth || first.currency !== 'EUR' || fifth.currency !== 'EUR') {
      throw new Error('the fixture should give accounts 0 and 4 EUR balances');
    }
    const fifthBalance = data.balances.find((b) => b.account_id === fifth.id)?.amount_in_minors ?? 0n;
    const pool = await json<string>(
      'pools',
      'create',
      '--name',
      'treasury',
      '--account',
      accountID(first.id),
      '--account',
      accountID(fifth.id),
    );
    const listed = await cli('pools', 'list');
    expect(listed.stdout.split('\n').find((l) => l.endsWith(`  ${pool.slice(0, 8)}`))).toMatch(
      /treasury\s+STATIC\s+2\s/,
    );

    const sum = JUST_ABOVE_2_53 + fifthBalance;
    expect(await json('pools', 'balances', 'treasury')).toEqual(await json('pools', 'balances', pool));
    expect(await json('pools', 'balances', pool)).toEqual([
      { asset: 'EUR/2', amount: sum, relatedAccounts: expect.any(Array) },
    ]);
    const table = await cli('pools', 'balances', pool);
    expect(table.stdout).toMatch(new RegExp(`^EUR/2\\s+\\S+ EUR\\s+${sum}\\s+2$`, 'm'));

    expect((await cli('pools', 'remove-account', pool, accountID(fifth.id))).code).toBe(0);
    expect(await json('pools', 'balances', pool)).toMatchObject([
      { asset: 'EUR/2', amount: JUST_ABOVE_2_53 },
    ]);
    expect((await cli('pools', 'add-account', pool, accountID(fifth.id))).code).toBe(0);
    expect((await json<{ poolAccounts: string[] }>('pools', 'get', pool)).poolAccounts).toHaveLength(2);

    expect((await cli('pools', 'delete', pool)).code).toBe(0);
    const gone = await cli('pools', 'get', pool);
    expect(gone.code).toBe(4);
  });

  it('creates a dynamic pool from an accounts filter', async () => {
    const pool = await json<string>(
      'pools',
      'create',
      '--name',
      'eur',
      '--query',
      '{"$match":{"default_asset":"EUR/2"}}',
    );
    const got = await json<{ type: string; poolAccounts: string[] }>('pools', 'get', pool);
    expect(got.type).toBe('DYNAMIC');
    const eur = data.accounts.filter((a) => a.currency === 'EUR').map((a) => accountID(a.id));
    expect([...got.poolAccounts].sort()).toEqual(eur.sort());
  });
});
