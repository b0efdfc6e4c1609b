import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateBankAccountRequest } from '../sdk/contract.js';
import { InvalidConfigError, UpstreamError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

let root: string;
let outside: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'dummypay-root-'));
  outside = await mkdtemp(join(tmpdir(), 'dummypay-outside-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const connectorAt = (directory: string) =>
  new DummyPayConnector(
    { directory },
    standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }), fileRoot: root }),
  );

const bankAccountRequest: CreateBankAccountRequest = {
  idempotencyKey: 'k1',
  bankAccount: { id: 'b1', createdAt: new Date('2024-01-01T00:00:00Z'), name: 'Supplier', metadata: {} },
};

describe('DummyPay inside PAYBRIDGE_DUMMYPAY_ROOT', () => {
  it('installs from a directory inside the root', async () => {
    await mkdir(join(root, 'psp'));
    await expect(connectorAt(join(root, 'psp')).install()).resolves.toHaveProperty('workflow');
  });

  it('refuses a directory outside the root, reached directly, through .., or through a symlink', async () => {
    await symlink(outside, join(root, 'link'));
    for (const directory of [outside, join(root, '..', basename(outside)), join(root, 'link')]) {
      const install = connectorAt(directory).install();
      await expect(install).rejects.toBeInstanceOf(InvalidConfigError);
      await expect(install).rejects.toThrow('PAYBRIDGE_DUMMYPAY_ROOT');
    }
  });

  it('answers alike for a path outside the root that exists and one that does not', async () => {
    const missing = connectorAt(join(outside, 'nowhere')).install();
    await expect(missing).rejects.toThrow('is outside the tree DummyPay may use');
  });

  it('writes nothing outside when the directory is swapped for a link to elsewhere after install', async () => {
    const psp = join(root, 'psp');
    await mkdir(psp);
    await connectorAt(psp).install();
    await rm(psp, { recursive: true });
    await symlink(outside, psp);
    const write = connectorAt(psp).createBankAccount(bankAccountRequest);
    await expect(write).rejects.toBeInstanceOf(InvalidConfigError);
    expect(await readdir(outside)).toEqual([]);
  });

  it('does not write through a link planted among its files', async () => {
    const psp = join(root, 'psp');
    await mkdir(psp);
    const victim = join(outside, 'victim.txt');
    await writeFile(victim, 'untouched');
    await symlink(victim, join(psp, 'requests.jsonl'));
    const write = connectorAt(psp).createBankAccount(bankAccountRequest);
    await expect(write).rejects.toBeInstanceOf(UpstreamError);
    expect(await readFile(victim, 'utf8')).toBe('untouched');
  });
});
