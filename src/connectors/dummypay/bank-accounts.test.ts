import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BankAccountDetails, CreateBankAccountRequest } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { readDummyPayMovements, readDummyPayRequests, setDummyPayBehaviour } from './psp-files.js';
import { standaloneContext } from '../sdk/context.js';

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-bank-'));
  connector = new DummyPayConnector(
    { directory: dir },
    standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) }),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bankAccount: BankAccountDetails = {
  id: '5a0b7a38-6c1e-4f55-9d0b-2f2b8f3c1e11',
  createdAt: new Date('2024-05-05T05:05:05Z'),
  name: 'Supplier account',
  accountNumber: '00012345678',
  iban: 'FR7630006000011234567890189',
  swiftBicCode: 'AGRIFRPPXXX',
  country: 'FR',
  metadata: { team: 'ops' },
};

const request = (
  idempotencyKey: string,
  details: Partial<BankAccountDetails> = {},
): CreateBankAccountRequest => ({
  idempotencyKey,
  bankAccount: { ...bankAccount, ...details },
});

async function everyFileText(): Promise<string> {
  const files = await readdir(dir);
  const texts = await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')));
  return texts.join('\n');
}

describe('createBankAccount', () => {
  it('answers with the dummypay account of the bank account', async () => {
    expect(await connector.createBankAccount(request('k1'))).toEqual({
      relatedAccount: {
        reference: `dummypay-${bankAccount.id}`,
        createdAt: bankAccount.createdAt,
        name: 'Supplier account',
        metadata: { team: 'ops' },
        raw: {},
      },
    });
    expect(
      (await readDummyPayRequests(dir)).map((line) => [line.kind, line.idempotencyKey, line.outcome]),
    ).toEqual([['bank-account', 'k1', 'created']]);
  });

  it('writes the id and name to its files, never the number, IBAN or BIC', async () => {
    await connector.createBankAccount(request('k1'));
    await connector.createBankAccount(request('k1'));
    const text = await everyFileText();
    expect(text).toContain(bankAccount.id);
    expect(text).toContain('Supplier account');
    for (const secret of ['00012345678', 'FR7630006000011234567890189', 'AGRIFRPPXXX']) {
      expect(text).not.toContain(secret);
    }
  });

  it('replays the same key and refuses it for another bank account', async () => {
    const first = await connector.createBankAccount(request('k1'));
    expect(await connector.createBankAccount(request('k1'))).toEqual(first);
    await expect(connector.createBankAccount(request('k1', { name: 'Other' }))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(await readDummyPayMovements(dir)).toHaveLength(1);
    expect((await readDummyPayRequests(dir)).map((line) => line.outcome)).toEqual([
      'created',
      'replayed',
      'refused',
    ]);
  });

  it('refuses a request without an idempotency key, writing nothing', async () => {
    await expect(connector.createBankAccount(request(''))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('answers normally while money movements are set to lose their answers', async () => {
    await setDummyPayBehaviour(dir, { loseAnswers: 1 });
    await expect(connector.createBankAccount(request('k1'))).resolves.toHaveProperty('relatedAccount');
  });
});
