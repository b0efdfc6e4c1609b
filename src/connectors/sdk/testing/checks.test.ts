// The conformance checks catch what they are for: each broken connector below is reported, a correct one is not.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BaseConnector } from '../base.js';
import type { FetchNextRequest, FetchNextResponse, PspAccount, TaskNode } from '../contract.js';
import { secret } from '../registry.js';
import {
  capabilityProblems,
  configProblems,
  pagingProblems,
  unmarkedSecrets,
  unnamedStatuses,
} from './checks.js';

const accountsNode: TaskNode = {
  type: 'FETCH_ACCOUNTS',
  name: 'fetch_accounts',
  periodic: true,
  children: [],
};

const account = (reference: string): PspAccount => ({
  reference,
  createdAt: new Date('2026-01-01T00:00:00Z'),
  raw: { id: reference },
});

type Paging = (
  all: PspAccount[],
  request: FetchNextRequest,
) => { items: PspAccount[]; newState: unknown; hasMore: boolean };

/** Lists `all` (read at each call, so a test can append) with a paging strategy, correct or not. */
class ListingPsp extends BaseConnector {
  constructor(
    readonly all: PspAccount[],
    private readonly paging: Paging,
  ) {
    super();
  }
  async install() {
    return { workflow: [accountsNode] };
  }
  override async fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    return this.paging(this.all, request);
  }
}

/** Correct: an index cursor that stays at the end between passes, so a pass returns only what is new. */
const byIndex: Paging = (all, request) => {
  const from = (request.state as { next?: number } | undefined)?.next ?? 0;
  const items = all.slice(from, from + request.pageSize);
  const next = from + items.length;
  return { items, newState: { next }, hasMore: next < all.length };
};

const five = () => ['a', 'b', 'c', 'd', 'e'].map(account);
const expected = { fetch_accounts: ['a', 'b', 'c', 'd', 'e'] };

describe('pagingProblems', () => {
  it('finds nothing wrong with a correct cursor, new items included', async () => {
    const psp = new ListingPsp(five(), byIndex);
    const change = async () => {
      psp.all.push(account('f'));
      return { fetch_accounts: ['f'] };
    };
    expect(await pagingProblems(psp, [accountsNode], { pageSize: 2, expected, change })).toEqual([]);
  });

  it('reports an item repeated at each page boundary', async () => {
    const overlapping: Paging = (all, request) => {
      const page = byIndex(all, request);
      const next = (page.newState as { next: number }).next;
      return { ...page, newState: { next: page.hasMore ? next - 1 : next } };
    };
    const problems = await pagingProblems(new ListingPsp(five(), overlapping), [accountsNode], {
      pageSize: 2,
      expected,
    });
    expect(problems.join('\n')).toMatch(/more than once/);
  });

  it('reports an item lost at a page boundary', async () => {
    const skipping: Paging = (all, request) => {
      const page = byIndex(all, request);
      const next = (page.newState as { next: number }).next;
      return { ...page, newState: { next: next + 1 }, hasMore: next + 1 < all.length };
    };
    const problems = await pagingProblems(new ListingPsp(five(), skipping), [accountsNode], {
      pageSize: 2,
      expected,
    });
    expect(problems.join('\n')).toMatch(/missing c/);
  });

  it('reports a state that does not survive JSON (a Map): the pass never ends', async () => {
    const mapState: Paging = (all, request) => {
      const from = request.state instanceof Map ? (request.state.get('next') as number) : 0;
      const items = all.slice(from, from + request.pageSize);
      const next = from + items.length;
      return { items, newState: new Map([['next', next]]), hasMore: next < all.length };
    };
    const problems = await pagingProblems(new ListingPsp(five(), mapState), [accountsNode], {
      pageSize: 2,
      expected,
    });
    expect(problems).toEqual([
      expect.stringMatching(/^paging at page size 2 failed: fetch_accounts: still hasMore after \d+ pages$/),
    ]);
  });

  it('reports a second pass that returns everything again, unless the connector declares it re-lists', async () => {
    const restarting: Paging = (all, request) => {
      const page = byIndex(all, request);
      return page.hasMore ? page : { ...page, newState: null };
    };
    const psp = new ListingPsp(five(), restarting);
    const problems = await pagingProblems(psp, [accountsNode], { pageSize: 2, expected });
    expect(problems.join('\n')).toMatch(
      /second pass \(nothing changed\): fetch_accounts returned unexpected a, b, c, d, e/,
    );
    expect(await pagingProblems(psp, [accountsNode], { pageSize: 2, expected, relists: true })).toEqual([]);
  });

  it('reports a new record the next pass does not return', async () => {
    const stuck: Paging = (all, request) =>
      request.state
        ? { items: [], newState: request.state, hasMore: false }
        : { items: all.slice(), newState: { done: true }, hasMore: false };
    const psp = new ListingPsp(five(), stuck);
    const change = async () => {
      psp.all.push(account('f'));
      return { fetch_accounts: ['f'] };
    };
    const problems = await pagingProblems(psp, [accountsNode], { pageSize: 2, expected, change });
    expect(problems).toEqual(['pass after a change: fetch_accounts is missing f']);
  });
});

describe('capabilityProblems', () => {
  it('finds nothing wrong when capabilities, methods and nodes agree', () => {
    const psp = new ListingPsp([], byIndex);
    expect(capabilityProblems({ capabilities: ['FETCH_ACCOUNTS'] }, psp, [accountsNode])).toEqual([]);
  });

  it('reports a declared capability without its method or node, a node without its capability, and twin node names', () => {
    const psp = new ListingPsp([], byIndex);
    const tree: TaskNode[] = [accountsNode, { ...accountsNode }];
    const problems = capabilityProblems({ capabilities: ['FETCH_PAYMENTS', 'CREATE_PAYOUT'] }, psp, tree);
    expect(problems).toEqual(
      expect.arrayContaining([
        'FETCH_ACCOUNTS is not declared but fetchNextAccounts is implemented',
        'FETCH_ACCOUNTS is not declared but the task tree has a FETCH_ACCOUNTS node',
        'FETCH_PAYMENTS is declared but fetchNextPayments is not implemented',
        'FETCH_PAYMENTS is declared but the task tree has no FETCH_PAYMENTS node',
        'CREATE_PAYOUT is declared but createPayout is not implemented',
        'two nodes named fetch_accounts: their states would be one',
      ]),
    );
  });
});

describe('config checks', () => {
  const schema = z.object({
    apiKey: secret(z.string().min(1)),
    endpoint: z.url().optional(),
    retries: z.number().int().optional(),
  });

  it('finds nothing wrong with a schema that refuses missing and mistyped fields by name', () => {
    expect(configProblems(schema, { apiKey: 'k', endpoint: 'https://psp.example' })).toEqual([]);
  });

  it('reports a config the schema itself refuses', () => {
    expect(configProblems(schema, { endpoint: 'https://psp.example' })).toContain(
      'the valid config is refused',
    );
  });

  it('reports fields named like secrets, or listed as secret, that are not marked', () => {
    const loose = z.object({
      apiKey: z.string(),
      clientSecret: secret(z.string()).optional(),
      publicKeyId: z.string(),
      merchant: z.string(),
    });
    expect(
      unmarkedSecrets(loose, { secretFields: ['merchant'], notSecret: { publicKeyId: 'an identifier' } }),
    ).toEqual(['merchant', 'apiKey']);
  });
});

describe('unnamedStatuses', () => {
  it('wants each status as a whole word: DISPUTE_WON does not name DISPUTE', () => {
    expect(unnamedStatuses('| `DISPUTE_WON` | `PENDING` |', ['DISPUTE_WON', 'PENDING', 'DISPUTE'])).toEqual([
      'DISPUTE',
    ]);
  });
});
