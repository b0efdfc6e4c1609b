// The optional data file: every tenant loaded at start, saved (debounced, atomically) after changes and at stop.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { faultSettingsSchema } from './faults.js';
import { formatMs } from './presenters.js';
import {
  normalizeAsset,
  TRANSACTION_STATUSES,
  TRANSACTION_TYPES,
  type Tenant,
  type TenantRegistry,
} from './store.js';
import { parseRfc3339, webhookUrlSchema } from './validation.js';

/** How long a burst of changes may go on before the file is written. */
const SAVE_DELAY_MS = 200;

const timestamp = z.string().transform((text, context) => {
  const ms = parseRfc3339(text);
  if (ms === undefined) {
    context.addIssue({ code: 'custom', message: `not an RFC 3339 date-time: ${text}` });
    return z.NEVER;
  }
  return ms;
});
const integer = z
  .string()
  .regex(/^-?\d+$/)
  .transform((text) => BigInt(text));
const metadata = z.record(z.string(), z.string());

// Records appear in insertion order, which is what breaks ties between equal timestamps.
const fileSchema = z.object({
  version: z.literal(1),
  tenants: z.array(
    z.object({
      apiKey: z.string().min(1),
      clock: z.number().int().nonnegative(),
      faults: faultSettingsSchema.default({}),
      accounts: z.array(
        z.object({
          id: z.string(),
          accountName: z.string(),
          createdAt: timestamp,
          metadata: metadata.default({}),
          currency: z.string(),
          initialBalance: integer.default(0n),
        }),
      ),
      beneficiaries: z.array(
        z.object({
          id: z.string(),
          ownerName: z.string(),
          createdAt: timestamp,
          metadata: metadata.default({}),
        }),
      ),
      transactions: z.array(
        z.object({
          id: z.string(),
          type: z.enum(TRANSACTION_TYPES),
          status: z.enum(TRANSACTION_STATUSES),
          amount: integer,
          currency: z.string(),
          createdAt: timestamp,
          updatedAt: timestamp,
          relatedTransactionID: z.string().optional(),
          scheme: z.string().optional(),
          sourceAccountID: z.string().optional(),
          destinationAccountID: z.string().optional(),
          metadata: metadata.default({}),
          initiation: z
            .object({
              kind: z.enum(['payout', 'transfer']),
              idempotencyKey: z.string(),
              amount: integer,
              currency: z.string(),
              sourceAccountId: z.string(),
              destinationAccountId: z.string(),
              description: z.string().optional(),
              metadata: metadata.optional(),
            })
            .optional(),
        }),
      ),
      // Added with contract v0.2; files written before it have none.
      webhooks: z
        .array(
          z.object({
            id: z.string().min(1),
            url: webhookUrlSchema,
            secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/),
            createdAt: timestamp,
          }),
        )
        .default([]),
    }),
  ),
});

function snapshotOf(tenant: Tenant) {
  return {
    apiKey: tenant.apiKey,
    clock: tenant.clock,
    faults: tenant.traffic.faults,
    accounts: tenant.accountsByCreated
      .all()
      .toSorted((a, b) => a.seq - b.seq)
      .map((account) => ({
        id: account.id,
        accountName: account.accountName,
        createdAt: formatMs(account.createdAtMs),
        metadata: account.metadata,
        currency: account.asset,
        initialBalance: account.initialBalance.toString(),
      })),
    beneficiaries: tenant.beneficiariesByCreated
      .all()
      .toSorted((a, b) => a.seq - b.seq)
      .map((beneficiary) => ({
        id: beneficiary.id,
        ownerName: beneficiary.ownerName,
        createdAt: formatMs(beneficiary.createdAtMs),
        metadata: beneficiary.metadata,
      })),
    transactions: tenant.transactionsByCreated
      .all()
      .toSorted((a, b) => a.seq - b.seq)
      .map((transaction) => ({
        id: transaction.id,
        type: transaction.type,
        status: transaction.status,
        amount: transaction.amount.toString(),
        currency: transaction.asset,
        createdAt: formatMs(transaction.createdAtMs),
        updatedAt: formatMs(transaction.updatedAtMs),
        relatedTransactionID: transaction.relatedTransactionID,
        scheme: transaction.scheme,
        sourceAccountID: transaction.sourceAccountID,
        destinationAccountID: transaction.destinationAccountID,
        metadata: transaction.metadata,
        initiation: transaction.initiation && {
          ...transaction.initiation,
          amount: transaction.initiation.amount.toString(),
        },
      })),
    webhooks: tenant.webhooks.list().map((registration) => ({
      id: registration.id,
      url: registration.url,
      secret: registration.secret,
      createdAt: formatMs(registration.createdAtMs),
    })),
  };
}

export class DataFile {
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly logger: Logger,
  ) {}

  /** Fills the registry from the file; a missing file is an empty simulator, a malformed one an error. */
  async load(registry: TenantRegistry): Promise<void> {
    if (!existsSync(this.path)) return;
    const text = await readFile(this.path, 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`mock PSP data file ${this.path} is not JSON: ${(error as Error).message}`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(`mock PSP data file ${this.path} is malformed: ${z.prettifyError(parsed.error)}`);
    }
    for (const saved of parsed.data.tenants) {
      const tenant = registry.get(saved.apiKey);
      tenant.advanceClock(saved.clock);
      tenant.traffic.faults = saved.faults;
      for (const account of saved.accounts) {
        tenant.addAccount(
          {
            accountName: account.accountName,
            asset: normalizeAsset(account.currency) ?? account.currency,
            initialBalance: account.initialBalance,
            metadata: account.metadata,
          },
          { id: account.id, createdAtMs: account.createdAt },
        );
      }
      for (const beneficiary of saved.beneficiaries) {
        tenant.addBeneficiary(
          { ownerName: beneficiary.ownerName, metadata: beneficiary.metadata },
          { id: beneficiary.id, createdAtMs: beneficiary.createdAt },
        );
      }
      for (const transaction of saved.transactions) {
        const { id, createdAt, updatedAt, currency, ...draft } = transaction;
        tenant.addTransaction(
          { ...draft, asset: normalizeAsset(currency) ?? currency },
          { id, createdAtMs: createdAt, updatedAtMs: updatedAt },
        );
      }
      for (const { createdAt, ...registration } of saved.webhooks) {
        tenant.webhooks.restore({ ...registration, createdAtMs: createdAt });
      }
    }
    // Loading replays every record through the store, which marks the data changed; nothing new to write.
    this.dirty = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.logger.info({ path: this.path, tenants: parsed.data.tenants.length }, 'mock PSP data loaded');
  }

  /** Called on every change; the write happens once the burst settles. */
  changed(registry: TenantRegistry): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save(registry);
    }, SAVE_DELAY_MS);
    this.timer.unref();
  }

  /** Writes pending changes now (at stop), after any write already under way. */
  async flush(registry: TenantRegistry): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.save(registry);
  }

  private save(registry: TenantRegistry): Promise<void> {
    // Writes are chained so two saves never race on the temporary file.
    this.writing = this.writing.then(() => this.write(registry));
    return this.writing;
  }

  private async write(registry: TenantRegistry): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const text = JSON.stringify({ version: 1, tenants: registry.all().map(snapshotOf) });
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temporary, text);
      // A rename replaces the file atomically: a crash mid-write never leaves half a file behind.
      await rename(temporary, this.path);
    } catch (error) {
      this.dirty = true;
      this.logger.error({ err: error, path: this.path }, 'could not save the mock PSP data file');
    }
  }
}
