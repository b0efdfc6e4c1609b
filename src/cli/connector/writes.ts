// `connector run --write <kind> --body file.json`: the write methods the runner can call, and their bodies.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type {
  BankAccountDetails,
  Connector,
  PspAccount,
  PspPaymentInitiation,
} from '../../connectors/sdk/contract.js';

const amount = z.union([
  z.bigint(),
  z
    .number()
    .int()
    .transform((n) => BigInt(n)),
  z
    .string()
    .regex(/^-?\d+$/, { error: 'must be an integer in minor units' })
    .transform(BigInt),
]);
const metadata = z.record(z.string(), z.string()).default({});
const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an RFC 3339 time' })
  .transform((s) => new Date(s))
  .optional();

/** An account the PSP knows: its reference alone, or the account as the engine would hand it over. */
const account = z
  .union([
    z.string().min(1),
    z.object({
      reference: z.string().min(1),
      createdAt: time,
      name: z.string().optional(),
      defaultAsset: z.string().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
      raw: z.unknown().optional(),
    }),
  ])
  .transform((value): PspAccount => {
    const fields = typeof value === 'string' ? { reference: value } : value;
    const { createdAt, raw, ...rest } = fields as typeof fields & { createdAt?: Date; raw?: unknown };
    return { ...rest, createdAt: createdAt ?? new Date(), raw: raw ?? {} };
  });

const paymentInitiation = z
  .object({
    reference: z.string().min(1).optional(),
    createdAt: time,
    description: z.string().default(''),
    sourceAccount: account.optional(),
    destinationAccount: account.optional(),
    amount,
    asset: z.string().min(1),
    metadata,
  })
  .strict()
  .transform((pi): PspPaymentInitiation => ({
    ...pi,
    reference: pi.reference ?? `run-${randomUUID()}`,
    createdAt: pi.createdAt ?? new Date(),
  }));

const reversal = z
  .object({
    reference: z.string().min(1).optional(),
    createdAt: time,
    description: z.string().default(''),
    relatedPaymentInitiation: paymentInitiation,
    amount,
    asset: z.string().min(1),
    metadata,
  })
  .strict()
  .transform((r) => ({
    ...r,
    reference: r.reference ?? `run-${randomUUID()}`,
    createdAt: r.createdAt ?? new Date(),
  }));

const bankAccount = z
  .object({
    id: z.string().min(1).optional(),
    createdAt: time,
    name: z.string().min(1),
    accountNumber: z.string().optional(),
    iban: z.string().optional(),
    swiftBicCode: z.string().optional(),
    country: z.string().optional(),
    metadata,
  })
  .strict()
  .transform((b): BankAccountDetails => ({
    ...b,
    id: b.id ?? randomUUID(),
    createdAt: b.createdAt ?? new Date(),
  }));

const polling = z.object({ pollingId: z.string().min(1) }).strict();

interface WriteKind {
  /** What `--body` holds, in one line (for --help and errors). */
  body: string;
  /** Whether the call carries an idempotency key (polls do not). */
  idempotent: boolean;
  /** Parses the body (a ZodError when it does not fit) and answers the call to make with it. */
  prepare(body: unknown, idempotencyKey: string): (connector: Connector) => Promise<unknown>;
}

/** Every write the runner can make, by the name `--write` takes. */
export const WRITES: Record<string, WriteKind> = {
  payout: {
    body: 'a payment initiation: {amount, asset, sourceAccount, destinationAccount, reference?, description?, metadata?}',
    idempotent: true,
    prepare: (body, idempotencyKey) => {
      const request = { paymentInitiation: paymentInitiation.parse(body), idempotencyKey };
      return (c) => c.createPayout(request);
    },
  },
  transfer: {
    body: 'a payment initiation, as for payout',
    idempotent: true,
    prepare: (body, idempotencyKey) => {
      const request = { paymentInitiation: paymentInitiation.parse(body), idempotencyKey };
      return (c) => c.createTransfer(request);
    },
  },
  'reverse-payout': {
    body: 'a reversal: {amount, asset, relatedPaymentInitiation, reference?, description?, metadata?}',
    idempotent: true,
    prepare: (body, idempotencyKey) => {
      const request = { paymentInitiationReversal: reversal.parse(body), idempotencyKey };
      return (c) => c.reversePayout(request);
    },
  },
  'reverse-transfer': {
    body: 'a reversal, as for reverse-payout',
    idempotent: true,
    prepare: (body, idempotencyKey) => {
      const request = { paymentInitiationReversal: reversal.parse(body), idempotencyKey };
      return (c) => c.reverseTransfer(request);
    },
  },
  'bank-account': {
    body: 'a bank account: {name, accountNumber?, iban?, swiftBicCode?, country?, metadata?, id?}',
    idempotent: true,
    prepare: (body, idempotencyKey) => {
      const request = { bankAccount: bankAccount.parse(body), idempotencyKey };
      return (c) => c.createBankAccount(request);
    },
  },
  'poll-payout': {
    body: '{pollingId}',
    idempotent: false,
    prepare: (body) => {
      const request = polling.parse(body);
      return (c) => c.pollPayoutStatus(request);
    },
  },
  'poll-transfer': {
    body: '{pollingId}',
    idempotent: false,
    prepare: (body) => {
      const request = polling.parse(body);
      return (c) => c.pollTransferStatus(request);
    },
  },
};

export const WRITE_KINDS = Object.keys(WRITES);
