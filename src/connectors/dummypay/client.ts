// The only module that touches the file system: reads and writes DummyPay's files and checks their shape.
import { constants } from 'node:fs';
import { open, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { parseJson, stringifyJson } from '../../domain/json.js';
import { InvalidConfigError, InvalidRequestError, UpstreamError } from '../sdk/errors.js';

export const ACCOUNTS_FILE = 'accounts.json';
export const BALANCES_FILE = 'balances.json';
export const EXTERNAL_ACCOUNTS_FILE = 'external_accounts.json';
export const PAYMENTS_FILE = 'payments.json';
export const ORDERS_FILE = 'orders.json';
export const CONVERSIONS_FILE = 'conversions.json';
/** The write side: the ledger of writes by idempotency key, the call log, and the behaviour knobs. */
export const MOVEMENTS_FILE = 'movements.json';
export const REQUESTS_FILE = 'requests.jsonl';
export const BEHAVIOUR_FILE = 'behaviour.json';

// parseJson yields a number for safe integers and a bigint beyond 2^53; `z.number().int()` only accepts
// safe integers, so a float or an imprecise double such as 1e20 is refused rather than rounded.
const integer = z.union([z.bigint(), z.number().int()]).transform((value) => BigInt(value));
// Writers disagree on whether an absent field is left out or written as null; both mean "absent".
const optionalString = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

// Only JSON types are checked here. Values (currency codes, enum members, timestamps) are checked while
// mapping, record by record, so that one bad record does not hide the rest of its file.
const accountRecord = z.object({
  id: z.string().min(1),
  name: optionalString,
  opening_date: z.string(),
  currency: z.string(),
});

const externalAccountRecord = z.object({
  id: z.string().min(1),
  name: optionalString,
  created_at: z.string(),
  currency: z.string(),
});

const balanceRecord = z.object({
  account_id: z.string().min(1),
  amount_in_minors: integer,
  currency: z.string(),
});

const paymentRecord = z.object({
  reference: z.string().min(1),
  type: z.string(),
  amount: integer,
  currency: z.string(),
  status: z.string(),
  created_at: z.string(),
  updated_at: optionalString,
  source_account_id: optionalString,
  destination_account_id: optionalString,
  /** Set on a refund or reversal: the reference of the payment it adjusts. */
  parent_reference: optionalString,
});

const optionalInteger = integer.nullish().transform((value) => value ?? undefined);

// Orders and conversions follow Formance's v3 Order and Conversion, in snake_case, with currencies in
// place of assets (mapped like the other files' currencies).
const orderRecord = z.object({
  id: z.string().min(1),
  client_order_id: optionalString,
  created_at: z.string(),
  updated_at: optionalString,
  direction: z.string(),
  source_currency: z.string(),
  destination_currency: z.string(),
  type: z.string(),
  status: z.string(),
  time_in_force: z.string(),
  base_quantity_ordered: integer,
  base_quantity_filled: optionalInteger,
  limit_price: optionalInteger,
  stop_price: optionalInteger,
  average_fill_price: optionalInteger,
  price_currency: optionalString,
  expires_at: optionalString,
  quote_amount: optionalInteger,
  quote_currency: optionalString,
  fee: optionalInteger,
  fee_currency: optionalString,
  error: optionalString,
  source_account_id: optionalString,
  destination_account_id: optionalString,
});

const conversionRecord = z.object({
  id: z.string().min(1),
  created_at: z.string(),
  updated_at: optionalString,
  source_currency: z.string(),
  destination_currency: z.string(),
  source_amount: integer,
  destination_amount: optionalInteger,
  fee: optionalInteger,
  fee_currency: optionalString,
  status: z.string(),
  error: optionalString,
  source_account_id: optionalString,
  destination_account_id: optionalString,
});

/** The writes DummyPay performs; each one is stored in movements.json under its idempotency key. */
export const WRITE_KINDS = [
  'transfer',
  'payout',
  'reverse-transfer',
  'reverse-payout',
  'bank-account',
] as const;
export type WriteKind = (typeof WRITE_KINDS)[number];
/** Every call that appends a line to requests.jsonl: the writes, the status polls and the user calls. */
export const CALL_KINDS = [
  ...WRITE_KINDS,
  'poll-transfer',
  'poll-payout',
  'create-user',
  'delete-user',
] as const;
export type CallKind = (typeof CALL_KINDS)[number];

// movements.json is written only by DummyPay itself, so its optional fields are simply left out.
const movementRecord = z.object({
  idempotencyKey: z.string().min(1),
  kind: z.enum(WRITE_KINDS),
  at: z.string(),
  /** What the request asked for; a second request with the same key must ask for exactly this. */
  fingerprint: z.record(z.string(), z.string()),
  /** The request's own reference: the payment initiation's, the reversal's, or the bank account's id. */
  reference: z.string(),
  /** Reversals: the reference of the payment initiation they reverse. */
  relatedReference: z.string().optional(),
  /** Money movements: the payment this write appended to payments.json. */
  paymentReference: z.string().optional(),
  amount: integer.optional(),
  asset: z.string().optional(),
  sourceAccountId: z.string().optional(),
  destinationAccountId: z.string().optional(),
  /** Transfers: whether the destination's balance was credited (so a reversal knows to debit it). */
  destinationCredited: z.boolean().optional(),
  /** Transfers and payouts: the total reversed so far. */
  reversed: integer.optional(),
  /** The answer, stored so that a replay returns exactly what the first call returned. */
  result: z.object({
    payment: paymentRecord.optional(),
    pollingId: z.string().optional(),
    relatedAccount: z.object({ reference: z.string(), name: z.string(), createdAt: z.string() }).optional(),
  }),
});

// Strict, so that a misspelt knob is an error rather than silently ignored.
const behaviourRecord = z.strictObject({
  settlement: z.enum(['immediate', 'polling']).default('immediate'),
  loseAnswers: z.number().int().nonnegative().default(0),
});

const requestLine = z.object({
  kind: z.enum(CALL_KINDS),
  idempotencyKey: z.string().nullable(),
  at: z.string(),
  outcome: z.string(),
  pollingId: z.string().optional(),
  /** User calls: the payment service user's id. */
  userId: z.string().optional(),
  reason: z.string().optional(),
});

/** `user-<id>.json`: a forwarded payment service user as DummyPay keeps it (no contact details). */
const userRecord = z.strictObject({ id: z.string(), name: z.string(), createdAt: z.string() });
// A user id becomes part of a file name, so it may not name anything outside the directory.
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export type AccountRecord = z.output<typeof accountRecord>;
export type ExternalAccountRecord = z.output<typeof externalAccountRecord>;
export type BalanceRecord = z.output<typeof balanceRecord>;
export type PaymentRecord = z.output<typeof paymentRecord>;
export type OrderRecord = z.output<typeof orderRecord>;
export type ConversionRecord = z.output<typeof conversionRecord>;
export type MovementRecord = z.output<typeof movementRecord>;
export type Behaviour = z.output<typeof behaviourRecord>;
export type RequestLine = z.output<typeof requestLine>;
export type UserRecord = z.output<typeof userRecord>;

/** One validated record, next to the JSON it was read from (kept verbatim as the PSP object's `raw`). */
export interface FileEntry<T> {
  record: T;
  raw: unknown;
}

export class DummyPayClient {
  private home: Promise<string> | undefined;

  /**
   * `root` (PAYBRIDGE_DUMMYPAY_ROOT, through the connector context) confines the directory: it must be
   * inside the root once symlinks are followed. Without it (tests reading a directory's files) the
   * directory is used as given.
   */
  constructor(
    readonly directory: string,
    private readonly root?: string,
  ) {}

  /** Install-time (and update-time) check: the directory exists, is a directory, and is inside the root. */
  async checkDirectory(): Promise<void> {
    await this.resolvedDirectory();
  }

  /**
   * The directory every file of this client lives in: checked once per client (a connector is built per
   * run or call), symlinks followed, so that a directory swapped for a link after install is refused
   * rather than written through.
   */
  private resolvedDirectory(): Promise<string> {
    this.home ??= this.resolveDirectory();
    return this.home;
  }

  private async resolveDirectory(): Promise<string> {
    const root = this.root;
    const outside = () =>
      new InvalidConfigError(
        `dummypay directory "${this.directory}" is outside the tree DummyPay may use (PAYBRIDGE_DUMMYPAY_ROOT)`,
      );
    let realRoot: string | undefined;
    if (root !== undefined) {
      try {
        realRoot = await realpath(root);
      } catch {
        throw new InvalidConfigError('the DummyPay root (PAYBRIDGE_DUMMYPAY_ROOT) does not exist');
      }
      // Refused before the file system is asked anything, so that "does not exist" cannot be used to
      // probe paths elsewhere on the machine.
      const asked = resolve(this.directory);
      if (!isInside(resolve(root), asked) && !isInside(realRoot, asked)) throw outside();
    }
    let real: string;
    let isDirectory: boolean;
    try {
      real = realRoot === undefined ? this.directory : await realpath(this.directory);
      isDirectory = (await stat(real)).isDirectory();
    } catch (error) {
      const reason = errorCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read (${describe(error)})`;
      throw new InvalidConfigError(`dummypay directory "${this.directory}" ${reason}`);
    }
    if (realRoot !== undefined && !isInside(realRoot, real)) throw outside();
    if (!isDirectory)
      throw new InvalidConfigError(`dummypay directory "${this.directory}" is not a directory`);
    return real;
  }

  private async pathOf(file: string): Promise<string> {
    return join(await this.resolvedDirectory(), file);
  }

  listAccounts(): Promise<FileEntry<AccountRecord>[]> {
    return this.readRecords(ACCOUNTS_FILE, accountRecord);
  }

  listExternalAccounts(): Promise<FileEntry<ExternalAccountRecord>[]> {
    return this.readRecords(EXTERNAL_ACCOUNTS_FILE, externalAccountRecord);
  }

  /** `fresh` skips the parse cache: a write must decide on exactly what is on disk now. */
  listBalances(options: ReadOptions = {}): Promise<FileEntry<BalanceRecord>[]> {
    return this.readRecords(BALANCES_FILE, balanceRecord, options);
  }

  listPayments(options: ReadOptions = {}): Promise<FileEntry<PaymentRecord>[]> {
    return this.readRecords(PAYMENTS_FILE, paymentRecord, options);
  }

  listOrders(): Promise<FileEntry<OrderRecord>[]> {
    return this.readRecords(ORDERS_FILE, orderRecord);
  }

  listConversions(): Promise<FileEntry<ConversionRecord>[]> {
    return this.readRecords(CONVERSIONS_FILE, conversionRecord);
  }

  async listMovements(): Promise<MovementRecord[]> {
    const entries = await this.readRecords(MOVEMENTS_FILE, movementRecord, { fresh: true });
    return entries.map((entry) => entry.record);
  }

  /** A missing behaviour.json means the defaults: immediate settlement, no lost answers. */
  async readBehaviour(): Promise<Behaviour> {
    const path = await this.pathOf(BEHAVIOUR_FILE);
    const text = await readText(path);
    return checkShape(path, behaviourRecord, text === undefined ? {} : parseText(path, text));
  }

  async listRequests(): Promise<RequestLine[]> {
    const path = await this.pathOf(REQUESTS_FILE);
    const text = (await readText(path)) ?? '';
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    return lines.map((line, index) =>
      checkShape(`${path} line ${index + 1}`, requestLine, parseText(path, line)),
    );
  }

  /** Validates one payment record as payments.json would hold it, with the JSON that file would hold. */
  paymentEntry(record: unknown): FileEntry<PaymentRecord> {
    // Round-tripping through the file's JSON makes `raw` exactly what a later read of the file returns.
    const raw = parseJson(stringifyJson(record));
    return { record: checkShape(PAYMENTS_FILE, paymentRecord, raw), raw };
  }

  writeBalances(raws: readonly unknown[]): Promise<void> {
    return this.replaceFile(BALANCES_FILE, raws);
  }

  writePayments(raws: readonly unknown[]): Promise<void> {
    return this.replaceFile(PAYMENTS_FILE, raws);
  }

  writeMovements(records: readonly MovementRecord[]): Promise<void> {
    return this.replaceFile(MOVEMENTS_FILE, records);
  }

  writeBehaviour(behaviour: Behaviour): Promise<void> {
    return this.replaceFile(BEHAVIOUR_FILE, behaviour);
  }

  /** The user file of a payment service user, or undefined when DummyPay has no such user. */
  async readUser(id: string): Promise<UserRecord | undefined> {
    const path = await this.pathOf(userFile(id));
    const text = await readText(path);
    return text === undefined ? undefined : checkShape(path, userRecord, parseText(path, text));
  }

  writeUser(record: UserRecord): Promise<void> {
    return this.replaceFile(userFile(record.id), checkShape(userFile(record.id), userRecord, record));
  }

  /** Removes a user file; returns whether there was one. */
  async removeUser(id: string): Promise<boolean> {
    const path = await this.pathOf(userFile(id));
    try {
      await rm(path);
      return true;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return false;
      throw new UpstreamError(`dummypay cannot remove ${path}: ${describe(error)}`);
    }
  }

  async appendRequest(line: RequestLine): Promise<void> {
    const path = await this.pathOf(REQUESTS_FILE);
    try {
      // One short append per call: O_APPEND keeps concurrent lines whole. O_NOFOLLOW: a link planted in
      // the directory is not written through.
      const file = await open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW);
      try {
        await file.write(stringifyJson(line) + '\n');
      } finally {
        await file.close();
      }
    } catch (error) {
      throw new UpstreamError(`dummypay cannot write ${path}: ${describe(error)}`);
    }
  }

  /**
   * Runs `work` after every earlier call on the same directory has finished, within this process: a
   * write reads several files, decides, then replaces them, and two writes must not interleave.
   */
  serialise<T>(work: () => Promise<T>): Promise<T> {
    const key = resolve(this.directory);
    const run = (queues.get(key) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return run;
  }

  /** Replaces a whole file atomically: written aside in the same directory, then renamed over it. */
  private async replaceFile(file: string, value: unknown): Promise<void> {
    const path = await this.pathOf(file);
    const temporary = `${path}.${process.pid}.${++temporaryFiles}.tmp`;
    try {
      // 'wx' creates the file or fails, never following a link; rename replaces a link, never follows it.
      await writeFile(temporary, stringifyJson(value), { flag: 'wx' });
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw new UpstreamError(`dummypay cannot write ${path}: ${describe(error)}`);
    }
  }

  /**
   * Reads and checks one file. A parsed file is reused while its inode, size and modification time are
   * unchanged: a poll pages through the same file many times, and re-parsing it per page would make a
   * pass cost O(records × pages).
   */
  private async readRecords<S extends z.ZodType>(
    file: string,
    schema: S,
    options: ReadOptions = {},
  ): Promise<FileEntry<z.output<S>>[]> {
    const path = await this.pathOf(file);
    let version = '';
    if (!options.fresh) {
      try {
        const info = await stat(path);
        version = `${info.ino}:${info.size}:${info.mtimeMs}`;
      } catch (error) {
        if (errorCode(error) === 'ENOENT') return [];
        throw new UpstreamError(`dummypay cannot read ${path}: ${describe(error)}`);
      }
      const cached = parsedFiles.get(path);
      if (cached?.version === version) return cached.entries as FileEntry<z.output<S>>[];
    }

    const text = await readText(path);
    if (text === undefined) return [];
    const json = parseText(path, text);
    const records = checkShape(path, z.array(schema), json);
    // The array check above passed, so `json` is an array of the same length as the parsed records.
    const raws = json as unknown[];
    const entries = records.map((record, index) => ({ record, raw: raws[index] }));
    if (!options.fresh) remember(path, { version, entries });
    return entries;
  }
}

/** The file name of a user; an id that could escape the directory is refused. */
export function userFile(id: string): string {
  if (!USER_ID.test(id)) throw new InvalidRequestError(`dummypay: "${id}" cannot be a user id`);
  return `user-${id}.json`;
}

export interface ReadOptions {
  fresh?: boolean;
}

/** Whether `path` is `root` or below it (both absolute, symlinks already followed where need be). */
function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

// Not on every platform (Windows has none); there the check of the directory is what confines writes.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;

/** The pending work per directory (resolved path), so that writes to one directory run one at a time. */
const queues = new Map<string, Promise<void>>();
let temporaryFiles = 0;

/** The file's text, or undefined when it does not exist. */
async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | NO_FOLLOW });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new UpstreamError(`dummypay cannot read ${path}: ${describe(error)}`);
  }
}

function parseText(path: string, text: string): unknown {
  try {
    return parseJson(text);
  } catch (error) {
    throw new InvalidRequestError(`dummypay file ${path} is not valid JSON: ${describe(error)}`);
  }
}

function checkShape<S extends z.ZodType>(path: string, schema: S, json: unknown): z.output<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `dummypay file ${path} has an unexpected shape: ${summarise(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Parsed files by path, oldest first; bounded so that many directories cannot grow it without limit. */
const parsedFiles = new Map<string, { version: string; entries: FileEntry<unknown>[] }>();
const MAX_CACHED_FILES = 32;

function remember(path: string, value: { version: string; entries: FileEntry<unknown>[] }): void {
  parsedFiles.delete(path);
  parsedFiles.set(path, value);
  if (parsedFiles.size > MAX_CACHED_FILES) {
    const oldest = parsedFiles.keys().next().value;
    if (oldest !== undefined) parsedFiles.delete(oldest);
  }
}

function summarise(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
  const more = error.issues.length > shown.length ? ` (and ${error.issues.length - shown.length} more)` : '';
  return shown.join('; ') + more;
}

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
