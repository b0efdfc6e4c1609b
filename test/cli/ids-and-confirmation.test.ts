// Ids a person can use, and destructive commands that ask first: the built `paybridge` executable against a
// real service holding two DummyPay connectors whose account references overlap (as two PSP accounts would).
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdCodec, connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { apiCall } from '../support/api-call.js';
import { type DummyPayData, writeDummyPayDirectory } from '../support/dummypay-fixtures.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { type CliResult, runCli } from './run-cli.js';

interface Item {
  id: string;
  reference: string;
  connectorID: string;
  [key: string]: unknown;
}

let service: TestService;
let dir: string;
/** Accounts and payments: references unique to it. */
let eu: { id: string; data: DummyPayData };
/** Accounts only, with the same references as eu's. */
let us: { id: string; data: DummyPayData };

/** runCli gives the child a pipe for stdin, never a terminal: what a script or CI job does. */
const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--server', service.url]);

async function json<T = unknown>(...args: string[]): Promise<T> {
  const result = await cli(...args, '--json');
  expect(result.stderr).not.toMatch(/^error:/m);
  expect(result.code).toBe(0);
  return parseJson(result.stdout) as T;
}

/** The documented short form of an encoded id: the first 8 hex digits of its SHA-256. */
const short = (id: string) => createHash('sha256').update(id).digest('hex').slice(0, 8);

/** A table's rows as cells (columns are two or more spaces apart), header first. */
const rowsOf = (table: string) =>
  table
    .trimEnd()
    .split('\n')
    .map((line) => line.split(/\s{2,}/));

async function install(name: string, accounts: number, payments: number) {
  const folder = join(dir, name);
  const data = await writeDummyPayDirectory(folder, { accounts, payments });
  await writeFile(
    join(dir, `${name}.json`),
    stringifyJson({ name, directory: folder, pollingPeriod: '30m' }),
  );
  const id = await json<string>('connectors', 'install', 'dummypay', join(dir, `${name}.json`), '--wait');
  return { id, data };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-cli-ids-'));
  service = await startTestService();
  eu = await install('ids-eu', 4, 12);
  us = await install('ids-us', 4, 0);
}, 180_000);

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tables', () => {
  it('show the reference, the connector and a short id distinct per row, in a normal terminal width', async () => {
    const listed = await json<Item[]>('accounts', 'list', '--all');
    const table = await cli('accounts', 'list', '--all');
    expect(table.code).toBe(0);
    const [header, ...rows] = rowsOf(table.stdout);
    expect(header).toEqual(['REFERENCE', 'NAME', 'TYPE', 'ASSET', 'CONNECTOR', 'CREATED (UTC)', 'ID']);
    expect(rows).toHaveLength(listed.length);
    for (const line of table.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    // Row by row, in the API's order: the short id is the documented digest of that row's full id.
    const names = new Map([
      [eu.id, 'ids-eu'],
      [us.id, 'ids-us'],
    ]);
    rows.forEach((cells, i) => {
      const item = listed[i] as Item;
      expect(cells[0]).toBe(item.reference);
      expect(cells[4]).toBe(names.get(item.connectorID));
      expect(cells[6]).toBe(short(item.id));
    });
    expect(new Set(rows.map((cells) => cells[6])).size).toBe(rows.length);
    expect(table.stdout).not.toContain(listed[0]?.id);
  });

  it('show full ids with --wide, and --json keeps the API data', async () => {
    const listed = await json<Item[]>('payments', 'list', '--all');
    expect(listed.every((p) => paymentIdCodec.decode(p.id).reference === p.reference)).toBe(true);
    const wide = await cli('payments', 'list', '--all', '--wide');
    const rows = rowsOf(wide.stdout).slice(1);
    expect(rows.map((cells) => cells.at(-1))).toEqual(listed.map((p) => p.id));
  });

  it('use short ids in every list of a connector (schedules)', async () => {
    const schedules = await json<Item[]>('connectors', 'schedules', 'ids-eu', '--all');
    const table = await cli('connectors', 'schedules', 'ids-eu', '--all');
    const ids = rowsOf(table.stdout)
      .slice(1)
      .map((cells) => cells.at(-1));
    expect(ids).toEqual(schedules.map((s) => short(s.id)));
    // Schedule ids are long and never pure hex: the short id from the table names one, matched exactly.
    const payments = schedules.find((s) => s.taskType === 'FETCH_PAYMENTS');
    if (!payments) throw new Error('no FETCH_PAYMENTS schedule');
    const one = await cli('connectors', 'schedules', 'ids-eu', short(payments.id));
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^ID:\\s+${payments.id}$`, 'm'));
    const runs = await json<Item[]>('connectors', 'instances', 'ids-eu', short(payments.id));
    expect(runs.length).toBeGreaterThan(0);
    const missing = await cli('connectors', 'schedules', 'ids-eu', '00000000');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(
      /^error: no schedule with id or short id '00000000' at this connector\nhint: /,
    );
  });
});

describe('get', () => {
  it('takes a PSP reference as well as a full id', async () => {
    const file = eu.data.payments[1];
    if (!file) throw new Error('no payment');
    const byId = await json<Item>(
      'payments',
      'get',
      paymentIdCodec.encode({
        connectorId: connectorIdCodec.decode(eu.id),
        reference: file.reference,
        type: file.type as 'PAY-IN',
      }),
    );
    expect(await json<Item>('payments', 'get', file.reference)).toEqual(byId);
    const shown = await cli('payments', 'get', file.reference);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^ID:\\s+${byId.id}$`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^Reference:\\s+${file.reference}$`, 'm'));
  });

  it('refuses a reference several connectors have, listing the candidates, until --connector picks one', async () => {
    const reference = eu.data.accounts[1]?.id ?? '';
    const idAt = (connector: string) =>
      accountIdCodec.encode({ connectorId: connectorIdCodec.decode(connector), reference });
    const ambiguous = await cli('accounts', 'get', reference);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stdout).toBe('');
    expect(ambiguous.stderr).toMatch(
      new RegExp(`^error: 2 accounts have the reference '${reference}':$`, 'm'),
    );
    expect(ambiguous.stderr).toMatch(new RegExp(`^ +${short(idAt(eu.id))} +ids-eu +dummypay `, 'm'));
    expect(ambiguous.stderr).toMatch(new RegExp(`^ +${short(idAt(us.id))} +ids-us +dummypay `, 'm'));
    expect(ambiguous.stderr).toMatch(/^hint: pass --connector <name or id> to choose one, or the full id/m);

    // By the connector's name or its id, the same account.
    const byName = await json<Item>('accounts', 'get', reference, '--connector', 'ids-us');
    expect(byName.id).toBe(idAt(us.id));
    expect(await json<Item>('accounts', 'get', reference, '--connector', us.id)).toEqual(byName);
    // Balances take the reference too.
    const balances = await cli('balances', 'get', reference, '--connector', 'ids-eu');
    expect(balances.code).toBe(0);
    expect(balances.stdout).toMatch(/^ASSET\s+BALANCE/);
  });

  it('answers exit 4 with a hint for an unknown reference, a malformed id and a well-formed unknown id', async () => {
    const unknownReference = await cli('payments', 'get', 'no-such-payment');
    expect(unknownReference).toMatchObject({ code: 4, stdout: '' });
    expect(unknownReference.stderr).toBe(
      "error: no payment with id or reference 'no-such-payment'\nhint: list them with `paybridge payments list`\n",
    );
    // Base64 of JSON that is no payment id: looked up as a reference, never "does not hold JSON" (exit 3).
    const malformed = await cli('payments', 'get', 'eyJhIjoxfQ');
    expect(malformed.code).toBe(4);
    expect(malformed.stderr).toMatch(/^error: no payment with id or reference 'eyJhIjoxfQ'\nhint: /);
    const unknownId = paymentIdCodec.encode({
      connectorId: connectorIdCodec.decode(eu.id),
      reference: 'never-ingested',
      type: 'PAY-IN',
    });
    const unknown = await cli('payments', 'get', unknownId);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(
      /^error: no payment with id '.+'\nhint: list them with `paybridge payments list`$/m,
    );
    // A short id copied from a table is recognised as such in the hint.
    const copied = await cli('accounts', 'get', short(unknownId));
    expect(copied.code).toBe(4);
    expect(copied.stderr).toMatch(/hint: '[0-9a-f]{8}' looks like a short id from a table; .*--wide/);
    // Any id the API cannot decode is "not found" too, with where to find full ids.
    const task = await cli('tasks', 'get', 'not-a-task-id');
    expect(task.code).toBe(4);
    expect(task.stderr).toMatch(/^error: INVALID_ID: .+ \(HTTP 400\)\nhint: .*--wide or --json/);
    // An unknown connector name.
    const connector = await cli('accounts', 'get', 'x-ref', '--connector', 'no-such-connector');
    expect(connector.code).toBe(4);
    expect(connector.stderr).toMatch(/^error: no connector with id or name 'no-such-connector'\nhint: /);
  });
});

describe('connectors uninstall', () => {
  it('says what it would delete and refuses without --yes when stdin is not a terminal', async () => {
    const result = await cli('connectors', 'uninstall', 'ids-us');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const accounts = us.data.accounts.length + us.data.externalAccounts.length;
    expect(result.stderr).toMatch(/^Uninstalling connector 'ids-us' \(dummypay\) deletes everything/);
    expect(result.stderr).toMatch(new RegExp(`^ +accounts +${accounts} `, 'm'));
    expect(result.stderr).toMatch(/^ +payments +0$/m);
    expect(result.stderr).toMatch(/^error: not confirmed: stdin is not a terminal.*pass --yes/m);
    // Nothing was deleted, and no task was started.
    const still = await json<Item[]>(
      'accounts',
      'list',
      '--all',
      '--query',
      stringifyJson({ $match: { connector_id: us.id } }),
    );
    expect(still).toHaveLength(accounts);
    expect((await json<Item[]>('connectors', 'list')).map((c) => c.name).sort()).toEqual([
      'ids-eu',
      'ids-us',
    ]);
  });

  it('with --yes, says loudly that processed payouts go too, then deletes', async () => {
    const destination = accountIdCodec.encode({
      connectorId: connectorIdCodec.decode(us.id),
      reference: us.data.externalAccounts[0]?.id ?? '',
    });
    const created = await apiCall(`${service.url}/v3`, 'POST', '/payment-initiations?noValidation=true', {
      reference: 'ids-payout-1',
      connectorID: us.id,
      type: 'PAYOUT',
      amount: 1050,
      asset: 'EUR/2',
      destinationAccountID: destination,
      description: 'paid before the uninstall',
    });
    expect(created.status).toBe(202);
    // Named by its reference, the payout is followed until the PSP has paid it.
    await eventually(
      async () => {
        const pi = await json<Item>('payment-initiations', 'get', 'ids-payout-1');
        return pi.status === 'PROCESSED' ? true : undefined;
      },
      60_000,
      'the payout to be processed',
    );

    const result = await cli('connectors', 'uninstall', 'ids-us', '--yes', '--wait', '--timeout', '2m');
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^ +payment initiations +1 +\(1 processed at the PSP\)$/m);
    expect(result.stderr).toMatch(
      /^WARNING: 1 payment initiation was PROCESSED at the PSP: money has moved/m,
    );
    expect(result.stdout).toMatch(/^uninstall of connector 'ids-us' done: task \S+ SUCCEEDED$/m);
    const gone = await json<Item[]>(
      'accounts',
      'list',
      '--all',
      '--query',
      stringifyJson({ $match: { connector_id: us.id } }),
    );
    expect(gone).toEqual([]);
    expect((await json<Item[]>('connectors', 'list')).map((c) => c.name)).toEqual(['ids-eu']);
    // The ambiguity is gone with it: the reference now names one account.
    const reference = eu.data.accounts[1]?.id ?? '';
    expect((await cli('accounts', 'get', reference)).code).toBe(0);
  });
});
