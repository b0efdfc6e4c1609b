// Users: a payment service user forwarded to DummyPay becomes `user-<id>.json`, holding its id, name and
// creation time only; the contact details and address it arrives with are never written anywhere.
import type {
  CreateUserRequest,
  CreateUserResponse,
  DeleteUserRequest,
  PspPaymentServiceUser,
} from '../sdk/contract.js';
import { InvalidRequestError } from '../sdk/errors.js';
import type { DummyPayClient, UserRecord } from './client.js';
import { runLogged } from './writes.js';

/** The metadata key of DummyPay's answer; `deleteUser` gets it back and checks it names the same user. */
export const USER_REFERENCE = 'userReference';

const referenceOf = (id: string) => `dummypay-user-${id}`;

function recordOf(user: PspPaymentServiceUser, kind: string): UserRecord {
  if (Number.isNaN(user.createdAt.getTime()))
    throw new InvalidRequestError(`dummypay ${kind}: createdAt is not a date`);
  return { id: user.id, name: user.name, createdAt: user.createdAt.toISOString() };
}

/**
 * Writes the user's file. The file is the user's record, so idempotency goes by the user rather than a
 * ledger entry: a user whose file holds the same details is a replay, whatever the key; after
 * `deleteUser` the same request creates the user again.
 */
export async function createUser(
  client: DummyPayClient,
  now: () => Date,
  request: CreateUserRequest,
): Promise<CreateUserResponse> {
  // Refused before anything is read or logged: without a key the request never reaches the PSP.
  if (!request.idempotencyKey)
    throw new InvalidRequestError('dummypay create-user: an idempotency key is required');
  const user = request.paymentServiceUser;
  const answer = { metadata: { [USER_REFERENCE]: referenceOf(user.id) } };
  return runLogged(
    client,
    now,
    { kind: 'create-user', idempotencyKey: request.idempotencyKey, userId: user.id },
    async () => {
      const record = recordOf(user, 'create-user');
      const existing = await client.readUser(user.id);
      if (existing) {
        if (existing.name === record.name && existing.createdAt === record.createdAt) {
          return { outcome: 'replayed', answer };
        }
        throw new InvalidRequestError(
          `dummypay create-user: user "${user.id}" already exists with another name or creation time`,
        );
      }
      await client.writeUser(record);
      return { outcome: 'created', answer };
    },
  );
}

/** Removes the user's file; a user DummyPay does not have is already deleted (`absent`). */
export function deleteUser(
  client: DummyPayClient,
  now: () => Date,
  request: DeleteUserRequest,
): Promise<void> {
  const user = request.paymentServiceUser;
  return runLogged(client, now, { kind: 'delete-user', idempotencyKey: null, userId: user.id }, async () => {
    const reference = request.metadata[USER_REFERENCE];
    if (reference !== undefined && reference !== referenceOf(user.id)) {
      throw new InvalidRequestError(
        `dummypay delete-user: the metadata names "${reference}", not the user "${user.id}"`,
      );
    }
    const removed = await client.removeUser(user.id);
    return { outcome: removed ? 'deleted' : 'absent', answer: undefined };
  });
}
