// `paybridge connector new <provider>`: writes a new connector folder that builds, lints and registers as is.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import {
  accountListingFile,
  balancesFile,
  bankAccountsFile,
  clientFile,
  configFile,
  conformanceTestFile,
  connectorFile,
  DEFAULT_PARTS,
  fixturesReadme,
  indexFile,
  mappingDoc,
  mappingFile,
  movementFile,
  namesOf,
  pagingFile,
  PART_NAMES,
  PARTS,
  type Part,
  paymentsFile,
  webhooksFile,
  workflowFile,
} from './scaffold-templates.js';

const PROVIDER = /^[a-z][a-z0-9]{1,29}$/;
/** Folders of src/connectors that are not connectors, and names that would read as something else. */
const RESERVED = new Set(['sdk', 'testing', 'load', 'index', 'connector', 'connectors', 'runner']);

export function checkProviderName(provider: string, connectorsDir: string, registered: string[]): void {
  if (!PROVIDER.test(provider)) {
    throw new UsageError(
      `'${provider}' is not a provider name: 2 to 30 lower-case letters and digits, starting with a letter (e.g. acmepay)`,
    );
  }
  if (RESERVED.has(provider)) throw new UsageError(`'${provider}' is reserved; choose another provider name`);
  if (existsSync(join(connectorsDir, provider)))
    throw new UsageError(`${join(connectorsDir, provider)} already exists`);
  if (registered.includes(provider)) throw new UsageError(`a connector '${provider}' is already registered`);
}

/** `--capabilities`: part names (`accounts,payouts`) or capability names (`FETCH_ACCOUNTS,CREATE_PAYOUT`). */
export function parseParts(text: string | undefined): Part[] {
  if (text === undefined) return DEFAULT_PARTS;
  const wanted = new Set<Part>();
  for (const word of text
    .split(',')
    .map((w) => w.trim())
    .filter(Boolean)) {
    const byName = PART_NAMES.find((part) => part === word.toLowerCase());
    const byCapability = PART_NAMES.find((part) =>
      (PARTS[part].capabilities as readonly string[]).includes(word.toUpperCase()),
    );
    const part = byName ?? byCapability;
    if (!part) throw new UsageError(`--capabilities: '${word}' is none of ${PART_NAMES.join(', ')}`);
    wanted.add(part);
  }
  if (wanted.has('balances') && !wanted.has('accounts'))
    throw new UsageError('--capabilities: balances are fetched per account, so they need accounts');
  if (wanted.size === 0) throw new UsageError('--capabilities: name at least one');
  // The order of PARTS, whatever order they were typed in: registrations read the same for every connector.
  return PART_NAMES.filter((part) => wanted.has(part));
}

/** Every file of the folder, by path inside it. */
export function scaffoldFiles(
  provider: string,
  parts: Part[],
  sdk: { endpointField: boolean } = { endpointField: false },
): Record<string, string> {
  const n = namesOf(provider);
  const listing = parts.some((p) => p === 'accounts' || p === 'external-accounts' || p === 'payments');
  const files: Record<string, string> = {
    'index.ts': indexFile(n, parts),
    'config.ts': configFile(n, sdk.endpointField),
    'workflow.ts': workflowFile(n, parts),
    'connector.ts': connectorFile(n, parts),
    'client.ts': clientFile(n, parts),
    'mapping.ts': mappingFile(n),
    'MAPPING.md': mappingDoc(n, parts),
    'fixtures/README.md': fixturesReadme(n),
    'conformance.test.ts': conformanceTestFile(n),
  };
  if (listing || parts.includes('balances')) files['paging.ts'] = pagingFile(n);
  if (parts.includes('accounts')) files['accounts.ts'] = accountListingFile(n, 'accounts');
  if (parts.includes('external-accounts'))
    files['external-accounts.ts'] = accountListingFile(n, 'external-accounts');
  if (parts.includes('balances')) files['balances.ts'] = balancesFile(n);
  if (parts.includes('payments')) files['payments.ts'] = paymentsFile(n);
  if (parts.includes('transfers')) files['transfers.ts'] = movementFile(n, 'transfers');
  if (parts.includes('payouts')) files['payouts.ts'] = movementFile(n, 'payouts');
  if (parts.includes('bank-accounts')) files['bank-accounts.ts'] = bankAccountsFile(n);
  if (parts.includes('webhooks')) files['webhooks.ts'] = webhooksFile(n);
  return files;
}

/** Whether the target checkout's SDK has `endpointField` (the kit's shared endpoint config field). */
async function hasEndpointField(connectorsDir: string): Promise<boolean> {
  try {
    return (await readFile(join(connectorsDir, 'sdk', 'config.ts'), 'utf8')).includes(
      'export function endpointField',
    );
  } catch {
    return false;
  }
}

interface Formatter {
  format(text: string, path: string): Promise<string>;
}

/**
 * Prettier with the target checkout's settings, so the folder passes `prettier --check` as written. It is
 * a dev dependency: a checkout has it; elsewhere the files are written as generated, with a note.
 */
async function prettierFormatter(): Promise<Formatter | undefined> {
  try {
    const prettier = await import('prettier');
    return {
      async format(text, path) {
        const options = (await prettier.resolveConfig(path)) ?? {};
        return prettier.format(text, { ...options, filepath: path });
      },
    };
  } catch {
    return undefined;
  }
}

export interface Scaffolded {
  dir: string;
  files: string[];
  formatted: boolean;
}

export async function scaffoldConnector(options: {
  provider: string;
  connectorsDir: string;
  parts: Part[];
  registered: string[];
}): Promise<Scaffolded> {
  checkProviderName(options.provider, options.connectorsDir, options.registered);
  const dir = join(options.connectorsDir, options.provider);
  const files = scaffoldFiles(options.provider, options.parts, {
    endpointField: await hasEndpointField(options.connectorsDir),
  });
  const formatter = await prettierFormatter();
  await mkdir(join(dir, 'fixtures'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    // Markdown is written as is: the repository leaves it to its authors (.prettierignore).
    const out = formatter && name.endsWith('.ts') ? await formatter.format(text, path) : text;
    await writeFile(path, out);
  }
  return { dir, files: Object.keys(files).sort(), formatted: formatter !== undefined };
}
