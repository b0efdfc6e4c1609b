// Bank accounts through the official SDK: created, listed, read and re-labelled, with the account number,
// IBAN and BIC sealed at rest and masked everywhere they are shown: API answers, events and plain columns.
import { SDK } from '@formance/formance-sdk';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { expectV3Error, present } from './sdk-helpers.js';

const IBAN = 'DE89370400440532013000';
const ACCOUNT_NUMBER = '0532013000';
const BIC = 'COBADEFFXXX';

let service: TestService;
let sdk: SDK;
let bankAccountID: string;

beforeAll(async () => {
  service = await startTestService();
  sdk = new SDK({ serverURL: service.url });
});
afterAll(async () => {
  await service?.stop();
});

describe('bank accounts', () => {
  it('creates one and shows its details masked', async () => {
    const created = await sdk.payments.v3.createBankAccount({
      name: 'Acme GmbH',
      iban: IBAN,
      accountNumber: ACCOUNT_NUMBER,
      swiftBicCode: BIC,
      country: 'DE',
      metadata: { supplier: 'acme' },
    });
    expect(created.statusCode).toBe(201);
    bankAccountID = present(created.v3CreateBankAccountResponse, 'create').data;
    const account = present(
      (await sdk.payments.v3.getBankAccount({ bankAccountID })).v3GetBankAccountResponse,
      'get',
    ).data;
    expect(account).toMatchObject({
      name: 'Acme GmbH',
      iban: 'DE89**************3000',
      accountNumber: '05*****000',
      swiftBicCode: 'COBA*******',
      country: 'DE',
      metadata: { supplier: 'acme' },
      relatedAccounts: [],
    });
    const listed = present(
      (await sdk.payments.v3.listBankAccounts({ query: { $match: { name: 'Acme GmbH' } } }))
        .v3BankAccountsCursorResponse,
      'list',
    ).cursor.data;
    expect(listed.map((b) => [b.id, b.iban])).toEqual([[bankAccountID, 'DE89**************3000']]);
  });

  it('keeps the details out of plain columns and events, and can still open them with the key', async () => {
    const { rows } = await sql<{
      row: string;
    }>`SELECT row_to_json(b)::text AS row FROM bank_accounts b`.execute(service.paybridge.deps.db);
    const events = await sql<{ payload: string }>`
      SELECT payload::text AS payload FROM outbox_events WHERE type = 'SAVED_BANK_ACCOUNT'`.execute(
      service.paybridge.deps.db,
    );
    expect(events.rows.length).toBeGreaterThan(0);
    for (const text of [...rows.map((r) => r.row), ...events.rows.map((e) => e.payload)]) {
      for (const secret of [IBAN, ACCOUNT_NUMBER, BIC]) expect(text).not.toContain(secret);
    }
    // Sealed, not lost: the service's keyring opens them (forwarding to a connector will need them).
    const sealed = await service.paybridge.deps.db
      .selectFrom('bank_accounts')
      .select(['iban_sealed', 'account_number_sealed', 'swift_bic_code_sealed'])
      .where('id', '=', bankAccountID)
      .executeTakeFirstOrThrow();
    const keyring = service.paybridge.deps.keyring;
    expect(
      [sealed.iban_sealed, sealed.account_number_sealed, sealed.swift_bic_code_sealed].map((s) =>
        keyring.decrypt(s ?? ''),
      ),
    ).toEqual([IBAN, ACCOUNT_NUMBER, BIC]);
  });

  it('merges metadata, with an event for a real change', async () => {
    const before = await countEvents();
    await sdk.payments.v3.updateBankAccountMetadata({
      bankAccountID,
      v3UpdateBankAccountMetadataRequest: { metadata: { tier: 'gold' } },
    });
    await sdk.payments.v3.updateBankAccountMetadata({
      bankAccountID,
      v3UpdateBankAccountMetadataRequest: { metadata: { tier: 'gold' } },
    });
    const account = present(
      (await sdk.payments.v3.getBankAccount({ bankAccountID })).v3GetBankAccountResponse,
      'get',
    ).data;
    expect(account.metadata).toEqual({ supplier: 'acme', tier: 'gold' });
    expect(await countEvents()).toBe(before + 1);
  });

  it('refuses a bank account without a number, a bad IBAN or country, and unknown ids', async () => {
    await expectV3Error(sdk.payments.v3.createBankAccount({ name: 'No number' }), 400, 'VALIDATION');
    await expectV3Error(
      sdk.payments.v3.createBankAccount({ name: 'Short', iban: 'DE89' }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      sdk.payments.v3.createBankAccount({ name: 'Country', iban: IBAN, country: 'Germany' }),
      400,
      'VALIDATION',
    );
    await expectV3Error(
      sdk.payments.v3.getBankAccount({ bankAccountID: '00000000-0000-4000-8000-000000000000' }),
      404,
      'NOT_FOUND',
    );
    await expectV3Error(sdk.payments.v3.getBankAccount({ bankAccountID: 'nope' }), 400, 'INVALID_ID');
    await expectV3Error(
      sdk.payments.v3.updateBankAccountMetadata({
        bankAccountID: '00000000-0000-4000-8000-000000000000',
        v3UpdateBankAccountMetadataRequest: { metadata: { a: 'b' } },
      }),
      404,
      'NOT_FOUND',
    );
  });
});

async function countEvents(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM outbox_events WHERE type = 'SAVED_BANK_ACCOUNT'`.execute(
    service.paybridge.deps.db,
  );
  return rows[0]?.n ?? 0;
}
