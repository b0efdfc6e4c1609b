// Payment service users through the official SDK (raw HTTP where the SDK cannot say it): created with and
// without details, listed, filtered, read, linked to bank accounts and deleted through a task; the contact
// details and address sealed at rest; every CreatePSU rule refused with the documented 400.
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskIdCodec } from '../../src/domain/ids.js';
import { parseJson, stringifyJson } from '../../src/domain/json.js';
import { startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present, rawGet, rawPage } from './sdk-helpers.js';

const EMAIL = 'ada.lovelace@example.com';
const PHONE = '+1 (555) 123-4567';
const STREET = 'Analytical Engine Street';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

let service: TestService;
let sdk: SDK;

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
});
afterAll(async () => {
  await service?.stop();
});

async function createBankAccount(name: string): Promise<string> {
  const created = await sdk.payments.v3.createBankAccount({ name, iban: 'DE89370400440532013000' });
  return present(created.v3CreateBankAccountResponse, 'create bank account').data;
}

async function createPsu(
  request: Parameters<SDK['payments']['v3']['createPaymentServiceUser']>[0],
): Promise<string> {
  const created = await sdk.payments.v3.createPaymentServiceUser(request);
  expect(created.statusCode).toBe(201);
  return present(created.v3CreatePaymentServiceUserResponse, 'create').data;
}

async function getPsu(paymentServiceUserID: string) {
  const got = await sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID });
  return present(got.v3GetPaymentServiceUserResponse, 'get').data;
}

/** POSTs a JSON body (relative to /api/payments/v3) without the SDK's client-side checks. */
async function rawPost(path: string, body: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${service.url}/api/payments/v3${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : parseJson(text) };
}

async function countPsus(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM payment_service_users`.execute(service.paybridge.deps.db);
  return rows[0]?.n ?? 0;
}

describe('payment service users', () => {
  it('creates one with contact details, address and bank accounts, and reads them back', async () => {
    const first = await createBankAccount('Ada main');
    const second = await createBankAccount('Ada savings');
    const id = await createPsu({
      name: 'Ada Lovelace',
      contactDetails: { email: EMAIL, phoneNumber: PHONE },
      address: {
        streetName: STREET,
        streetNumber: '12B',
        city: 'London',
        region: 'Greater London',
        postalCode: 'W1 1AA',
        country: 'GB',
      },
      bankAccountIDs: [second, first, second],
      metadata: { segment: 'vip' },
    });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const psu = await getPsu(id);
    expect(psu).toEqual({
      id,
      name: 'Ada Lovelace',
      createdAt: expect.any(Date),
      contactDetails: { email: EMAIL, phoneNumber: PHONE },
      address: {
        streetName: STREET,
        streetNumber: '12B',
        city: 'London',
        region: 'Greater London',
        postalCode: 'W1 1AA',
        country: 'GB',
      },
      // Each bank account once, oldest first.
      bankAccountIDs: [first, second],
      metadata: { segment: 'vip' },
    });
    expect(Math.abs(psu.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('leaves contactDetails and address out, and gives bankAccountIDs null, when a PSU has none', async () => {
    const id = await createPsu({ name: 'Charles Babbage' });
    const { status, body } = await rawGet(service.url, `/payment-service-users/${id}`);
    expect(status).toBe(200);
    const data = (body as { data: Record<string, unknown> }).data;
    expect(Object.keys(data).sort()).toEqual(['bankAccountIDs', 'createdAt', 'id', 'metadata', 'name']);
    expect(data).toMatchObject({ id, name: 'Charles Babbage', bankAccountIDs: null, metadata: {} });
    // The SDK reads it too (it refuses null for contactDetails and address).
    expect(await getPsu(id)).toMatchObject({ id, bankAccountIDs: null });
  });

  it('sends only the inner fields that were given, never null ones', async () => {
    const id = await createPsu({
      name: 'Partial',
      contactDetails: { email: EMAIL },
      address: { city: 'Paris', country: 'FR' },
    });
    const { body } = await rawGet(service.url, `/payment-service-users/${id}`);
    const data = (body as { data: Record<string, unknown> }).data;
    expect(data.contactDetails).toEqual({ email: EMAIL });
    expect(data.address).toEqual({ city: 'Paris', country: 'FR' });
    expect(await getPsu(id)).toMatchObject({ contactDetails: { email: EMAIL }, address: { city: 'Paris' } });
  });

  it('treats null, empty strings and empty parts as not given', async () => {
    const created = await rawPost(
      '/payment-service-users',
      stringifyJson({
        name: 'Nulls',
        contactDetails: { email: '', phoneNumber: null },
        address: {},
        bankAccountIDs: null,
        metadata: null,
      }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { data: string }).data;
    const { body } = await rawGet(service.url, `/payment-service-users/${id}`);
    const data = (body as { data: Record<string, unknown> }).data;
    expect(data).not.toHaveProperty('contactDetails');
    expect(data).not.toHaveProperty('address');
    expect(data).toMatchObject({ bankAccountIDs: null, metadata: {} });
  });

  it('keeps a BCP 47 locale (which the SDK cannot send) with the contact details', async () => {
    const created = await rawPost(
      '/payment-service-users',
      stringifyJson({ name: 'Locale', contactDetails: { email: EMAIL, locale: 'fr-FR' } }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { data: string }).data;
    const { body } = await rawGet(service.url, `/payment-service-users/${id}`);
    expect((body as { data: { contactDetails: unknown } }).data.contactDetails).toEqual({
      email: EMAIL,
      locale: 'fr-FR',
    });
    expect((await getPsu(id)).contactDetails).toEqual({ email: EMAIL });
  });

  it('keeps contact details and address out of plain columns, sealed with the service key', async () => {
    const id = await createPsu({
      name: 'Sealed',
      contactDetails: { email: 'sealed@example.org', phoneNumber: '+33612345678' },
      address: { streetName: 'Rue du Secret', postalCode: '75001', city: 'Lutece' },
    });
    const { rows } = await sql<{ row: string }>`
      SELECT row_to_json(p)::text AS row FROM payment_service_users p WHERE id = ${id}`.execute(
      service.paybridge.deps.db,
    );
    expect(rows).toHaveLength(1);
    const text = rows[0]?.row ?? '';
    for (const secret of [
      'sealed@example.org',
      '+33612345678',
      '33612345678',
      'Rue du Secret',
      '75001',
      'Lutece',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('Sealed');
    const stored = await service.paybridge.deps.db
      .selectFrom('payment_service_users')
      .select('details_sealed')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(parseJson(service.paybridge.deps.keyring.decrypt(stored.details_sealed ?? ''))).toEqual({
      contactDetails: { email: 'sealed@example.org', phoneNumber: '+33612345678' },
      address: { streetName: 'Rue du Secret', postalCode: '75001', city: 'Lutece' },
    });
  });

  it('lists PSUs newest first and filters them by name, id and metadata', async () => {
    const older = await createPsu({ name: 'Filter me', metadata: { cohort: 'listing' } });
    const newer = await createPsu({ name: 'Filter me too', metadata: { cohort: 'listing' } });

    const page = present(
      (await sdk.payments.v3.listPaymentServiceUsers({ pageSize: 2 })).v3PaymentServiceUsersCursorResponse,
      'list',
    ).cursor;
    expect(page.data.map((p) => p.id)).toEqual([newer, older]);
    expect(page.hasMore).toBe(true);

    const query = (filter: unknown) =>
      `/payment-service-users?query=${encodeURIComponent(stringifyJson(filter))}`;
    const byName = await rawPage<{ id: string }>(service.url, query({ $match: { name: 'Filter me' } }));
    expect(byName.data.map((p) => p.id)).toEqual([older]);
    const byId = await rawPage<{ id: string }>(service.url, query({ $match: { id: newer } }));
    expect(byId.data.map((p) => p.id)).toEqual([newer]);
    const byMetadata = await rawPage<{ id: string }>(
      service.url,
      query({ $match: { 'metadata[cohort]': 'listing' } }),
    );
    expect(byMetadata.data.map((p) => p.id)).toEqual([newer, older]);

    const unknownKey = await rawGet(service.url, query({ $match: { email: EMAIL } }));
    expect(unknownKey.status).toBe(400);
    expect(unknownKey.body).toMatchObject({ errorCode: 'VALIDATION' });
  });

  it('adds a bank account to a PSU, and adding it again changes nothing', async () => {
    const id = await createPsu({ name: 'Linker' });
    const bankAccountID = await createBankAccount('Linker account');
    for (let i = 0; i < 2; i++) {
      const added = await sdk.payments.v3.addBankAccountToPaymentServiceUser({
        paymentServiceUserID: id,
        bankAccountID,
      });
      expect(added.statusCode).toBe(204);
    }
    expect((await getPsu(id)).bankAccountIDs).toEqual([bankAccountID]);
  });

  it('refuses to add to an unknown PSU, an unknown bank account, or with malformed ids', async () => {
    const id = await createPsu({ name: 'Lonely' });
    const bankAccountID = await createBankAccount('Unattached');
    const psuMissing = await expectV3Error(
      sdk.payments.v3.addBankAccountToPaymentServiceUser({ paymentServiceUserID: UNKNOWN_ID, bankAccountID }),
      404,
      'NOT_FOUND',
    );
    expect(psuMissing.errorMessage).toMatch(/payment service user/);
    const accountMissing = await expectV3Error(
      sdk.payments.v3.addBankAccountToPaymentServiceUser({
        paymentServiceUserID: id,
        bankAccountID: UNKNOWN_ID,
      }),
      404,
      'NOT_FOUND',
    );
    expect(accountMissing.errorMessage).toMatch(/bank account/);
    await expectV3Error(
      sdk.payments.v3.addBankAccountToPaymentServiceUser({ paymentServiceUserID: 'nope', bankAccountID }),
      400,
      'INVALID_ID',
    );
    await expectV3Error(
      sdk.payments.v3.addBankAccountToPaymentServiceUser({ paymentServiceUserID: id, bankAccountID: 'nope' }),
      400,
      'INVALID_ID',
    );
    expect((await getPsu(id)).bankAccountIDs).toBeNull();
  });

  it('refuses a bank account that already belongs to another PSU, on add and on create', async () => {
    const bankAccountID = await createBankAccount('Taken');
    const owner = await createPsu({ name: 'Owner', bankAccountIDs: [bankAccountID] });
    const other = await createPsu({ name: 'Other' });
    const onAdd = await expectV3Error(
      sdk.payments.v3.addBankAccountToPaymentServiceUser({ paymentServiceUserID: other, bankAccountID }),
      400,
      'VALIDATION',
    );
    expect(onAdd.errorMessage).toMatch(/another payment service user/);
    const before = await countPsus();
    await expectV3Error(
      sdk.payments.v3.createPaymentServiceUser({ name: 'Thief', bankAccountIDs: [bankAccountID] }),
      400,
      'VALIDATION',
    );
    expect(await countPsus()).toBe(before);
    expect((await getPsu(owner)).bankAccountIDs).toEqual([bankAccountID]);
    expect((await getPsu(other)).bankAccountIDs).toBeNull();
  });

  it('reads an unknown PSU as 404 and a malformed id as 400', async () => {
    await expectV3Error(
      sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID: UNKNOWN_ID }),
      404,
      'NOT_FOUND',
    );
    await expectV3Error(
      sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID: 'nope' }),
      400,
      'INVALID_ID',
    );
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUser({ paymentServiceUserID: 'nope' }),
      400,
      'INVALID_ID',
    );
  });

  it('deletes a PSU through a task that has already succeeded, leaving its bank accounts unlinked', async () => {
    const bankAccountID = await createBankAccount('Survivor');
    const id = await createPsu({
      name: 'Leaving',
      contactDetails: { email: EMAIL },
      bankAccountIDs: [bankAccountID],
    });

    const deleted = await sdk.payments.v3.deletePaymentServiceUser({ paymentServiceUserID: id });
    expect(deleted.statusCode).toBe(202);
    const taskID = present(deleted.v3PaymentServiceUserDeleteResponse, 'delete').data.taskID;
    expect(taskIdCodec.decode(taskID)).toEqual({
      connectorId: { provider: '', reference: '00000000-0000-0000-0000-000000000000' },
      reference: `delete-user-${id}`,
    });

    const task = present((await sdk.payments.v3.getTask({ taskID })).v3GetTaskResponse, 'task').data;
    expect(task).toMatchObject({ id: taskID, status: 'SUCCEEDED', createdObjectID: id });
    expect(task.connectorID).toBeUndefined();

    await expectV3Error(
      sdk.payments.v3.getPaymentServiceUser({ paymentServiceUserID: id }),
      404,
      'NOT_FOUND',
    );
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUser({ paymentServiceUserID: id }),
      404,
      'NOT_FOUND',
    );
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM payment_service_users WHERE id = ${id}`.execute(
      service.paybridge.deps.db,
    );
    expect(rows[0]?.n).toBe(0);

    // The bank account stays, free to join another PSU.
    const bankAccount = await sdk.payments.v3.getBankAccount({ bankAccountID });
    expect(present(bankAccount.v3GetBankAccountResponse, 'bank account').data.id).toBe(bankAccountID);
    const next = await createPsu({ name: 'Successor', bankAccountIDs: [bankAccountID] });
    expect((await getPsu(next)).bankAccountIDs).toEqual([bankAccountID]);
  });

  it('deletes an unknown PSU as 404, without recording a task', async () => {
    await expectV3Error(
      sdk.payments.v3.deletePaymentServiceUser({ paymentServiceUserID: UNKNOWN_ID }),
      404,
      'NOT_FOUND',
    );
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tasks WHERE created_object_id = ${UNKNOWN_ID}`.execute(
      service.paybridge.deps.db,
    );
    expect(rows[0]?.n).toBe(0);
  });
});

describe('CreatePSU validation', () => {
  const create = (request: Parameters<SDK['payments']['v3']['createPaymentServiceUser']>[0]) =>
    sdk.payments.v3.createPaymentServiceUser(request);

  it('refuses a missing, empty or too long name', async () => {
    const missing = await rawPost('/payment-service-users', stringifyJson({ metadata: { a: 'b' } }));
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errorCode: 'VALIDATION' });
    await expectV3Error(create({ name: '' }), 400, 'VALIDATION');
    await expectV3Error(create({ name: 'x'.repeat(1001) }), 400, 'VALIDATION');
    // The boundary itself is fine.
    await createPsu({ name: 'x'.repeat(1000) });
  });

  it('refuses an e-mail address or phone number that does not look like one', async () => {
    await expectV3Error(create({ name: 'a', contactDetails: { email: 'ada@example' } }), 400, 'VALIDATION');
    await expectV3Error(create({ name: 'a', contactDetails: { email: 'not an email' } }), 400, 'VALIDATION');
    await expectV3Error(
      create({ name: 'a', contactDetails: { phoneNumber: 'call me maybe' } }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      create({ name: 'a', contactDetails: { phoneNumber: '+33 6 12 34 56 78' } }),
      400,
      'VALIDATION',
    );
  });

  it('refuses a locale that is not a BCP 47 tag', async () => {
    const refused = await rawPost(
      '/payment-service-users',
      stringifyJson({ name: 'a', contactDetails: { locale: 'not a locale!' } }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errorCode: 'VALIDATION' });
  });

  it('refuses a street number that is not alphanumeric and a country that is not ISO 3166 alpha-2', async () => {
    await expectV3Error(create({ name: 'a', address: { streetNumber: '12-b' } }), 400, 'VALIDATION');
    await expectV3Error(create({ name: 'a', address: { country: 'France' } }), 400, 'VALIDATION');
    await expectV3Error(create({ name: 'a', address: { country: 'fr' } }), 400, 'VALIDATION');
  });

  it('refuses bank account ids that are not UUIDs or do not exist, and stores nothing then', async () => {
    const before = await countPsus();
    await expectV3Error(create({ name: 'a', bankAccountIDs: ['nope'] }), 400, 'VALIDATION');
    const existing = await createBankAccount('Real one');
    const unknown = await expectV3Error(
      create({ name: 'a', bankAccountIDs: [existing, UNKNOWN_ID] }),
      400,
      'VALIDATION',
    );
    expect(unknown.errorMessage).toContain(UNKNOWN_ID);
    expect(await countPsus()).toBe(before);
    // The rollback also undid the link to the bank account that did exist.
    const { rows } = await sql<{ psu_id: string | null }>`
      SELECT psu_id FROM bank_accounts WHERE id = ${existing}`.execute(service.paybridge.deps.db);
    expect(rows[0]?.psu_id).toBeNull();
  });

  it('refuses a body that is not JSON', async () => {
    const refused = await rawPost('/payment-service-users', '{"name": ');
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errorCode: 'MISSING_OR_INVALID_BODY' });
  });
});
