import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AdminAccount,
  type AdminTransaction,
  type ContractBalances,
  type ContractBeneficiary,
  type InitiationObject,
  pspClient,
} from '../../test/support/mock-psp-harness.js';
import { startMockPsp } from './server.js';

let dir: string;
let dataFile: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mock-psp-data-'));
  dataFile = join(dir, 'nested', 'psp.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('data file', () => {
  it('keeps every tenant across a restart: records, balances, faults and idempotency keys', async () => {
    const first = await startMockPsp({ dataFile });
    const alice = pspClient(first.url, 'alice');
    const bob = pspClient(first.url, 'bob');
    const source = (
      await alice.post<AdminAccount>('/admin/accounts', {
        accountName: 'Main',
        currency: 'EUR',
        initialBalance: '10000',
        metadata: { iban: 'DE00' },
      })
    ).body;
    const beneficiary = (await alice.post<ContractBeneficiary>('/admin/beneficiaries', { ownerName: 'Jane' }))
      .body;
    const payoutRequest = {
      idempotencyKey: 'payout-1',
      amount: '1234',
      currency: 'EUR/2',
      sourceAccountId: source.id,
      destinationAccountId: beneficiary.id,
      description: 'rent',
    };
    const payout = (await alice.post<InitiationObject>('/payouts', payoutRequest)).body;
    const payin = (
      await alice.post<AdminTransaction>('/admin/transactions', {
        type: 'PAYIN',
        amount: '500',
        currency: 'EUR',
        status: 'SUCCEEDED',
        destinationAccountID: source.id,
        scheme: 'CARD_VISA',
        metadata: { order: 'ord_1' },
      })
    ).body;
    await alice.post(`/admin/transactions/${payin.id}/refund`, { amount: '200' });
    await alice.put('/admin/faults', { maxPageSize: 50 });
    await bob.post('/admin/transactions/generate', { count: 3000, clusterSize: 1 });

    const before = {
      aliceAccounts: (await alice.get('/admin/accounts')).body,
      aliceBeneficiaries: (await alice.get('/admin/beneficiaries')).body,
      aliceTransactions: (await alice.get('/admin/transactions')).body,
      bobTransactions: (await bob.get('/admin/transactions')).body,
      bobAccounts: (await bob.get('/admin/accounts')).body,
    };
    expect(before.aliceAccounts).toEqual([
      expect.objectContaining({
        balances: [{ currency: 'EUR/2', amount: String(10000 - 1234 + 500 - 200) }],
      }),
    ]);
    await first.stop();
    expect(existsSync(dataFile)).toBe(true);

    const second = await startMockPsp({ dataFile });
    try {
      const alice2 = pspClient(second.url, 'alice');
      const bob2 = pspClient(second.url, 'bob');
      expect((await alice2.get('/admin/accounts')).body).toEqual(before.aliceAccounts);
      expect((await alice2.get('/admin/beneficiaries')).body).toEqual(before.aliceBeneficiaries);
      expect((await alice2.get('/admin/transactions')).body).toEqual(before.aliceTransactions);
      expect((await bob2.get('/admin/transactions')).body).toEqual(before.bobTransactions);
      expect((await bob2.get('/admin/accounts')).body).toEqual(before.bobAccounts);
      expect((await alice2.get('/admin/faults')).body).toEqual({ maxPageSize: 50 });
      expect((await alice2.get(`/payouts/${payout.id}`)).body).toEqual(payout);

      // The idempotency key survived: a replay creates nothing, other parameters are refused.
      const replay = await alice2.post<InitiationObject>('/payouts', payoutRequest);
      expect(replay.status).toBe(200);
      expect(replay.body).toEqual(payout);
      expect((await alice2.post('/payouts', { ...payoutRequest, amount: '1' })).status).toBe(422);
      // A refund is still limited by what was refunded before the restart.
      expect((await alice2.post(`/admin/transactions/${payin.id}/refund`, { amount: '301' })).status).toBe(
        409,
      );

      // The clock went on from where it stopped: a new write is later than every restored one.
      const newest = (await bob2.get<AdminTransaction[]>('/admin/transactions?order=newest&limit=1'))
        .body[0]!;
      const created = await bob2.post<AdminTransaction>('/admin/transactions', {
        type: 'PAYIN',
        amount: '1',
        currency: 'EUR',
      });
      expect(Date.parse(created.body.updatedAt)).toBeGreaterThan(Date.parse(newest.updatedAt));
      const balances = await alice2.get<ContractBalances>(`/accounts/${source.id}/balances`);
      expect(balances.body.balances).toEqual([{ amount: '9066', currency: 'EUR/2' }]);
    } finally {
      await second.stop();
    }
  });

  it('saves shortly after a change, without waiting for stop, and leaves no temporary file', async () => {
    const psp = await startMockPsp({ dataFile });
    try {
      const client = pspClient(psp.url, 'saver');
      await client.post('/admin/accounts', { accountName: 'Saved', currency: 'EUR' });
      let text = '';
      for (let i = 0; i < 50 && !text.includes('Saved'); i++) {
        await sleep(50);
        text = existsSync(dataFile) ? await readFile(dataFile, 'utf8') : '';
      }
      expect(text).toContain('Saved');
      expect(await readdir(join(dir, 'nested'))).toEqual(['psp.json']);
    } finally {
      await psp.stop();
    }
  });

  it('starts empty when the file does not exist yet, and writes nothing until something changes', async () => {
    const psp = await startMockPsp({ dataFile });
    const client = pspClient(psp.url, 'fresh');
    expect((await client.get('/accounts')).body).toEqual([]);
    await psp.stop();
    expect(existsSync(dataFile)).toBe(false);
  });

  it('refuses to start on a malformed data file, naming the file', async () => {
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"version": 1, "tenants": [{"apiKey": "x"}]}');
    await expect(startMockPsp({ dataFile: broken })).rejects.toThrow(broken);
    await writeFile(broken, 'not json');
    await expect(startMockPsp({ dataFile: broken })).rejects.toThrow(/not JSON/);
  });

  it('empties a tenant in the file too after DELETE /admin/data', async () => {
    const first = await startMockPsp({ dataFile });
    const client = pspClient(first.url, 'wiped');
    await client.post('/admin/transactions/generate', { count: 5 });
    await client.delete('/admin/data');
    await first.stop();
    const second = await startMockPsp({ dataFile });
    try {
      expect((await pspClient(second.url, 'wiped').get('/admin/transactions')).body).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
