import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { openDatabase, type OpenedDatabase } from './db.js';
import { migrate } from './migrate.js';
import { type ApiError, toApiError } from '../api/errors.js';
import { ValidationError } from '../domain/errors.js';
import {
  accountFilterSpec,
  buildFilter,
  connectorFilterSpec,
  MAX_FILTER_DEPTH,
  MAX_FILTER_EXPRESSIONS,
  paymentFilterSpec,
  readFilter,
  scheduleFilterSpec,
  type FilterSpec,
} from './query-filter.js';

const MAX_U64 = 18446744073709551615n;

let testDb: TestDatabase;
let opened: OpenedDatabase;

function connectorRow(id: string, provider: string, name: string) {
  return {
    id,
    reference: randomUUID(),
    provider,
    name,
    config_encrypted: 'x',
    polling_period_ms: 60000,
    page_size: 25,
    task_tree: '[]',
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = await openDatabase({ url: testDb.url, dataDir: '' });
  await migrate(opened.db);
  const db = opened.db;
  await db
    .insertInto('connectors')
    .values([connectorRow('c-stripe', 'stripe', 'main stripe'), connectorRow('c-wise', 'wise', 'wise eu')])
    .execute();
  const account = (
    id: string,
    connector: string,
    type: string,
    name: string | null,
    asset: string | null,
    metadata: Record<string, string>,
  ) => ({
    id,
    connector_id: connector,
    reference: `ref-${id}`,
    type,
    created_at: '2024-05-01T10:00:00Z',
    name,
    default_asset: asset,
    metadata: JSON.stringify(metadata),
    raw: '{}',
  });
  await db
    .insertInto('accounts')
    .values([
      account('a1', 'c-stripe', 'INTERNAL', 'alpha', 'EUR/2', { team: 'ops', region: 'eu' }),
      account('a2', 'c-stripe', 'EXTERNAL', 'bravo', 'USD/2', { team: 'ops', 'odd]key': 'it\'s "quoted"' }),
      account('a3', 'c-wise', 'INTERNAL', 'charlie', 'EUR/2', { team: 'finance' }),
      account('a4', 'c-wise', 'EXTERNAL', null, null, {}),
    ])
    .execute();
  const payment = (
    id: string,
    initial: bigint,
    amount: bigint,
    status: string,
    metadata: Record<string, string>,
  ) => ({
    id,
    connector_id: 'c-stripe',
    reference: `ref-${id}`,
    type: 'PAY-IN',
    created_at: '2024-05-01T10:00:00Z',
    initial_amount: initial,
    amount,
    asset: 'USD/2',
    scheme: 'CARD_VISA',
    status,
    status_at: '2024-05-01T10:00:00Z',
    source_account_id: id === 'p1' ? 'a1' : null,
    destination_account_id: null,
    metadata: JSON.stringify(metadata),
  });
  await db
    .insertInto('payments')
    .values([
      payment('p1', 100n, 100n, 'SUCCEEDED', { order: '1' }),
      payment('p2', MAX_U64 - 1n, MAX_U64 - 1n, 'PENDING', {}),
      payment('p3', MAX_U64, MAX_U64, 'SUCCEEDED', { order: '3' }),
      payment('p4', 9007199254740993n, 0n, 'FAILED', {}),
    ])
    .execute();
  await db
    .insertInto('schedules')
    .values([
      { id: 's1', connector_id: 'c-stripe', node_path: '0', task_type: 'FETCH_ACCOUNTS', periodic: true },
      { id: 's2', connector_id: 'c-wise', node_path: '0', task_type: 'FETCH_ACCOUNTS', periodic: true },
    ])
    .execute();
});

afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

const TABLES = {
  accounts: accountFilterSpec,
  payments: paymentFilterSpec,
  connectors: connectorFilterSpec,
  schedules: scheduleFilterSpec,
} as const;

/** Ids of the rows of `table` that the filter selects, sorted. */
async function ids(table: keyof typeof TABLES, filter: unknown, spec: FilterSpec = TABLES[table]) {
  let query = opened.db.selectFrom(table).select(`${table}.id as id`);
  const condition = buildFilter(filter, spec);
  if (condition) query = query.where(condition);
  const rows = await query.execute();
  return rows.map((row) => row.id).sort();
}

function expectValidation(run: () => unknown, message?: string | RegExp): ApiError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  // The filter language throws a plain ValidationError; the API answers it as 400 VALIDATION.
  expect(caught).toBeInstanceOf(ValidationError);
  const error = toApiError(caught);
  expect(error.statusCode).toBe(400);
  expect(error.errorCode).toBe('VALIDATION');
  if (typeof message === 'string') expect(error.message).toBe(message);
  else if (message) expect(error.message).toMatch(message);
  return error;
}

describe('readFilter', () => {
  it('prefers a non-empty body over the query parameter', () => {
    const body = { $match: { type: 'INTERNAL' } };
    expect(readFilter('{"$match":{"type":"EXTERNAL"}}', body)).toBe(body);
  });

  it('falls back to the query parameter when the body is empty', () => {
    for (const body of [undefined, null, {}, '', '  ']) {
      expect(readFilter('{"$match":{"type":"EXTERNAL"}}', body)).toEqual({ $match: { type: 'EXTERNAL' } });
    }
  });

  it('parses a body given as text', () => {
    expect(readFilter(undefined, '{"$match":{"name":"x"}}')).toEqual({ $match: { name: 'x' } });
  });

  it('returns undefined when there is no filter at all', () => {
    expect(readFilter(undefined, undefined)).toBeUndefined();
    expect(readFilter('', undefined)).toBeUndefined();
    expect(readFilter('{}', undefined)).toBeUndefined();
  });

  it('keeps integers above 2^53 exact', () => {
    expect(readFilter('{"$gt":{"amount":18446744073709551615}}', undefined)).toEqual({
      $gt: { amount: MAX_U64 },
    });
  });

  it('rejects malformed JSON with 400 VALIDATION', () => {
    expectValidation(() => readFilter('{"$match":', undefined), /^invalid 'query' query param/);
    expectValidation(() => readFilter(undefined, '{oops'), /^invalid query body/);
  });
});

describe('buildFilter', () => {
  it('treats undefined, null and {} as no filter', async () => {
    expect(buildFilter(undefined, accountFilterSpec)).toBeUndefined();
    expect(buildFilter(null, accountFilterSpec)).toBeUndefined();
    expect(buildFilter({}, accountFilterSpec)).toBeUndefined();
    expect(await ids('accounts', {})).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('$match is equality', async () => {
    expect(await ids('accounts', { $match: { type: 'INTERNAL' } })).toEqual(['a1', 'a3']);
    expect(await ids('accounts', { $match: { connector_id: 'c-wise' } })).toEqual(['a3', 'a4']);
    expect(await ids('accounts', { $match: { default_asset: 'USD/2' } })).toEqual(['a2']);
    expect(await ids('accounts', { $match: { name: 'nobody' } })).toEqual([]);
  });

  it('$gt, $gte, $lt, $lte compare on comparable keys', async () => {
    expect(await ids('accounts', { $gt: { name: 'bravo' } })).toEqual(['a3']);
    expect(await ids('accounts', { $gte: { name: 'bravo' } })).toEqual(['a2', 'a3']);
    expect(await ids('accounts', { $lt: { name: 'bravo' } })).toEqual(['a1']);
    expect(await ids('accounts', { $lte: { name: 'bravo' } })).toEqual(['a1', 'a2']);
    expect(await ids('accounts', { $gt: { id: 'a2' } })).toEqual(['a3', 'a4']);
  });

  it('empty $and and $or select everything', async () => {
    expect(await ids('accounts', { $and: [] })).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(await ids('accounts', { $or: [] })).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('combines with $and, $or and $not, nested', async () => {
    expect(
      await ids('accounts', {
        $and: [{ $match: { type: 'INTERNAL' } }, { $match: { connector_id: 'c-wise' } }],
      }),
    ).toEqual(['a3']);
    expect(await ids('accounts', { $or: [{ $match: { id: 'a1' } }, { $match: { id: 'a4' } }] })).toEqual([
      'a1',
      'a4',
    ]);
    expect(await ids('accounts', { $not: { $match: { type: 'INTERNAL' } } })).toEqual(['a2', 'a4']);
    expect(
      await ids('accounts', {
        $or: [
          { $and: [{ $match: { type: 'EXTERNAL' } }, { $not: { $match: { connector_id: 'c-wise' } } }] },
          { $not: { $or: [{ $lte: { name: 'bravo' } }, { $match: { type: 'EXTERNAL' } }] } },
        ],
      }),
    ).toEqual(['a2', 'a3']);
    // $or binds inside $and: (a1 or a2) and INTERNAL, not a1 or (a2 and INTERNAL).
    expect(
      await ids('accounts', {
        $and: [
          { $or: [{ $match: { id: 'a1' } }, { $match: { id: 'a2' } }] },
          { $match: { type: 'INTERNAL' } },
        ],
      }),
    ).toEqual(['a1']);
    expect(await ids('accounts', { $not: { $not: { $match: { id: 'a2' } } } })).toEqual(['a2']);
  });

  it('matches metadata by containment', async () => {
    expect(await ids('accounts', { $match: { 'metadata[team]': 'ops' } })).toEqual(['a1', 'a2']);
    expect(
      await ids('accounts', {
        $and: [{ $match: { 'metadata[team]': 'ops' } }, { $match: { 'metadata[region]': 'eu' } }],
      }),
    ).toEqual(['a1']);
    expect(await ids('accounts', { $match: { 'metadata[odd]key]': 'it\'s "quoted"' } })).toEqual(['a2']);
    expect(await ids('accounts', { $match: { 'metadata[team]': "ops' or '1'='1" } })).toEqual([]);
    expect(await ids('payments', { $match: { 'metadata[order]': '3' } })).toEqual(['p3']);
  });

  it('rejects comparisons and non-string values on metadata keys', () => {
    expectValidation(() => buildFilter({ $gt: { 'metadata[team]': 'a' } }, accountFilterSpec));
    expectValidation(() => buildFilter({ $match: { 'metadata[team]': 1 } }, accountFilterSpec));
  });

  it('rejects metadata keys on resources without metadata', () => {
    expectValidation(
      () => buildFilter({ $match: { 'metadata[a]': 'b' } }, connectorFilterSpec),
      "unknown key 'metadata[a]' when building query",
    );
  });

  it('compares amounts exactly beyond 2^53', async () => {
    expect(await ids('payments', { $gt: { amount: MAX_U64 - 1n } })).toEqual(['p3']);
    expect(await ids('payments', { $gte: { amount: MAX_U64 - 1n } })).toEqual(['p2', 'p3']);
    expect(await ids('payments', { $lt: { amount: MAX_U64 } })).toEqual(['p1', 'p2', 'p4']);
    expect(await ids('payments', { $lte: { amount: 100 } })).toEqual(['p1', 'p4']);
    expect(await ids('payments', { $match: { amount: MAX_U64 } })).toEqual(['p3']);
    // 2^53 + 1 is not a double; as bigint it must still single out p4.
    expect(await ids('payments', { $match: { initial_amount: 9007199254740993n } })).toEqual(['p4']);
    expect(await ids('payments', { $match: { initial_amount: '18446744073709551615' } })).toEqual(['p3']);
  });

  it('accepts amounts coming through readFilter', async () => {
    const filter = readFilter('{"$gt":{"initial_amount":18446744073709551614}}', undefined);
    expect(await ids('payments', filter)).toEqual(['p3']);
  });

  it('filters payments on their match keys', async () => {
    expect(await ids('payments', { $match: { status: 'SUCCEEDED' } })).toEqual(['p1', 'p3']);
    expect(await ids('payments', { $match: { source_account_id: 'a1' } })).toEqual(['p1']);
    expect(await ids('payments', { $match: { reference: 'ref-p2' } })).toEqual(['p2']);
    expect(await ids('payments', { $match: { scheme: 'CARD_VISA' } })).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  it('rejects comparisons on match-only keys', () => {
    expectValidation(
      () => buildFilter({ $gt: { status: 'A' } }, paymentFilterSpec),
      /not allowed on key 'status'/,
    );
    expectValidation(() => buildFilter({ $lte: { id: 'x' } }, scheduleFilterSpec));
  });

  it('lower-cases the connector provider', async () => {
    expect(await ids('connectors', { $match: { provider: 'STRIPE' } })).toEqual(['c-stripe']);
    expect(await ids('connectors', { $match: { name: 'wise eu' } })).toEqual(['c-wise']);
  });

  it('filters schedules', async () => {
    expect(await ids('schedules', { $match: { connector_id: 'c-wise' } })).toEqual(['s2']);
  });

  it('treats hostile values as data', async () => {
    expect(await ids('accounts', { $match: { name: "alpha' or '1'='1" } })).toEqual([]);
    expect(await ids('accounts', { $match: { name: 'alpha; drop table accounts; --' } })).toEqual([]);
    expect(await ids('accounts', {})).toHaveLength(4);
  });

  it('rejects unknown keys with the Go message', () => {
    expectValidation(
      () => buildFilter({ $match: { connectorID: 'x' } }, accountFilterSpec),
      "unknown key 'connectorID' when building query",
    );
    expectValidation(
      () => buildFilter({ $match: { 'accounts.id; --': 'x' } }, accountFilterSpec),
      "unknown key 'accounts.id; --' when building query",
    );
    expectValidation(
      () => buildFilter({ $match: { toString: 'x' } }, accountFilterSpec),
      "unknown key 'toString' when building query",
    );
  });

  it('rejects $in, $exists and $like as unsupported', () => {
    expectValidation(() => buildFilter({ $in: { id: ['a1'] } }, accountFilterSpec), /unsupported operator/);
    expectValidation(() => buildFilter({ $exists: { id: true } }, accountFilterSpec), /unsupported operator/);
    expectValidation(() => buildFilter({ $like: { name: 'a%' } }, accountFilterSpec), /unsupported operator/);
    expectValidation(() => buildFilter({ $regex: { name: 'a' } }, accountFilterSpec), /unknown operator/);
  });

  it('requires exactly one key per expression and per comparison', () => {
    expectValidation(() =>
      buildFilter({ $match: { type: 'INTERNAL' }, $not: { $match: { id: 'a1' } } }, accountFilterSpec),
    );
    expectValidation(() => buildFilter({ $match: { type: 'INTERNAL', id: 'a1' } }, accountFilterSpec));
    expectValidation(() => buildFilter({ $match: {} }, accountFilterSpec));
    expectValidation(() => buildFilter({ $and: [{}] }, accountFilterSpec));
    expectValidation(() => buildFilter({ $not: {} }, accountFilterSpec));
  });

  it('rejects malformed shapes', () => {
    expectValidation(() => buildFilter({ $and: { $match: { id: 'a1' } } }, accountFilterSpec));
    expectValidation(() => buildFilter({ $not: [{ $match: { id: 'a1' } }] }, accountFilterSpec));
    expectValidation(() => buildFilter([{ $match: { id: 'a1' } }], accountFilterSpec));
    expectValidation(() => buildFilter('id = 1', accountFilterSpec));
    expectValidation(() => buildFilter({ $match: 'a1' }, accountFilterSpec));
  });

  it('rejects non-integer numbers and wrongly typed values', () => {
    expectValidation(() => buildFilter({ $gt: { amount: 1.5 } }, paymentFilterSpec), /must be an integer/);
    expectValidation(() => buildFilter({ $match: { name: 1.5 } }, accountFilterSpec), /must be an integer/);
    expectValidation(() => buildFilter({ $match: { name: 7 } }, accountFilterSpec), /must be a string/);
    expectValidation(() => buildFilter({ $match: { name: null } }, accountFilterSpec), /must be a string/);
    expectValidation(() => buildFilter({ $match: { amount: '1.5' } }, paymentFilterSpec));
    expectValidation(() => buildFilter({ $match: { amount: true } }, paymentFilterSpec));
  });

  it('rejects float values read from the query string', () => {
    const filter = readFilter('{"$lt":{"amount":10.25}}', undefined);
    expectValidation(() => buildFilter(filter, paymentFilterSpec));
  });

  it('bounds nesting to MAX_FILTER_DEPTH levels and size to MAX_FILTER_EXPRESSIONS expressions', async () => {
    const nested = (depth: number) => {
      let filter: unknown = { $match: { id: 'a1' } };
      for (let level = 1; level < depth; level++) filter = { $and: [filter] };
      return filter;
    };
    expect(await ids('accounts', nested(MAX_FILTER_DEPTH))).toEqual(['a1']);
    expectValidation(() => buildFilter(nested(MAX_FILTER_DEPTH + 1), accountFilterSpec), /levels deep/);
    // Deep enough to overflow a naive recursive compiler: refused at the limit, without recursing further.
    expectValidation(() => buildFilter(nested(50_000), accountFilterSpec), /levels deep/);
    const or = (n: number) => ({ $or: Array.from({ length: n }, (_v, i) => ({ $match: { id: `a${i}` } })) });
    expect(await ids('accounts', or(MAX_FILTER_EXPRESSIONS - 1))).toHaveLength(4);
    expectValidation(() => buildFilter(or(MAX_FILTER_EXPRESSIONS), accountFilterSpec), /expressions/);
    const wide = { $and: Array.from({ length: 40 }, () => or(30)) };
    expectValidation(() => buildFilter(wide, accountFilterSpec), /expressions/);
  });

  it('refuses text PostgreSQL cannot bind, in values and metadata keys', () => {
    expectValidation(() => buildFilter({ $match: { name: 'a\u0000' } }, accountFilterSpec), /NUL/);
    expectValidation(() => buildFilter({ $match: { name: '\ud800' } }, accountFilterSpec), /surrogate/);
    expectValidation(() => buildFilter({ $match: { 'metadata[k\u0000]': 'v' } }, accountFilterSpec), /NUL/);
    expectValidation(
      () => buildFilter({ $match: { 'metadata[k]': '\udfff' } }, accountFilterSpec),
      /surrogate/,
    );
  });

  it('refuses amounts beyond NUMERIC range instead of letting the database fail', () => {
    expectValidation(() => buildFilter({ $gt: { amount: 10n ** 38n } }, paymentFilterSpec), /out of range/);
    expectValidation(
      () => buildFilter({ $gt: { amount: '9'.repeat(200_000) } }, paymentFilterSpec),
      /out of range/,
    );
  });
});
