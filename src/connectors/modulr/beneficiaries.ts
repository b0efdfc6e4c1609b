// Bank account creation at Modulr: a beneficiary of the configured customer (POST /customers/{id}/beneficiaries), idempotent by nonce.
import type {
  BankAccountDetails,
  CreateBankAccountRequest,
  CreateBankAccountResponse,
} from '../sdk/contract.js';
import { InvalidRequestError, UpstreamError } from '../sdk/errors.js';
import { specMetadataKey } from '../sdk/money.js';
import type { ModulrClient } from './client.js';
import { beneficiarySchema, PROVIDER, toExternalAccount } from './mapping.js';

/** Metadata of a bank account that Modulr needs and Paybridge's bank account does not carry. */
export const BENEFICIARY_KEYS = {
  sortCode: specMetadataKey(PROVIDER, 'sort_code'),
  currency: specMetadataKey(PROVIDER, 'currency'),
  defaultReference: specMetadataKey(PROVIDER, 'default_reference'),
} as const;

/** Where the money goes: a UK account (sort code and number), or an IBAN. */
function destinationOf(account: BankAccountDetails): Record<string, string> {
  const { metadata } = account;
  if (account.iban) {
    return {
      type: 'IBAN',
      iban: account.iban.replace(/\s+/g, ''),
      ...(account.swiftBicCode ? { bic: account.swiftBicCode } : {}),
      currency: (metadata[BENEFICIARY_KEYS.currency] ?? 'EUR').toUpperCase(),
    };
  }
  const sortCode = metadata[BENEFICIARY_KEYS.sortCode]?.replace(/[\s-]/g, '');
  if (account.accountNumber && sortCode) {
    if (!/^\d{6}$/.test(sortCode))
      throw new InvalidRequestError(`${BENEFICIARY_KEYS.sortCode} must be 6 digits`);
    return {
      type: 'SCAN',
      accountNumber: account.accountNumber,
      sortCode,
      currency: (metadata[BENEFICIARY_KEYS.currency] ?? 'GBP').toUpperCase(),
    };
  }
  throw new InvalidRequestError(
    `a Modulr beneficiary needs an IBAN, or an account number with its sort code in ${BENEFICIARY_KEYS.sortCode}`,
  );
}

export async function createBeneficiary(
  client: ModulrClient,
  customerId: string | undefined,
  request: CreateBankAccountRequest,
): Promise<CreateBankAccountResponse> {
  if (!customerId) {
    throw new InvalidRequestError("creating a Modulr beneficiary needs the connector's customerId");
  }
  const account = request.bankAccount;
  const body = {
    name: account.name,
    destinationIdentifier: destinationOf(account),
    defaultReference: account.metadata[BENEFICIARY_KEYS.defaultReference] ?? 'Paybridge payment',
    externalReference: account.id.replace(/[^\w -]/g, '-').slice(0, 50),
  };
  const answer = beneficiarySchema.safeParse(
    await client.post(
      `/customers/${encodeURIComponent(customerId)}/beneficiaries`,
      body,
      request.idempotencyKey,
    ),
  );
  if (!answer.success)
    throw new UpstreamError(`Modulr answered the beneficiary unreadably: ${answer.error.message}`);
  return { relatedAccount: toExternalAccount(answer.data) };
}
