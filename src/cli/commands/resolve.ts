// Naming an object on the command line: its full id, or what a person knows it by (the PSP reference of an
// account, payment or initiation; the name of a connector, bank account or pool). Names are resolved through
// the API's own filter language, like any API client would, and never by guessing: a name that fits several
// objects is refused with the candidates listed.
import {
  accountIdCodec,
  connectorIdCodec,
  paymentIdCodec,
  paymentInitiationIdCodec,
} from '../../domain/ids.js';
import { stringifyJson } from '../../domain/json.js';
import type { ApiClient } from '../client.js';
import { ApiError, NotFoundError, UsageError } from '../errors.js';
import { clip, type Column, renderTable, type Row, shortId, text, timeColumn } from '../output.js';
import { asRow, asRows, connectorNames, seg } from './shared.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const decodes = (decode: (text: string) => unknown) => (value: string) => {
  try {
    decode(value);
    return true;
  } catch {
    return false;
  }
};

/** A kind of object a command can name. */
export interface Kind {
  /** `payment`, `bank account`, … */
  noun: string;
  /** The API collection: `/payments`. */
  path: string;
  /** The command that lists them, for hints. */
  list: string;
  /** Whether the text has the form of this kind's ids: such text is looked up as an id, never as a name. */
  isId: (value: string) => boolean;
  /** The field (and filter key) people name these objects by. */
  by: 'reference' | 'name';
  /** Objects belong to a connector, so `--connector` can narrow a name down. */
  perConnector: boolean;
  /** Extra columns that tell candidates apart (the type of a payment, …). */
  columns: Column[];
}

export const KINDS = {
  account: {
    noun: 'account',
    path: '/accounts',
    list: 'paybridge accounts list',
    isId: decodes(accountIdCodec.decode),
    by: 'reference',
    perConnector: true,
    columns: [
      { header: 'type', value: (r) => text(r.type) },
      { header: 'name', value: (r) => text(r.name) },
    ],
  },
  payment: {
    noun: 'payment',
    path: '/payments',
    list: 'paybridge payments list',
    isId: decodes(paymentIdCodec.decode),
    by: 'reference',
    perConnector: true,
    columns: [
      { header: 'type', value: (r) => text(r.type) },
      { header: 'status', value: (r) => text(r.status) },
    ],
  },
  paymentInitiation: {
    noun: 'payment initiation',
    path: '/payment-initiations',
    list: 'paybridge payment-initiations list',
    isId: decodes(paymentInitiationIdCodec.decode),
    by: 'reference',
    perConnector: true,
    columns: [
      { header: 'type', value: (r) => text(r.type) },
      { header: 'status', value: (r) => text(r.status) },
    ],
  },
  bankAccount: {
    noun: 'bank account',
    path: '/bank-accounts',
    list: 'paybridge bank-accounts list',
    isId: (value) => UUID.test(value),
    by: 'name',
    perConnector: false,
    columns: [{ header: 'country', value: (r) => text(r.country) }],
  },
  pool: {
    noun: 'pool',
    path: '/pools',
    list: 'paybridge pools list',
    isId: (value) => UUID.test(value),
    by: 'name',
    perConnector: false,
    columns: [{ header: 'type', value: (r) => text(r.type) }],
  },
} satisfies Record<string, Kind>;

/** Narrowing a name down: `--connector` (an id or a connector name), and filters of the kind (`type`). */
export interface Narrowing {
  connector?: string;
  /** Further `$match` entries, keyed by filter key, with the flag that sets each (for hints). */
  match?: Record<string, { value: string; flag: string }>;
}

/**
 * A connector named by its id or its name (names are unique). An id is taken as is: the command that uses
 * it answers "not found" if no connector has it.
 */
export async function resolveConnector(client: ApiClient, value: string): Promise<string> {
  if (decodes(connectorIdCodec.decode)(value)) return value;
  const page = await client.page('/connectors', { query: stringifyJson({ $match: { name: value } }) });
  const found = asRows(page.items).find((row) => row.name === value);
  if (!found) {
    throw new NotFoundError(
      `no connector with id or name '${clip(value)}'\nhint: list them with \`paybridge connectors list\``,
    );
  }
  return text(found.id);
}

/**
 * Reads one object named by its full id or its reference (or name), with `--connector` and the kind's
 * own flags to narrow a reference down. Answers the object as `GET <path>/<id>` answers it.
 */
export async function getByIdOrName(
  client: ApiClient,
  kind: Kind,
  value: string,
  narrowing: Narrowing = {},
): Promise<Row> {
  return readById(client, kind, await resolveId(client, kind, value, narrowing));
}

/**
 * The full id of an object named by its id or its reference (or name). Text that has the form of an id is
 * answered as is (the command's request says whether it exists); anything else is looked up with the
 * filter `$match` on the reference, narrowed by `--connector` and the kind's own flags.
 */
export async function resolveId(
  client: ApiClient,
  kind: Kind,
  value: string,
  narrowing: Narrowing = {},
): Promise<string> {
  if (kind.isId(value)) return value;
  const connectorID =
    narrowing.connector === undefined ? undefined : await resolveConnector(client, narrowing.connector);
  const matches: Record<string, string>[] = [{ [kind.by]: value }];
  if (connectorID !== undefined) matches.push({ connector_id: connectorID });
  for (const [key, entry] of Object.entries(narrowing.match ?? {})) matches.push({ [key]: entry.value });
  const query =
    matches.length === 1 ? { $match: matches[0] } : { $and: matches.map(($match) => ({ $match })) };
  // One page is enough: one match is the answer, more than one is refused with the candidates.
  const page = await client.page(kind.path, { query: stringifyJson(query), pageSize: '20' });
  const found = asRows(page.items);
  const [only] = found;
  if (only === undefined) {
    const at = narrowing.connector === undefined ? '' : ` at connector '${narrowing.connector}'`;
    const what = kind.by === 'reference' ? 'id or reference' : 'id or name';
    const filtered = Object.values(narrowing.match ?? {}).map((entry) => `${entry.flag} ${entry.value}`);
    // A short id copied from a table names nothing by itself: say so rather than just "not found".
    const looksShort = /^[0-9a-f]{8,64}$/i.test(value);
    throw new NotFoundError(
      `no ${kind.noun} with ${what} '${clip(value)}'${at}${filtered.length ? ` (${filtered.join(', ')})` : ''}` +
        (looksShort
          ? `\nhint: '${value}' looks like a short id from a table; give the ${kind.by} or the full id ` +
            `(\`${kind.list} --wide\` shows full ids)`
          : `\nhint: list them with \`${kind.list}\``),
    );
  }
  if (found.length === 1) return text(only.id);
  throw await ambiguity(client, kind, value, found, page.hasMore, narrowing);
}

async function readById(client: ApiClient, kind: Kind, id: string): Promise<Row> {
  try {
    return asRow(await client.data('GET', `${kind.path}/${seg(id)}`));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new NotFoundError(`no ${kind.noun} with id '${clip(id)}'\nhint: list them with \`${kind.list}\``);
    }
    throw error;
  }
}

/** The refusal of a name that fits several objects: each candidate, and how to pick one. */
async function ambiguity(
  client: ApiClient,
  kind: Kind,
  value: string,
  found: Row[],
  more: boolean,
  narrowing: Narrowing,
): Promise<UsageError> {
  const names = kind.perConnector ? await connectorNames(client) : new Map<string, string>();
  const columns: Column[] = [
    { header: 'id', value: (r) => text(r.id), id: true },
    ...(kind.perConnector
      ? [
          {
            header: 'connector',
            value: (r: Row) => names.get(text(r.connectorID)) ?? shortId(text(r.connectorID)),
          },
          { header: 'provider', value: (r: Row) => text(r.provider) },
        ]
      : []),
    ...kind.columns,
    timeColumn('created', (r) => r.createdAt),
  ];
  const table = renderTable(columns, found)
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  const count = more ? `more than ${found.length}` : String(found.length);
  const ways = [
    ...(kind.perConnector && narrowing.connector === undefined ? ['--connector <name or id>'] : []),
    ...(kind === KINDS.payment && narrowing.match?.type === undefined ? ['--type <type>'] : []),
  ];
  const listing = `${kind.list} --wide --query '${stringifyJson({ $match: { [kind.by]: value } })}'`;
  return new UsageError(
    `${count} ${kind.noun}s have the ${kind.by} '${clip(value)}':\n${table}\n` +
      `hint: ${ways.length ? `pass ${ways.join(' or ')} to choose one, or ` : 'pass '}the full id ` +
      `(\`${listing}\` shows them)`,
  );
}
