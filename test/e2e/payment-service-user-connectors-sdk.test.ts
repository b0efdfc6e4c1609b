// Forwarding payment service users to connectors through the official SDK, and deleting them there: the
// connector creates the user at its PSP (DummyPay writes a file without the personal data), its answer is
// sealed at rest, and deleting the link or the PSU deletes the user at the PSP in the background, with
// refusals failing the task and unknown outcomes retried until the deadline.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  dummyPayUserPath,
  readDummyPayRequests,
  readDummyPayUser,
} from '../../src/connectors/dummypay/psp-files.js';
import { BaseConnector } from '../../src/connectors/sdk/base.js';
import type {
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
} from '../../src/connectors/sdk/contract.js';
import { InvalidRequestError, UpstreamTimeoutError } from '../../src/connectors/sdk/errors.js';
import { registerConnector } from '../../src/connectors/sdk/registry.js';
import { connectorIdCodec, taskIdCodec } from '../../src/domain/ids.js';
import { parseJson } from '../../src/domain/json.js';
import { idempotencyKey } from '../../src/engine/money-movement/initiation-runner.js';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

const EMAIL = 'grace.hopper@example.com';
const PHONE = '+15551234567';
const STREET = 'Compiler Avenue';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

// A connector that has no user operations at all.
class NoUsersPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
}
registerConnector({
  provider: 'nouserspsp',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new NoUsersPsp(),
});

/** What the scripted PSP does on its next calls: an error to throw, or nothing (success). */
const script: { createUser: Error[]; deleteUser: Error[]; deleteUserAlways?: Error } = {
  createUser: [],
  deleteUser: [],
};
const userCalls: { op: 'create' | 'delete'; request: CreateUserRequest | DeleteUserRequest }[] = [];

// A connector whose user calls follow `script`, and which records every call it gets.
class ScriptedUsersPsp extends BaseConnector {
  async install() {
    return { workflow: [] };
  }
  override async createUser(request: CreateUserRequest): Promise<CreateUserResponse> {
    userCalls.push({ op: 'create', request });
    const failure = script.createUser.shift();
    if (failure) throw failure;
    return { metadata: { token: `secret-token-${request.paymentServiceUser.id}` } };
  }
  override async deleteUser(request: DeleteUserRequest): Promise<void> {
    userCalls.push({ op: 'delete', request });
    const failure = script.deleteUser.shift() ?? script.deleteUserAlways;
    if (failure) throw failure;
  }
}
registerConnector({
  provider: 'scripteduserspsp',
  capabilities: ['FETCH_ACCOUNTS'],
  config: z.object({}),
  pageSize: 10,
  create: () => new ScriptedUsersPsp(),
});

let service: TestService;
let sdk: SDK;
let dir: string;
let dummyPayID: string;
let scriptedID: string;
let noUsersID: string;

async function installRaw(provider: string, name: string): Promise<string> {
  const response = await fetch(`${service.url}/v3/connectors/install/${provider}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { data: string }).data;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pb-psu-forward-'));
  for (const file of ['accounts.json', 'balances.json', 'external_accounts.json', 'payments.json']) {
    await writeFile(join(dir, file), '[]');
  }
  service = await startTestService({
    PAYBRIDGE_INITIATION_RETRY_MIN: '100ms',
    PAYBRIDGE_INITIATION_RETRY_MAX: '300ms',
    PAYBRIDGE_INITIATION_DEADLINE: '2s',
  });
  sdk = new SDK({ serverURL: service.url });
  dummyPayID = present(
    (
      await sdk.payments.v3.installConnector({
        connector: 'dummypay',
        v3ConnectorConfig: { provider: 'Dummypay', name: 'psu-forward', directory: dir, pollingPeriod: '1h' },
      })
    ).v3InstallConnectorResponse,
    'install',
  ).data;
  scriptedID = await installRaw('scripteduserspsp', 'scripted-users');
  noUsersID = await installRaw('nouserspsp', 'no-users');
});

afterAll(async () => {
  await service?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  script.createUser = [];
  script.deleteUser = [];
  delete script.deleteUserAlways;
  userCalls.length = 0;
});

async function createPsu(name: string, bankAccountIDs: string[] = []): Promise<string> {
  const created = await sdk.payments.v3.createPaymentServiceUser({
    name,
    contactDetails: { email: EMAIL, phoneNumber: PHONE },
    address: { streetName: STREET, streetNumber: '7', city: 'Arlington', country: 'US' },
    bankAccountIDs,
    metadata: { team: 'navy' },
  });
  return present(created.v3CreatePaymentServiceUserResponse, 'create').data;
}

async function forward(paymentServiceUserID: string, connectorID: string): Promise<void> {
  const forwarded = await sdk.payments.v3.forwardPaymentServiceUserToProvider({
    paymentServiceUserID,
    connectorID,
  });
  expect(forwarded.statusCode).toBe(204);
}

async function deleteLink(paymentServiceUserID: string, connectorID: string): Promise<string> {
  const deleted = await sdk.payments.v3.deletePaymentServiceUserConnector({
    paymentServiceUserID,
    connectorID,
  });
  expect(deleted.statusCode).toBe(202);
  return present(deleted.v3PaymentServiceUserDeleteConnectorResponse, 'delete connector').data.taskID;
}

async function deletePsu(paymentServiceUserID: string): Promise<string> {
  const deleted = await sdk.payments.v3.deletePaymentServiceUser({ paymentServiceUserID });
  expect(deleted.statusCode).toBe(202);
  return present(deleted.v3PaymentServiceUserDeleteResponse, 'delete').data.taskID;
}

/** The task once it is no longer PROCESSING. */
async function finished(taskID: string) {
  return eventually(
    async () => {
      const task = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
      return task.status === 'PROCESSING' ? undefined : task;
    },
    20_000,
    `task ${taskID} to finish`,
  );
}

async function links(psuId: string) {
  return service.paybridge.deps.db
    .selectFrom('payment_service_user_connectors')
    .select(['connector_id', 'metadata_sealed'])
    .where('psu_id', '=', psuId)
    .orderBy('connector_id')
    .execute();
}

async function psuExists(paymentServiceUserID: string): Promise<boolean> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM payment_service_users WHERE id = ${paymentServiceUserID}`.execute(
    service.paybridge.deps.db,
  );
  return rows[0]?.n === 1;
}

const userCallsOf = async (psuId: string) =>
  (await readDummyPayRequests(dir))
    .filter((line) => line.userId === psuId)
    .map((line) => [line.kind, line.idempotencyKey, line.outcome]);

describe('forwarding a payment service user to a connector', () => {
  it('has DummyPay create the user, in a file that holds no personal data', async () => {
    const id = await createPsu('Grace Hopper');
    await forward(id, dummyPayID);

    const text = await readFile(dummyPayUserPath(dir, id), 'utf8');
    for (const secret of [EMAIL, PHONE, STREET, 'Arlington', 'navy']) expect(text).not.toContain(secret);
    const psu = present(
      (await sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID: id }))
        .v3GetPaymentServiceUserResponse,
      'get',
    ).data;
    expect(parseJson(text)).toEqual({ id, name: 'Grace Hopper', createdAt: psu.createdAt.toISOString() });
    // One call, under the key derived from the PSU and the connector.
    expect(await userCallsOf(id)).toEqual([
      ['create-user', idempotencyKey(id, dummyPayID, 'user'), 'created'],
    ]);
    expect((await links(id)).map((link) => link.connector_id)).toEqual([dummyPayID]);
  });

  it("hands the connector the PSU's details and keeps its answer sealed at rest", async () => {
    const id = await createPsu('Sealed answer');
    await forward(id, scriptedID);

    expect(userCalls).toHaveLength(1);
    expect((userCalls[0]?.request as CreateUserRequest).paymentServiceUser).toEqual({
      id,
      name: 'Sealed answer',
      createdAt: expect.any(Date),
      contactDetails: { email: EMAIL, phoneNumber: PHONE },
      address: { streetName: STREET, streetNumber: '7', city: 'Arlington', country: 'US' },
      metadata: { team: 'navy' },
    });
    const { rows } = await sql<{ row: string }>`
      SELECT row_to_json(l)::text AS row FROM payment_service_user_connectors l WHERE psu_id = ${id}`.execute(
      service.paybridge.deps.db,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).not.toContain('secret-token');
    const [link] = await links(id);
    expect(parseJson(service.paybridge.deps.keyring.decrypt(link?.metadata_sealed ?? ''))).toEqual({
      token: `secret-token-${id}`,
    });
  });

  it('refuses a second forward to the same connector with 400 VALIDATION, before calling the PSP', async () => {
    const id = await createPsu('Twice');
    await forward(id, dummyPayID);
    const again = await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: id,
        connectorID: dummyPayID,
      }),
      400,
      'VALIDATION',
    );
    expect(again.errorMessage).toBe('user already exists on this connector');
    expect(await userCallsOf(id)).toHaveLength(1);
  });

  it('answers an unknown connector or PSU with 404, and malformed ids with 400 INVALID_ID', async () => {
    const id = await createPsu('Nowhere');
    const unknownConnector = connectorIdCodec.encode({ provider: 'dummypay', reference: randomUUID() });
    const noConnector = await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: id,
        connectorID: unknownConnector,
      }),
      404,
      'NOT_FOUND',
    );
    expect(noConnector.errorMessage).toBe('connector not found');
    const noPsu = await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: UNKNOWN_ID,
        connectorID: dummyPayID,
      }),
      404,
      'NOT_FOUND',
    );
    expect(noPsu.errorMessage).toMatch(/payment service user/);
    await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({ paymentServiceUserID: id, connectorID: 'nope' }),
      400,
      'INVALID_ID',
    );
    await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: 'nope',
        connectorID: dummyPayID,
      }),
      400,
      'INVALID_ID',
    );
    expect(await links(id)).toEqual([]);
  });

  it('answers a connector without the user operations with 400 CONNECTOR_CAPABILITY_NOT_SUPPORTED', async () => {
    const id = await createPsu('Unsupported');
    const refused = await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: id,
        connectorID: noUsersID,
      }),
      400,
      'CONNECTOR_CAPABILITY_NOT_SUPPORTED',
    );
    expect(refused.errorMessage).toMatch(/createUser/);
    expect(await links(id)).toEqual([]);
  });

  it('answers a PSP timeout with 500 INTERNAL, stores nothing, and forwards again under the same key', async () => {
    const id = await createPsu('Timed out');
    script.createUser = [new UpstreamTimeoutError('the PSP did not answer')];
    await expectV3Error(
      sdk.payments.v3.forwardPaymentServiceUserToProvider({
        paymentServiceUserID: id,
        connectorID: scriptedID,
      }),
      500,
      'INTERNAL',
    );
    expect(await links(id)).toEqual([]);

    await forward(id, scriptedID);
    const keys = userCalls.map((call) => (call.request as CreateUserRequest).idempotencyKey);
    expect(keys).toEqual([idempotencyKey(id, scriptedID, 'user'), idempotencyKey(id, scriptedID, 'user')]);
    expect((await links(id)).map((link) => link.connector_id)).toEqual([scriptedID]);
  });
});

describe('deleting a payment service user at one connector', () => {
  it('deletes the user at the PSP through a task, then the link; the PSU stays', async () => {
    const id = await createPsu('Unlinked');
    await forward(id, dummyPayID);
    const taskID = await deleteLink(id, dummyPayID);
    expect(taskIdCodec.decode(taskID).connectorId).toEqual(connectorIdCodec.decode(dummyPayID));

    const task = await finished(taskID);
    expect(task).toMatchObject({ status: 'SUCCEEDED', connectorID: dummyPayID, createdObjectID: id });
    expect(await readDummyPayUser(dir, id)).toBeUndefined();
    expect(await links(id)).toEqual([]);
    expect(await psuExists(id)).toBe(true);
    expect((await userCallsOf(id)).map((call) => [call[0], call[2]])).toEqual([
      ['create-user', 'created'],
      ['delete-user', 'deleted'],
    ]);

    // The link is gone, so deleting it again is a 404; forwarding again creates the user anew.
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUserConnector({
        paymentServiceUserID: id,
        connectorID: dummyPayID,
      }),
      404,
      'NOT_FOUND',
    );
    await forward(id, dummyPayID);
    expect(await readDummyPayUser(dir, id)).toMatchObject({ id, name: 'Unlinked' });
  });

  it('hands the connector back the metadata it answered when the user was created', async () => {
    const id = await createPsu('Round trip');
    await forward(id, scriptedID);
    expect((await finished(await deleteLink(id, scriptedID))).status).toBe('SUCCEEDED');
    const deletion = userCalls.find((call) => call.op === 'delete')?.request as DeleteUserRequest;
    expect(deletion.metadata).toEqual({ token: `secret-token-${id}` });
    expect(deletion.paymentServiceUser).toMatchObject({ id, contactDetails: { email: EMAIL } });
  });

  it('answers 404 for a PSU, connector or link that does not exist', async () => {
    const id = await createPsu('Never forwarded');
    const notForwarded = await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUserConnector({
        paymentServiceUserID: id,
        connectorID: dummyPayID,
      }),
      404,
      'NOT_FOUND',
    );
    expect(notForwarded.errorMessage).toMatch(/not forwarded/);
    const unknownConnector = connectorIdCodec.encode({ provider: 'dummypay', reference: randomUUID() });
    const noConnector = await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUserConnector({
        paymentServiceUserID: id,
        connectorID: unknownConnector,
      }),
      404,
      'NOT_FOUND',
    );
    expect(noConnector.errorMessage).toBe('connector not found');
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUserConnector({
        paymentServiceUserID: UNKNOWN_ID,
        connectorID: dummyPayID,
      }),
      404,
      'NOT_FOUND',
    );
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUserConnector({ paymentServiceUserID: id, connectorID: 'nope' }),
      400,
      'INVALID_ID',
    );
  });

  it('fails the task with the reason when the PSP refuses, and keeps the link', async () => {
    const id = await createPsu('Refused');
    await forward(id, scriptedID);
    script.deleteUser = [new InvalidRequestError('the user has open consents')];
    const taskID = await deleteLink(id, scriptedID);
    const task = await finished(taskID);
    expect(task.status).toBe('FAILED');
    expect(task.error).toContain('the user has open consents');
    expect((await links(id)).map((link) => link.connector_id)).toEqual([scriptedID]);

    // Asking again, once the PSP agrees, succeeds under the same task.
    expect(await deleteLink(id, scriptedID)).toBe(taskID);
    expect((await finished(taskID)).status).toBe('SUCCEEDED');
    expect(await links(id)).toEqual([]);
  });

  it('repeats the call after an unknown outcome until the PSP answers', async () => {
    const id = await createPsu('Flaky');
    await forward(id, scriptedID);
    script.deleteUser = [new UpstreamTimeoutError('timeout'), new UpstreamTimeoutError('timeout')];
    const task = await finished(await deleteLink(id, scriptedID));
    expect(task.status).toBe('SUCCEEDED');
    expect(userCalls.filter((call) => call.op === 'delete')).toHaveLength(3);
    expect(await links(id)).toEqual([]);
  });

  it('fails the task once an unknown outcome outlasts the deadline, keeping the link', async () => {
    const id = await createPsu('Unreachable');
    await forward(id, scriptedID);
    script.deleteUserAlways = new UpstreamTimeoutError('the PSP is down');
    const task = await finished(await deleteLink(id, scriptedID));
    expect(task.status).toBe('FAILED');
    expect(task.error).toMatch(/^outcome unknown: .*the PSP is down; gave up after \d+ tries$/);
    expect(userCalls.filter((call) => call.op === 'delete').length).toBeGreaterThan(1);
    expect((await links(id)).map((link) => link.connector_id)).toEqual([scriptedID]);
  });
});

describe('deleting a forwarded payment service user', () => {
  it('deletes the user at every connector first, then the PSU, in one task', async () => {
    const bankAccountID = present(
      (await sdk.payments.v3.createBankAccount({ name: 'Kept', iban: 'DE89370400440532013000' }))
        .v3CreateBankAccountResponse,
      'bank account',
    ).data;
    const id = await createPsu('Leaving everywhere', [bankAccountID]);
    await forward(id, dummyPayID);
    await forward(id, scriptedID);

    const taskID = await deletePsu(id);
    expect(taskIdCodec.decode(taskID)).toEqual({
      connectorId: { provider: '', reference: '00000000-0000-0000-0000-000000000000' },
      reference: `delete-user-${id}`,
    });
    const task = await finished(taskID);
    expect(task).toMatchObject({ status: 'SUCCEEDED', createdObjectID: id });

    expect(await readDummyPayUser(dir, id)).toBeUndefined();
    const deletion = userCalls.find((call) => call.op === 'delete')?.request as DeleteUserRequest;
    expect(deletion.metadata).toEqual({ token: `secret-token-${id}` });
    await expectV3Error(
      sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID: id }),
      404,
      'NOT_FOUND',
    );
    expect(await links(id)).toEqual([]);
    const bankAccount = await service.paybridge.deps.db
      .selectFrom('bank_accounts')
      .select('psu_id')
      .where('id', '=', bankAccountID)
      .executeTakeFirstOrThrow();
    expect(bankAccount.psu_id).toBeNull();
  });

  it('keeps the PSU and fails the task when a connector refuses, and finishes when asked again', async () => {
    const id = await createPsu('Held back');
    await forward(id, dummyPayID);
    await forward(id, scriptedID);
    script.deleteUser = [new InvalidRequestError('the user has open consents')];

    const taskID = await deletePsu(id);
    const task = await finished(taskID);
    expect(task.status).toBe('FAILED');
    expect(task.error).toContain(`connector ${scriptedID}: the user has open consents`);
    expect(await psuExists(id)).toBe(true);
    expect((await links(id)).map((link) => link.connector_id)).toEqual([scriptedID]);
    // DummyPay was asked first (oldest link first) and has deleted its user; that link is gone.
    expect(await readDummyPayUser(dir, id)).toBeUndefined();

    expect(await deletePsu(id)).toBe(taskID);
    expect((await finished(taskID)).status).toBe('SUCCEEDED');
    expect(await psuExists(id)).toBe(false);
  });

  it('deletes a PSU forwarded nowhere at once, without calling any connector', async () => {
    const id = await createPsu('Stay-at-home');
    const taskID = await deletePsu(id);
    const task = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
    expect(task.status).toBe('SUCCEEDED');
    expect(await psuExists(id)).toBe(false);
    expect(userCalls).toEqual([]);
  });
});
