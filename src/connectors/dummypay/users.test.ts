import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateUserRequest, PspPaymentServiceUser } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { dummyPayUserPath, readDummyPayRequests, readDummyPayUser } from './psp-files.js';
import { standaloneContext } from '../sdk/context.js';

let dir: string;
let connector: DummyPayConnector;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dummypay-users-'));
  connector = new DummyPayConnector(
    { directory: dir },
    standaloneContext({ connectorId: 'c1', logger: pino({ level: 'silent' }) }),
    { now: () => new Date('2024-06-01T12:00:00Z') },
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const user: PspPaymentServiceUser = {
  id: '0f4c7c7e-3a55-4d8b-a0a4-3c5f2d7e9b10',
  name: 'Ada Lovelace',
  createdAt: new Date('2024-05-05T05:05:05.123Z'),
  contactDetails: { email: 'ada@example.com', phoneNumber: '+447700900123', locale: 'en-GB' },
  address: { streetName: 'Analytical Street', streetNumber: '12', city: 'London', postalCode: 'W1 1AA' },
  metadata: { segment: 'vip' },
};

const create = (idempotencyKey: string, details: Partial<PspPaymentServiceUser> = {}): CreateUserRequest => ({
  idempotencyKey,
  paymentServiceUser: { ...user, ...details },
});

const calls = async () =>
  (await readDummyPayRequests(dir)).map((line) => [
    line.kind,
    line.idempotencyKey,
    line.userId,
    line.outcome,
  ]);

describe('createUser', () => {
  it('writes user-<id>.json with the id, name and creation time only', async () => {
    expect(await connector.createUser(create('k1'))).toEqual({
      metadata: { userReference: `dummypay-user-${user.id}` },
    });
    const text = await readFile(dummyPayUserPath(dir, user.id), 'utf8');
    expect(JSON.parse(text)).toEqual({
      id: user.id,
      name: 'Ada Lovelace',
      createdAt: '2024-05-05T05:05:05.123Z',
    });
    expect(await calls()).toEqual([['create-user', 'k1', user.id, 'created']]);
  });

  it('writes no contact details, address or metadata to any file', async () => {
    await connector.createUser(create('k1'));
    await connector.createUser(create('k1'));
    const files = await readdir(dir);
    const text = (await Promise.all(files.map((file) => readFile(join(dir, file), 'utf8')))).join('\n');
    for (const secret of [
      'ada@example.com',
      '+447700900123',
      'en-GB',
      'Analytical Street',
      'W1 1AA',
      'vip',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('replays a user it already has, and answers as the first time', async () => {
    const first = await connector.createUser(create('k1'));
    expect(await connector.createUser(create('k1'))).toEqual(first);
    expect((await calls()).map((call) => call[3])).toEqual(['created', 'replayed']);
  });

  it('refuses a user whose id it holds with another name', async () => {
    await connector.createUser(create('k1'));
    await expect(connector.createUser(create('k2', { name: 'Someone else' }))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect((await readDummyPayUser(dir, user.id))?.name).toBe('Ada Lovelace');
    expect((await calls()).map((call) => call[3])).toEqual(['created', 'refused']);
  });

  it('refuses a request without an idempotency key, writing nothing', async () => {
    await expect(connector.createUser(create(''))).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an id that could name a file outside its directory', async () => {
    for (const id of ['../escape', 'a/b', '.hidden', '']) {
      await expect(connector.createUser(create('k1', { id }))).rejects.toBeInstanceOf(InvalidRequestError);
    }
    expect((await readdir(dir)).filter((file) => file.startsWith('user-'))).toEqual([]);
  });
});

describe('deleteUser', () => {
  const remove = (metadata: Record<string, string> = {}) =>
    connector.deleteUser({ paymentServiceUser: user, metadata });

  it('removes the user file', async () => {
    const { metadata } = await connector.createUser(create('k1'));
    await remove(metadata);
    expect(await readDummyPayUser(dir, user.id)).toBeUndefined();
    expect(await calls()).toEqual([
      ['create-user', 'k1', user.id, 'created'],
      ['delete-user', null, user.id, 'deleted'],
    ]);
  });

  it('succeeds for a user it does not have, so that a repeated delete is harmless', async () => {
    await connector.createUser(create('k1'));
    await remove();
    await remove();
    expect((await calls()).map((call) => call[3])).toEqual(['created', 'deleted', 'absent']);
  });

  it('refuses metadata that names another user, and keeps the file', async () => {
    await connector.createUser(create('k1'));
    await expect(remove({ userReference: 'dummypay-user-someone-else' })).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
    expect(await readDummyPayUser(dir, user.id)).toBeDefined();
  });

  it('creates the user again after a deletion, under the same key', async () => {
    await connector.createUser(create('k1'));
    await remove();
    await connector.createUser(create('k1'));
    expect(await readDummyPayUser(dir, user.id)).toEqual({
      id: user.id,
      name: 'Ada Lovelace',
      createdAt: '2024-05-05T05:05:05.123Z',
    });
    expect((await calls()).map((call) => call[3])).toEqual(['created', 'deleted', 'created']);
  });

  it('reports a user file it cannot read as a refusal naming the file', async () => {
    await writeFile(dummyPayUserPath(dir, user.id), '{"id": 1}');
    await expect(connector.createUser(create('k1'))).rejects.toThrow(/user-.*\.json/);
  });
});
