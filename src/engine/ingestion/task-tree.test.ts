import { describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../connectors/sdk/capabilities.js';
import type { TaskNode, TaskType } from '../../connectors/sdk/contract.js';
import { dummyPayWorkflow } from '../../connectors/dummypay/workflow.js';
import { genericWorkflow } from '../../connectors/generic/workflow.js';
import '../../connectors/dummypay/index.js';
import '../../connectors/generic/index.js';
import { InvalidConfigError } from '../../connectors/sdk/errors.js';
import { findConnector } from '../../connectors/sdk/registry.js';
import { capabilitiesOfTree, TASK_TYPES, TASKS } from '../../connectors/sdk/tasks.js';
import { mapPage } from './items.js';
import { validateTree } from './task-tree.js';

const node = (type: TaskType, name: string, children: TaskNode[] = []): TaskNode => ({
  type,
  name,
  periodic: true,
  children,
});

/** One node of every task type the contract names, the last one nested under the first. */
const everyType = (): TaskNode[] => {
  const nodes = TASK_TYPES.map((type) => node(type, type.toLowerCase()));
  const [first, ...rest] = nodes;
  return first ? [{ ...first, children: rest.slice(-1) }, ...rest.slice(0, -1)] : [];
};

describe('the task table', () => {
  it('names every task type the contract has, each with a capability the API advertises', () => {
    expect(TASK_TYPES).toEqual(expect.arrayContaining(['FETCH_ORDERS', 'FETCH_CONVERSIONS']));
    for (const type of TASK_TYPES) expect(CAPABILITIES).toContain(TASKS[type].capability);
  });

  it('accepts a tree holding every task type when the connector declares their capabilities', () => {
    const tree = everyType();
    const declared = [...capabilitiesOfTree(tree)];
    expect(declared).toHaveLength(TASK_TYPES.length);
    expect(() => validateTree(tree, declared)).not.toThrow();
  });

  it('refuses a node whose capability the connector does not declare, naming the node', () => {
    const tree = [node('FETCH_ACCOUNTS', 'accounts', [node('FETCH_ORDERS', 'orders')])];
    expect(() => validateTree(tree, ['FETCH_ACCOUNTS'])).toThrow(InvalidConfigError);
    expect(() => validateTree(tree, ['FETCH_ACCOUNTS'])).toThrow(/accounts\.orders.*FETCH_ORDERS/);
    expect(() => validateTree(tree, ['FETCH_ACCOUNTS', 'FETCH_ORDERS'])).not.toThrow();
  });

  it('accepts the task trees of Generic (with and without webhooks) and DummyPay under their declared capabilities', () => {
    const declared = (provider: string) => findConnector(provider)?.capabilities ?? [];
    expect(() => validateTree(genericWorkflow({ webhooks: true }), declared('generic'))).not.toThrow();
    expect(() => validateTree(genericWorkflow(), declared('generic'))).not.toThrow();
    expect(() => validateTree(dummyPayWorkflow(), declared('dummypay'))).not.toThrow();
  });

  it('refuses a task type that is not in the table, including inherited property names', () => {
    for (const type of ['FETCH_TRADES', 'toString', '__proto__']) {
      expect(() => validateTree([node(type as TaskType, 'x')])).toThrow(/not supported/);
    }
  });

  it('maps a page of every task type, so no type is left without storage', () => {
    const connectorId = { provider: 'dummypay', reference: '00000000-0000-4000-8000-000000000000' };
    for (const type of TASK_TYPES) {
      // An item with no reference or id is invalid for every type: it is skipped, never a crash.
      const writes = mapPage(connectorId, type, [{}]);
      expect(writes.skipped).toHaveLength(1);
    }
  });
});

describe('order and conversion items', () => {
  const connectorId = { provider: 'dummypay', reference: '00000000-0000-4000-8000-000000000000' };
  const order = {
    reference: 'ord-1',
    createdAt: new Date('2024-05-01T10:00:00Z'),
    updatedAt: new Date('2024-05-01T10:05:00Z'),
    direction: 'BUY',
    sourceAsset: 'USD/2',
    destinationAsset: 'BTC/8',
    type: 'LIMIT',
    status: 'PARTIALLY_FILLED',
    baseQuantityOrdered: 100_000_000n,
    baseQuantityFilled: 25_000_000n,
    timeInForce: 'GOOD_UNTIL_CANCELLED',
    raw: { id: 'ord-1' },
  };

  it('turns a valid order into the order row and one adjustment for its state', () => {
    const writes = mapPage(connectorId, 'FETCH_ORDERS', [order]);
    expect(writes.skipped).toEqual([]);
    expect(writes.orders).toHaveLength(1);
    expect(writes.orders[0]).toMatchObject({ status: 'PARTIALLY_FILLED', updatedAt: '2024-05-01T10:05:00Z' });
    expect(writes.orderAdjustments).toHaveLength(1);
    expect(writes.children).toEqual([
      { id: 'ord-1', payload: expect.objectContaining({ reference: 'ord-1' }) },
    ]);
  });

  it('skips an order with a status, an asset or a quantity it cannot store, and keeps the rest', () => {
    const bad = [
      { ...order, reference: 'a', status: 'DONE' },
      { ...order, reference: 'b', sourceAsset: 'dollars' },
      { ...order, reference: 'c', baseQuantityOrdered: 1.5 },
      { ...order, reference: 'd', fee: -1n },
    ];
    const writes = mapPage(connectorId, 'FETCH_ORDERS', [...bad, order]);
    expect(writes.skipped.map((s) => s.reference)).toEqual(['a', 'b', 'c', 'd']);
    expect(writes.orders.map((o) => o.reference)).toEqual(['ord-1']);
  });

  it('keeps the newest observation of an order seen twice in one page', () => {
    const older = { ...order, status: 'OPEN', baseQuantityFilled: undefined, updatedAt: order.createdAt };
    const writes = mapPage(connectorId, 'FETCH_ORDERS', [order, older]);
    expect(writes.orders.map((o) => o.status)).toEqual(['PARTIALLY_FILLED']);
    expect(writes.orderAdjustments.map((a) => a.status).sort()).toEqual(['OPEN', 'PARTIALLY_FILLED']);
  });

  it('skips a conversion with an unknown status and stores a valid one', () => {
    const conversion = {
      reference: 'conv-1',
      createdAt: new Date('2024-05-01T10:00:00Z'),
      sourceAsset: 'USD/2',
      destinationAsset: 'EUR/2',
      sourceAmount: 10_000n,
      status: 'COMPLETED',
      raw: {},
    };
    const writes = mapPage(connectorId, 'FETCH_CONVERSIONS', [
      conversion,
      { ...conversion, reference: 'x', status: 'OK' },
    ]);
    expect(writes.conversions.map((c) => c.reference)).toEqual(['conv-1']);
    expect(writes.skipped).toEqual([{ reference: 'x', reason: 'invalid status OK' }]);
  });
});
