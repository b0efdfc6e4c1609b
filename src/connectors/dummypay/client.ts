// The only module that touches the file system: reads DummyPay's JSON files and checks their shape.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseJson } from '../../domain/json.js';
import { InvalidConfigError, InvalidRequestError, UpstreamError } from '../sdk/errors.js';

export const ACCOUNTS_FILE = 'accounts.json';
export const BALANCES_FILE = 'balances.json';
export const EXTERNAL_ACCOUNTS_FILE = 'external_accounts.json';
export const PAYMENTS_FILE = 'payments.json';

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
});

export type AccountRecord = z.output<typeof accountRecord>;
export type ExternalAccountRecord = z.output<typeof externalAccountRecord>;
export type BalanceRecord = z.output<typeof balanceRecord>;
export type PaymentRecord = z.output<typeof paymentRecord>;

/** One validated record, next to the JSON it was read from (kept verbatim as the PSP object's `raw`). */
export interface FileEntry<T> {
  record: T;
  raw: unknown;
}

export class DummyPayClient {
  constructor(readonly directory: string) {}

  /** Install-time check: the configured directory must exist and be a directory. */
  async checkDirectory(): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(this.directory)).isDirectory();
    } catch (error) {
      const reason = errorCode(error) === 'ENOENT' ? 'does not exist' : `cannot be read (${describe(error)})`;
      throw new InvalidConfigError(`dummypay directory "${this.directory}" ${reason}`);
    }
    if (!isDirectory)
      throw new InvalidConfigError(`dummypay directory "${this.directory}" is not a directory`);
  }

  listAccounts(): Promise<FileEntry<AccountRecord>[]> {
    return this.readRecords(ACCOUNTS_FILE, accountRecord);
  }

  listExternalAccounts(): Promise<FileEntry<ExternalAccountRecord>[]> {
    return this.readRecords(EXTERNAL_ACCOUNTS_FILE, externalAccountRecord);
  }

  listBalances(): Promise<FileEntry<BalanceRecord>[]> {
    return this.readRecords(BALANCES_FILE, balanceRecord);
  }

  listPayments(): Promise<FileEntry<PaymentRecord>[]> {
    return this.readRecords(PAYMENTS_FILE, paymentRecord);
  }

  /**
   * Reads and checks one file. A parsed file is reused while its inode, size and modification time are
   * unchanged: a poll pages through the same file many times, and re-parsing it per page would make a
   * pass cost O(records × pages).
   */
  private async readRecords<S extends z.ZodType>(file: string, schema: S): Promise<FileEntry<z.output<S>>[]> {
    const path = join(this.directory, file);
    let version: string;
    try {
      const info = await stat(path);
      version = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw new UpstreamError(`dummypay cannot read ${path}: ${describe(error)}`);
    }
    const cached = parsedFiles.get(path);
    if (cached?.version === version) return cached.entries as FileEntry<z.output<S>>[];

    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw new UpstreamError(`dummypay cannot read ${path}: ${describe(error)}`);
    }

    let json: unknown;
    try {
      json = parseJson(text);
    } catch (error) {
      throw new InvalidRequestError(`dummypay file ${path} is not valid JSON: ${describe(error)}`);
    }

    const parsed = z.array(schema).safeParse(json);
    if (!parsed.success) {
      throw new InvalidRequestError(
        `dummypay file ${path} has an unexpected shape: ${summarise(parsed.error)}`,
      );
    }
    // The array check above passed, so `json` is an array of the same length as the parsed records.
    const raws = json as unknown[];
    const entries = parsed.data.map((record, index) => ({ record, raw: raws[index] }));
    remember(path, { version, entries });
    return entries;
  }
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
