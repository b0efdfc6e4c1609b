import { randomUUID } from 'node:crypto';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/support/database.js';
import { openDatabase, type OpenedDatabase } from '../storage/db.js';
import { migrate } from '../storage/migrate.js';
import { toApiError } from './errors.js';
import {
  paginate,
  readPageRequest,
  type CursorPage,
  type PageParams,
  type PageRequest,
} from './pagination.js';
import { accountFilterSpec, paymentFilterSpec } from '../storage/query-filter.js';

const MAX_U64 = 18446744073709551615n;
const SHARED_TIME = '2024-05-01T09:00:00.123456Z';

let testDb: TestDatabase;
let opened: OpenedDatabase;
/** Account ids in the order every list must return them: created_at DESC, sort_id DESC. */
let expectedOrder: string[];

interface Seed {
  id: string;
  type: string;
  createdAt: string;
}

// 45 accounts: 25 share one created_at (the tie-break by sort_id matters), the others each have their own,
// some older and some newer than the shared instant; inserted in a shuffled order so sort_id ≠ time order.
function seeds(): Seed[] {
  const rows: Seed[] = [];
  for (let i = 0; i < 25; i++) rows.push({ id: `tie-${i}`, type: 'INTERNAL', createdAt: SHARED_TIME });
  for (let i = 0; i < 20; i++) {
    const minute = String(i * 3).padStart(2, '0');
    const hour = i % 2 === 0 ? '08' : '10';
    const micros = String(i * 7919).padStart(6, '0');
    rows.push({
      id: `own-${i}`,
      type: i % 3 === 0 ? 'EXTERNAL' : 'INTERNAL',
      createdAt: `2024-05-01T${hour}:${minute}:00.${micros}Z`,
    });
  }
  // Deterministic shuffle.
  for (let i = rows.length - 1; i > 0; i--) {
    const j = (i * 7 + 3) % (i + 1);
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  return rows;
}

async function insertAccounts(rows: Seed[]) {
  const inserted = await opened.db
    .insertInto('accounts')
    .values(
      rows.map((row) => ({
        id: row.id,
        connector_id: 'c1',
        reference: `ref-${row.id}`,
        type: row.type,
        created_at: row.createdAt,
        name: row.id,
        default_asset: 'EUR/2',
        metadata: '{}',
        raw: '{}',
      })),
    )
    .returning(['id', 'sort_id'])
    .execute();
  return inserted;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  opened = await openDatabase({ url: testDb.url, dataDir: '' });
  await migrate(opened.db);
  await opened.db
    .insertInto('connectors')
    .values({
      id: 'c1',
      reference: randomUUID(),
      provider: 'dummypay',
      name: 'dummy',
      config_encrypted: 'x',
      polling_period_ms: 60000,
      page_size: 25,
      task_tree: '[]',
    })
    .execute();
});

beforeEach(async () => {
  await opened.db.deleteFrom('payments').execute();
  await opened.db.deleteFrom('accounts').execute();
  const rows = seeds();
  const inserted = await insertAccounts(rows);
  const sortIds = new Map(inserted.map((row) => [row.id, BigInt(row.sort_id)]));
  expectedOrder = [...rows]
    .sort((a, b) => {
      if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
      const diff = sortIds.get(b.id)! - sortIds.get(a.id)!;
      return diff > 0n ? 1 : diff < 0n ? -1 : 0;
    })
    .map((row) => row.id);
});

afterAll(async () => {
  await opened?.close();
  await testDb?.drop();
});

const accountsQuery = () =>
  opened.db
    .selectFrom('accounts')
    .select(['accounts.id', 'accounts.type', 'accounts.created_at', 'accounts.sort_id']);

const accountOptions = {
  createdAt: 'accounts.created_at',
  sortId: 'accounts.sort_id',
  filter: accountFilterSpec,
};

async function listAccounts(params: PageParams, body?: unknown) {
  return paginate(accountsQuery(), readPageRequest(params, body), accountOptions);
}

const idsOf = (page: CursorPage<{ id: string }>) => page.data.map((row) => row.id);

function expectValidation(run: () => unknown, message: string) {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  // The filter language throws a plain ValidationError; the API answers it as 400 VALIDATION.
  expect(caught).toBeInstanceOf(Error);
  const error = toApiError(caught);
  expect(error.statusCode).toBe(400);
  expect(error.errorCode).toBe('VALIDATION');
  expect(error.message).toBe(message);
}

describe('readPageRequest', () => {
  it('defaults the page size to 15', () => {
    expect(readPageRequest({}, undefined).pageSize).toBe(15);
    expect(readPageRequest({ pageSize: '' }, undefined).pageSize).toBe(15);
  });

  it('turns 0 into 15 and clamps above 100', () => {
    expect(readPageRequest({ pageSize: '0' }, undefined).pageSize).toBe(15);
    expect(readPageRequest({ pageSize: '7' }, undefined).pageSize).toBe(7);
    expect(readPageRequest({ pageSize: '100' }, undefined).pageSize).toBe(100);
    expect(readPageRequest({ pageSize: '101' }, undefined).pageSize).toBe(100);
    expect(readPageRequest({ pageSize: '500' }, undefined).pageSize).toBe(100);
  });

  it('rejects negative or non-numeric page sizes', () => {
    for (const pageSize of ['-1', 'abc', '1.5', '10abc', ' 5', '+5', '99999999999']) {
      expectValidation(() => readPageRequest({ pageSize }, undefined), "invalid 'pageSize' query param");
    }
  });

  it('reads the filter from the body, else from the query parameter', () => {
    const body = { $match: { type: 'INTERNAL' } };
    expect(readPageRequest({ query: '{"$match":{"type":"EXTERNAL"}}' }, body).filter).toBe(body);
    expect(readPageRequest({ query: '{"$match":{"type":"EXTERNAL"}}' }, undefined).filter).toEqual({
      $match: { type: 'EXTERNAL' },
    });
    expect(readPageRequest({}, undefined).filter).toBeUndefined();
  });

  it('rejects tampered or undecodable cursors', async () => {
    const page = await listAccounts({ pageSize: '5' });
    const good = page.next!;
    const decoded = JSON.parse(Buffer.from(good, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forge = (patch: Record<string, unknown>) =>
      Buffer.from(JSON.stringify({ ...decoded, ...patch }), 'utf8').toString('base64url');
    const bad = [
      'not a cursor!',
      good.slice(0, -3) + (good.endsWith('A') ? 'B' : 'A') + good.slice(-2),
      good + '=',
      Buffer.from('not json').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      forge({ v: 2 }),
      forge({ pageSize: 1000 }),
      forge({ pageSize: 0 }),
      forge({ pageSize: 2.5 }),
      forge({ dir: 'sideways' }),
      forge({ inclusive: 'yes' }),
      forge({ key: ['2024-02-30 10:00:00+00', '1'] }),
      forge({ key: ['2024-05-01 25:00:00+00', '1'] }),
      forge({ key: ["2024-05-01 10:00:00+00'; drop table accounts; --", '1'] }),
      forge({ key: ['2024-05-01 10:00:00+00', '1 or 1=1'] }),
      forge({ key: ['2024-05-01 10:00:00+00', '99999999999999999999'] }),
      forge({ key: ['2024-05-01 10:00:00+00'] }),
      forge({ extra: true }),
    ];
    for (const cursor of bad) {
      expectValidation(() => readPageRequest({ cursor }, undefined), "invalid 'cursor' query param");
    }
    // The untouched cursor still decodes.
    expect(readPageRequest({ cursor: good }, undefined).pageSize).toBe(5);
  });

  it('lets a cursor override pageSize and query', async () => {
    const first = await listAccounts({ pageSize: '3', query: '{"$match":{"type":"EXTERNAL"}}' });
    const request = readPageRequest(
      { cursor: first.next!, pageSize: 'abc', query: '{"$match":{"type":"INTERNAL"}}' },
      { $match: { type: 'INTERNAL' } },
    );
    expect(request.pageSize).toBe(3);
    expect(request.filter).toEqual({ $match: { type: 'EXTERNAL' } });
    const second = await paginate(accountsQuery(), request, accountOptions);
    expect(second.pageSize).toBe(3);
    expect(second.data.every((row) => row.type === 'EXTERNAL')).toBe(true);
    const externals = expectedOrder.filter((id) => id.startsWith('own-') && Number(id.slice(4)) % 3 === 0);
    expect([...idsOf(first), ...idsOf(second)]).toEqual(externals.slice(0, 6));
  });
});

describe('paginate', () => {
  it('walks every row exactly once, newest first, ties broken by sort_id', async () => {
    const seen: string[] = [];
    let page = await listAccounts({ pageSize: '7' });
    expect(page.previous).toBeUndefined();
    let pages = 1;
    for (;;) {
      expect(page.pageSize).toBe(7);
      expect(page.data.length).toBeLessThanOrEqual(7);
      seen.push(...idsOf(page));
      if (!page.next) break;
      expect(page.hasMore).toBe(true);
      expect(page.data).toHaveLength(7);
      if (pages > 1) expect(page.previous).toBeDefined();
      page = await listAccounts({ cursor: page.next });
      pages++;
    }
    expect(page.hasMore).toBe(false);
    expect('next' in page).toBe(false);
    expect(pages).toBe(Math.ceil(45 / 7));
    expect(seen).toEqual(expectedOrder);
    expect(new Set(seen).size).toBe(45);
  });

  it('returns the default page of 15 with the envelope fields', async () => {
    const page = await listAccounts({});
    expect(page.pageSize).toBe(15);
    expect(idsOf(page)).toEqual(expectedOrder.slice(0, 15));
    expect(page.hasMore).toBe(true);
    expect(Object.keys(page).sort()).toEqual(['data', 'hasMore', 'next', 'pageSize']);
  });

  it('pages through a run of rows sharing one created_at', async () => {
    const ties = await listAccounts({
      pageSize: '4',
      query: JSON.stringify({ $match: { type: 'INTERNAL' } }),
    });
    const all: string[] = [...idsOf(ties)];
    let page = ties;
    while (page.next) {
      page = await listAccounts({ cursor: page.next });
      all.push(...idsOf(page));
    }
    const internals = expectedOrder.filter((id) => id.startsWith('tie-') || Number(id.slice(4)) % 3 !== 0);
    expect(all).toEqual(internals);
  });

  it('goes back with previous, to the first page again', async () => {
    const pages: CursorPage<{ id: string }>[] = [await listAccounts({ pageSize: '10' })];
    while (pages[pages.length - 1]!.next)
      pages.push(await listAccounts({ cursor: pages[pages.length - 1]!.next }));
    expect(pages).toHaveLength(5);

    for (let i = pages.length - 1; i > 0; i--) {
      const back = await listAccounts({ cursor: pages[i]!.previous });
      expect(idsOf(back)).toEqual(idsOf(pages[i - 1]!));
      expect(back.hasMore).toBe(true);
      expect(back.next).toBeDefined();
      if (i === 1) expect(back.previous).toBeUndefined();
      else expect(back.previous).toBeDefined();
      // And forward again from the page we came back to.
      const forward = await listAccounts({ cursor: back.next });
      expect(idsOf(forward)).toEqual(idsOf(pages[i]!));
    }
  });

  it('next then previous gives back the first page', async () => {
    const first = await listAccounts({ pageSize: '6' });
    const second = await listAccounts({ cursor: first.next });
    const again = await listAccounts({ cursor: second.previous });
    expect(again).toEqual(first);
  });

  it('is not shifted by rows inserted at the top while paging', async () => {
    const first = await listAccounts({ pageSize: '8' });
    await insertAccounts([{ id: 'newest', type: 'INTERNAL', createdAt: '2030-01-01T00:00:00Z' }]);
    const second = await listAccounts({ cursor: first.next });
    expect(idsOf(second)).toEqual(expectedOrder.slice(8, 16));
    const third = await listAccounts({ cursor: second.next });
    expect(idsOf(third)).toEqual(expectedOrder.slice(16, 24));
    // A row at the shared instant gets the largest sort_id, so it sorts before every tie already seen.
    await insertAccounts([{ id: 'tie-late', type: 'INTERNAL', createdAt: SHARED_TIME }]);
    const rest: string[] = [];
    let page = third;
    while (page.next) {
      page = await listAccounts({ cursor: page.next });
      rest.push(...idsOf(page));
    }
    expect(rest).toEqual(expectedOrder.slice(24));
    // Going back from the second page gives the page as it was seen; the new row is one step further back.
    const back = await listAccounts({ cursor: second.previous });
    expect(idsOf(back)).toEqual(idsOf(first));
    expect(back.previous).toBeDefined();
    const top = await listAccounts({ cursor: back.previous });
    expect(idsOf(top)).toEqual(['newest', ...expectedOrder.slice(0, 7)]);
    expect(top.previous).toBeUndefined();
  });

  it('keeps going back when new rows pushed the first page down', async () => {
    const first = await listAccounts({ pageSize: '5' });
    const second = await listAccounts({ cursor: first.next });
    await insertAccounts(
      Array.from({ length: 7 }, (_, i) => ({
        id: `late-${i}`,
        type: 'INTERNAL',
        createdAt: '2031-01-01T00:00:00Z',
      })),
    );
    const back = await listAccounts({ cursor: second.previous });
    expect(idsOf(back)).toEqual(idsOf(first));
    expect(back.previous).toBeDefined();
    // Five of the seven new rows are strictly newer than `back`, with more beyond them.
    const above = await listAccounts({ cursor: back.previous });
    expect(idsOf(above)).toEqual(['late-4', 'late-3', 'late-2', 'late-1', 'late-0']);
    expect(above.previous).toBeDefined();
    // Fewer than a page is left above: previous lands on the first page, as an offset would clamp to 0.
    const top = await listAccounts({ cursor: above.previous });
    expect(idsOf(top)).toEqual(['late-6', 'late-5', 'late-4', 'late-3', 'late-2']);
    expect(top.previous).toBeUndefined();
    expect(top.hasMore).toBe(true);
  });

  it('an empty page after deletions still leads back', async () => {
    const first = await listAccounts({ pageSize: '5' });
    await opened.db.deleteFrom('accounts').where('id', 'not in', idsOf(first)).execute();
    const second = await listAccounts({ cursor: first.next });
    expect(second.data).toEqual([]);
    expect(second.hasMore).toBe(false);
    expect(second.next).toBeUndefined();
    const back = await listAccounts({ cursor: second.previous });
    expect(idsOf(back)).toEqual(idsOf(first));
  });

  it('applies a filter given in the body and carries it in the cursor', async () => {
    const body = { $match: { type: 'EXTERNAL' } };
    const first = await listAccounts({ pageSize: '2' }, body);
    const second = await listAccounts({ cursor: first.next });
    const externals = expectedOrder.filter((id) => id.startsWith('own-') && Number(id.slice(4)) % 3 === 0);
    expect([...idsOf(first), ...idsOf(second)]).toEqual(externals.slice(0, 4));
  });

  it('rejects a bad filter with 400 VALIDATION', async () => {
    const caught = await listAccounts({ query: '{"$match":{"nope":"x"}}' }).catch((error: unknown) => error);
    expect(toApiError(caught)).toMatchObject({
      statusCode: 400,
      errorCode: 'VALIDATION',
      message: "unknown key 'nope' when building query",
    });
  });

  it('keeps a bigint filter exact across cursors', async () => {
    await opened.db
      .insertInto('payments')
      .values(
        [MAX_U64, MAX_U64 - 1n, MAX_U64 - 2n, 5n].map((amount, i) => ({
          id: `pay-${i}`,
          connector_id: 'c1',
          reference: `pay-${i}`,
          type: 'PAY-IN',
          created_at: `2024-06-0${i + 1}T00:00:00Z`,
          initial_amount: amount,
          amount,
          asset: 'USD/2',
          scheme: 'OTHER',
          status: 'SUCCEEDED',
          status_at: '2024-06-01T00:00:00Z',
        })),
      )
      .execute();
    const query = () => opened.db.selectFrom('payments').select(['id', 'amount', 'created_at', 'sort_id']);
    const options = {
      createdAt: 'payments.created_at',
      sortId: 'payments.sort_id',
      filter: paymentFilterSpec,
    };
    const params = { pageSize: '1', query: '{"$gte":{"amount":18446744073709551614}}' };
    const first = await paginate(query(), readPageRequest(params, undefined), options);
    const request = readPageRequest({ cursor: first.next }, undefined);
    expect(request.filter).toEqual({ $gte: { amount: MAX_U64 - 1n } });
    const second = await paginate(query(), request, options);
    expect(second.hasMore).toBe(false);
    expect([...first.data, ...second.data].map((row) => [row.id, row.amount])).toEqual([
      ['pay-1', (MAX_U64 - 1n).toString()],
      ['pay-0', MAX_U64.toString()],
    ]);
  });

  it('uses keyOf when the row names its key differently', async () => {
    const query = opened.db
      .selectFrom('accounts')
      .select(['accounts.id', 'accounts.created_at as createdAt', 'accounts.sort_id as sortId']);
    const options = {
      createdAt: 'accounts.created_at',
      sortId: 'accounts.sort_id',
      keyOf: (row: { createdAt: string; sortId: string }) => [row.createdAt, row.sortId] as const,
    };
    const request: PageRequest = readPageRequest({ pageSize: '20' }, undefined);
    const first = await paginate(query, request, options);
    const second = await paginate(query, readPageRequest({ cursor: first.next }, undefined), options);
    expect([...first.data, ...second.data].map((row) => row.id)).toEqual(expectedOrder.slice(0, 40));
  });

  it('fails loudly when rows lack created_at/sort_id and no keyOf is given', async () => {
    const query = opened.db.selectFrom('accounts').select(['accounts.id']);
    await expect(
      paginate(query, readPageRequest({ pageSize: '2' }, undefined), {
        createdAt: 'accounts.created_at',
        sortId: 'accounts.sort_id',
      }),
    ).rejects.toThrow(/created_at/);
  });

  it('respects the caller filter and seeks by key instead of OFFSET', async () => {
    const statements: string[] = [];
    const recorder: KyselyPlugin = {
      transformQuery(args) {
        statements.push(opened.db.getExecutor().compileQuery(args.node, args.queryId).sql);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const query = accountsQuery().where('accounts.type', '=', 'EXTERNAL').withPlugin(recorder);
    const options = { createdAt: 'accounts.created_at', sortId: 'accounts.sort_id' };
    const first = await paginate(query, readPageRequest({ pageSize: '3' }, undefined), options);
    const second = await paginate(query, readPageRequest({ cursor: first.next }, undefined), options);
    const externals = expectedOrder.filter((id) => id.startsWith('own-') && Number(id.slice(4)) % 3 === 0);
    expect([...idsOf(first), ...idsOf(second)]).toEqual(externals.slice(0, 6));
    expect(statements).toHaveLength(2);
    for (const statement of statements) {
      expect(statement.toLowerCase()).not.toContain('offset');
      expect(statement).toMatch(/limit \$\d+$/);
    }
    expect(statements[1]).toContain(
      '("accounts"."created_at", "accounts"."sort_id") < ($2::timestamptz, $3::bigint)',
    );
  });
});
