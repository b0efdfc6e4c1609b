// The in-memory walker: pages until the PSP has no more, states through JSON, children once per parent item with the engine's payload.
import { describe, expect, it } from 'vitest';
import { BaseConnector } from '../base.js';
import type {
  FetchNextRequest,
  FetchNextResponse,
  FromPayload,
  PspAccount,
  PspBalance,
  TaskNode,
} from '../contract.js';
import { childPayloads, runNode, stateKey, walkTree } from './walk.js';

const tree: TaskNode[] = [
  {
    type: 'FETCH_ACCOUNTS',
    name: 'fetch_accounts',
    periodic: true,
    children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
  },
];

/** Three accounts, two a page, each with one balance of 2^64 - 1 minor units (bigint in the state). */
class TwoAccountsAPage extends BaseConnector {
  readonly seenStates: unknown[] = [];
  readonly balanceParents: unknown[] = [];
  async install() {
    return { workflow: tree };
  }
  override async fetchNextAccounts(request: FetchNextRequest): Promise<FetchNextResponse<PspAccount>> {
    this.seenStates.push(request.state);
    const from = Number((request.state as { next?: bigint } | undefined)?.next ?? 0n);
    const all = ['a', 'b', 'c'].map((reference) => ({
      reference,
      createdAt: new Date(0),
      raw: { id: reference },
    }));
    const items = all.slice(from, from + request.pageSize);
    const next = from + items.length;
    return {
      items,
      newState: { next: BigInt(next), huge: 18446744073709551615n },
      hasMore: next < all.length,
    };
  }
  override async fetchNextBalances(request: FetchNextRequest): Promise<FetchNextResponse<PspBalance>> {
    this.balanceParents.push(request.fromPayload);
    const reference = String(request.fromPayload?.id);
    return {
      items: [
        {
          accountReference: reference,
          createdAt: new Date(0),
          amount: 18446744073709551615n,
          asset: 'EUR/2',
        },
      ],
      newState: {},
      hasMore: false,
    };
  }
}

describe('walkTree', () => {
  it('runs each node to the end, its children once per parent item, and keeps each state by path and parent', async () => {
    const connector = new TwoAccountsAPage();
    const { runs, states } = await walkTree(connector, tree, { pageSize: 2 });
    expect(runs.map((run) => [run.path, run.fromPayload?.id, run.items.length, run.pages])).toEqual([
      ['fetch_accounts', undefined, 3, 2],
      ['fetch_accounts/fetch_balances', 'a', 1, 1],
      ['fetch_accounts/fetch_balances', 'b', 1, 1],
      ['fetch_accounts/fetch_balances', 'c', 1, 1],
    ]);
    expect([...states.keys()]).toEqual([
      'fetch_accounts',
      stateKey('fetch_accounts/fetch_balances', 'a'),
      stateKey('fetch_accounts/fetch_balances', 'b'),
      stateKey('fetch_accounts/fetch_balances', 'c'),
    ]);
    // The second page got the first page's state after a JSON round trip: a copy, bigints exact.
    expect(connector.seenStates).toEqual([undefined, { next: 2, huge: 18446744073709551615n }]);
    expect(connector.balanceParents[0]).toEqual(
      childPayloads(tree[0] as TaskNode, [{ reference: 'a', createdAt: new Date(0), raw: { id: 'a' } }])[0],
    );
  });

  it('a second walk from the same states and parents polls periodic children for earlier parents, one-shot ones only for new items', async () => {
    const oneShot: TaskNode[] = [
      {
        ...(tree[0] as TaskNode),
        children: [
          { type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] },
          { type: 'FETCH_BALANCES', name: 'once', periodic: false, children: [] },
        ],
      },
    ];
    const connector = new TwoAccountsAPage();
    const states = new Map<string, unknown>();
    const parents = new Map<string, FromPayload[]>();
    await walkTree(connector, oneShot, { pageSize: 10, states, parents });
    // The accounts' cursor is at the end: the second walk lists no account, as an incremental PSP would.
    const second = await walkTree(connector, oneShot, { pageSize: 10, states, parents });
    expect(second.runs.map((run) => [run.path, run.fromPayload?.id ?? null])).toEqual([
      ['fetch_accounts', null],
      ['fetch_accounts/fetch_balances', 'a'],
      ['fetch_accounts/fetch_balances', 'b'],
      ['fetch_accounts/fetch_balances', 'c'],
    ]);
  });

  it('stops at maxPages with hasMore, and a second walk from the same states goes on', async () => {
    const connector = new TwoAccountsAPage();
    const node = tree[0] as TaskNode;
    const first = await runNode(connector, node, { pageSize: 2, maxPages: 1 });
    expect([first.items.length, first.hasMore]).toEqual([2, true]);
    const rest = await runNode(connector, node, { pageSize: 2, state: first.state });
    expect(rest.items.map((item) => (item as PspAccount).reference)).toEqual(['c']);
  });
});
