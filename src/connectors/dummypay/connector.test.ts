import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskNode } from '../sdk/contract.js';
import { InvalidConfigError } from '../sdk/errors.js';
import { DummyPayConnector } from './connector.js';
import { standaloneContext } from '../sdk/context.js';

const context = standaloneContext({ connectorId: 'dummypay-test', logger: pino({ level: 'silent' }) });

function allNodes(nodes: TaskNode[]): TaskNode[] {
  return nodes.flatMap((node) => [node, ...allNodes(node.children)]);
}

describe('DummyPay install', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dummypay-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('returns accounts with balances beneath them, external accounts, payments, orders and conversions, all periodic', async () => {
    const { workflow } = await new DummyPayConnector({ directory: dir }, context).install();
    expect(workflow).toEqual([
      {
        type: 'FETCH_ACCOUNTS',
        name: 'fetch_accounts',
        periodic: true,
        children: [{ type: 'FETCH_BALANCES', name: 'fetch_balances', periodic: true, children: [] }],
      },
      { type: 'FETCH_EXTERNAL_ACCOUNTS', name: 'fetch_external_accounts', periodic: true, children: [] },
      { type: 'FETCH_PAYMENTS', name: 'fetch_payments', periodic: true, children: [] },
      { type: 'FETCH_ORDERS', name: 'fetch_orders', periodic: true, children: [] },
      { type: 'FETCH_CONVERSIONS', name: 'fetch_conversions', periodic: true, children: [] },
    ]);
    for (const node of allNodes(workflow)) expect(node.name).toMatch(/^[a-z0-9_]+$/);
  });

  it('fails with InvalidConfigError naming the directory when it does not exist', async () => {
    const missing = join(dir, 'nowhere');
    const install = new DummyPayConnector({ directory: missing }, context).install();
    await expect(install).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(install).rejects.toThrow(`"${missing}" does not exist`);
  });

  it('fails with InvalidConfigError when the path is a file rather than a directory', async () => {
    const file = join(dir, 'accounts.json');
    await writeFile(file, '[]');
    const install = new DummyPayConnector({ directory: file }, context).install();
    await expect(install).rejects.toBeInstanceOf(InvalidConfigError);
    await expect(install).rejects.toThrow(`"${file}" is not a directory`);
  });

  it('uninstalls without touching the files', async () => {
    await writeFile(join(dir, 'accounts.json'), '[]');
    const connector = new DummyPayConnector({ directory: dir }, context);
    await expect(connector.uninstall({ webhookConfigs: [] })).resolves.toBeUndefined();
    const { items } = await connector.fetchNextAccounts({
      state: undefined,
      pageSize: 25,
      name: 'fetch_accounts',
    });
    expect(items).toEqual([]);
  });

  it('still reports the operations it does not offer as not implemented', async () => {
    const connector = new DummyPayConnector({ directory: dir }, context);
    await expect(connector.fetchNextOthers({ state: undefined, pageSize: 25, name: 'x' })).rejects.toThrow(
      'not implemented',
    );
  });
});
