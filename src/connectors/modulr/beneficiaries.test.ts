// Bank account creation as a Modulr beneficiary: the destination Modulr needs, the customer it belongs to, and one beneficiary per key.
import { describe, expect, it } from 'vitest';
import type { BankAccountDetails } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import { startHarness } from './test-harness.js';

const KEY = '9a1b2c3d-4e5f-5a6b-8c7d-8e9fa0b1c2d3';

const bankAccount = (fields: Partial<BankAccountDetails>): BankAccountDetails => ({
  id: 'ba/1',
  createdAt: new Date(),
  name: 'Supplier GmbH',
  metadata: {},
  ...fields,
});

const posts = (h: Awaited<ReturnType<typeof startHarness>>) =>
  h.psp.requestsTo('POST', '/customers/:customerId/beneficiaries');

describe('bank account creation', () => {
  it('creates an IBAN beneficiary of the configured customer, answered as the external account polling gives', async () => {
    const h = await startHarness();
    try {
      const answer = await h.connector.createBankAccount({
        bankAccount: bankAccount({
          iban: 'DE89 3704 0044 0532 0130 00',
          swiftBicCode: 'COBADEFFXXX',
          metadata: { 'com.modulr.spec/default_reference': 'Supplies' },
        }),
        idempotencyKey: KEY,
      });
      const [request] = posts(h);
      expect(request?.path).toBe('/customers/C1000001/beneficiaries');
      expect(request?.headers['x-mod-nonce']).toBe(KEY);
      expect(JSON.parse(request?.text() ?? '{}')).toEqual({
        name: 'Supplier GmbH',
        destinationIdentifier: {
          type: 'IBAN',
          iban: 'DE89370400440532013000',
          bic: 'COBADEFFXXX',
          currency: 'EUR',
        },
        defaultReference: 'Supplies',
        externalReference: 'ba-1',
      });
      expect(answer.relatedAccount).toMatchObject({
        reference: h.world.beneficiaries.at(-1)?.id,
        name: 'Supplier GmbH',
        defaultAsset: 'EUR/2',
        metadata: { 'com.modulr.spec/destination_type': 'IBAN', 'com.modulr.spec/customer_id': 'C1000001' },
      });
    } finally {
      await h.close();
    }
  });

  it('asked twice with one key (a lost answer), creates one beneficiary', async () => {
    const h = await startHarness();
    try {
      const request = {
        bankAccount: bankAccount({
          accountNumber: '12345678',
          metadata: { 'com.modulr.spec/sort_code': '04-00-04' },
        }),
        idempotencyKey: KEY,
      };
      const first = await h.connector.createBankAccount(request);
      const second = await h.another().createBankAccount(request);
      expect(second.relatedAccount.reference).toBe(first.relatedAccount.reference);
      expect(h.psp.movements).toHaveLength(1);
      expect(posts(h).map((r) => r.headers['x-mod-retry'])).toEqual(['false', 'false', 'true']);
    } finally {
      await h.close();
    }
  });

  for (const [what, config, account] of [
    [
      'without a configured customer',
      { customerId: undefined },
      bankAccount({ iban: 'DE89370400440532013000' }),
    ],
    ['with an account number but no sort code', {}, bankAccount({ accountNumber: '12345678' })],
    [
      'with a sort code that is not 6 digits',
      {},
      bankAccount({ accountNumber: '1', metadata: { 'com.modulr.spec/sort_code': '12-34' } }),
    ],
  ] as const) {
    it(`is refused ${what}, before anything is sent`, async () => {
      const h = await startHarness({ config });
      try {
        await expect(
          h.connector.createBankAccount({ bankAccount: account, idempotencyKey: KEY }),
        ).rejects.toBeInstanceOf(InvalidRequestError);
        expect(posts(h)).toEqual([]);
      } finally {
        await h.close();
      }
    });
  }
});
