// Bank accounts: DummyPay "opens" an account for a forwarded bank account, storing only its id and name.
import type { CreateBankAccountRequest, CreateBankAccountResponse } from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import type { DummyPayClient } from './client.js';
import { fingerprintOf, runWrite } from './writes.js';

export function createBankAccount(
  client: DummyPayClient,
  now: () => Date,
  request: CreateBankAccountRequest,
): Promise<CreateBankAccountResponse> {
  const bankAccount = request.bankAccount;
  const createdAt = Number.isNaN(bankAccount.createdAt.getTime())
    ? 'invalid'
    : bankAccount.createdAt.toISOString();
  // The number, IBAN and BIC are never written anywhere, not even into the fingerprint.
  const fingerprint = fingerprintOf({
    kind: 'bank-account',
    bankAccountId: bankAccount.id,
    name: bankAccount.name,
    createdAt,
  });
  return runWrite(client, now, {
    kind: 'bank-account',
    idempotencyKey: request.idempotencyKey,
    fingerprint,
    answer: (movement) => {
      const stored = movement.result.relatedAccount;
      if (!stored)
        throw new InvalidRequestError(`dummypay: movement "${movement.idempotencyKey}" stored no account`);
      return {
        relatedAccount: {
          reference: stored.reference,
          createdAt: new Date(stored.createdAt),
          name: stored.name,
          // Metadata stays out of the files; the request carries it every time.
          metadata: bankAccount.metadata,
          raw: {},
        },
      };
    },
    plan: async ({ at }) => {
      if (!bankAccount.id) throw new InvalidRequestError('dummypay bank-account: the bank account has no id');
      if (createdAt === 'invalid')
        throw new InvalidRequestError('dummypay bank-account: createdAt is not a date');
      return {
        outcome: 'created',
        movement: {
          idempotencyKey: request.idempotencyKey,
          kind: 'bank-account',
          at: at.toISOString(),
          fingerprint,
          reference: bankAccount.id,
          result: {
            relatedAccount: { reference: `dummypay-${bankAccount.id}`, name: bankAccount.name, createdAt },
          },
        },
      };
    },
  });
}
