// Payment service users: personal details sealed with the keyring as they arrive, and bank accounts linked
// to at most one PSU (forwarding to connectors and deletion are in payment-service-user-connectors.ts).
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseJson, stringifyJson } from '../../domain/json.js';
import type { Keyring } from '../../security/encryption.js';
import type { Db } from '../../storage/db.js';
import {
  bankAccountOwners,
  insertPaymentServiceUser,
  linkBankAccounts,
  lockPaymentServiceUser,
} from '../../storage/payment-service-users.js';
import type { EngineDeps } from '../deps.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';

/** The sealed personal details, as stored and as the API shows them. */
export const contactDetailsShape = z.object({
  email: z.string().optional(),
  phoneNumber: z.string().optional(),
  locale: z.string().optional(),
});
export const addressShape = z.object({
  streetName: z.string().optional(),
  streetNumber: z.string().optional(),
  city: z.string().optional(),
  region: z.string().optional(),
  postalCode: z.string().optional(),
  country: z.string().optional(),
});
const detailsShape = z.object({
  contactDetails: contactDetailsShape.optional(),
  address: addressShape.optional(),
});

export type ContactDetails = z.infer<typeof contactDetailsShape>;
export type Address = z.infer<typeof addressShape>;
/** What is sealed: only the parts and fields that were given, never empty objects or nulls. */
export type PaymentServiceUserDetails = z.infer<typeof detailsShape>;

/** A part as a request gives it: any field may be absent, null or empty, which all mean "not given". */
type Given<Part> = { [Field in keyof Part]?: string | null | undefined };

export interface PaymentServiceUserEntry {
  name: string;
  contactDetails?: Given<ContactDetails> | null | undefined;
  address?: Given<Address> | null | undefined;
  bankAccountIds: string[];
  metadata: Record<string, string>;
}

/** Keeps the fields given, then drops a part left empty: a PSU given `contactDetails: {}` has none. */
function compact(part: Record<string, string | null | undefined> | null | undefined) {
  const kept = Object.entries(part ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '',
  );
  return kept.length === 0 ? undefined : Object.fromEntries(kept);
}

function sealDetails(keyring: Keyring, entry: PaymentServiceUserEntry): string | null {
  const contactDetails = compact(entry.contactDetails);
  const address = compact(entry.address);
  if (contactDetails === undefined && address === undefined) return null;
  return keyring.encrypt(
    stringifyJson({ ...(contactDetails ? { contactDetails } : {}), ...(address ? { address } : {}) }),
  );
}

/** Opens the sealed details of a PSU row for presentation; a row without any gives `{}`. */
export function openDetails(keyring: Keyring, sealed: string | null): PaymentServiceUserDetails {
  if (sealed === null) return {};
  return detailsShape.parse(parseJson(keyring.decrypt(sealed)));
}

/**
 * Links the bank accounts to the PSU. A bank account that does not exist is refused with `unknown(id)`; one
 * that already belongs to another PSU with 400 VALIDATION. Linking again to the same PSU changes nothing.
 */
async function linkOrRefuse(
  db: Db,
  psuId: string,
  bankAccountIds: string[],
  unknown: (id: string) => Error,
): Promise<void> {
  const linked = await linkBankAccounts(db, psuId, bankAccountIds);
  const refused = bankAccountIds.filter((id) => !linked.has(id));
  if (refused.length === 0) return;
  const owners = await bankAccountOwners(db, refused);
  const missing = refused.find((id) => !owners.has(id));
  if (missing !== undefined) throw unknown(missing);
  throw new ValidationError(
    `bank account ${refused[0] ?? ''} already belongs to another payment service user`,
  );
}

/** Stores a PSU and links its bank accounts in one transaction; the plaintext details go no further. */
export async function createPaymentServiceUser(
  deps: EngineDeps,
  entry: PaymentServiceUserEntry,
): Promise<string> {
  const id = randomUUID();
  const bankAccountIds = [...new Set(entry.bankAccountIds.map((b) => b.toLowerCase()))];
  await deps.db.transaction().execute(async (trx) => {
    await insertPaymentServiceUser(trx, {
      id,
      name: entry.name,
      detailsSealed: sealDetails(deps.keyring, entry),
      metadata: entry.metadata,
    });
    // Formance answers an unknown bank account here with 400 VALIDATION (a missing reference), not 404.
    await linkOrRefuse(
      trx,
      id,
      bankAccountIds,
      (missing) => new ValidationError(`bank account ${missing} not found`),
    );
  });
  return id;
}

/** Links one bank account; the PSU is locked meanwhile so a concurrent delete cannot slip between. */
export async function addBankAccountToPaymentServiceUser(
  deps: EngineDeps,
  psuId: string,
  bankAccountId: string,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    if (!(await lockPaymentServiceUser(trx, psuId)))
      throw new NotFoundError('payment service user not found');
    await linkOrRefuse(trx, psuId, [bankAccountId], () => new NotFoundError('bank account not found'));
  });
}
