// Push webhooks of the Generic contract end to end: the connector registers at the simulator, changes made
// at the simulator arrive signed well before the next poll, duplicates and out-of-order deliveries
// converge with polling on exactly the simulator's data, and uninstall removes the registration.
import { SDK } from '@formance/formance-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorIdCodec, paymentIdCodec } from '../../src/domain/ids.js';
import { type MockPsp, startMockPsp } from '../../src/mock-psp/server.js';
import { MockPspTenant, type SimTransaction } from '../support/mock-psp.js';
import { eventually, freePort, startTestService, type TestService } from '../support/service.js';
import { present } from './sdk-helpers.js';

let psp: MockPsp;
let service: TestService;
let sdk: SDK;

beforeAll(async () => {
  psp = await startMockPsp({ port: 0 });
  const port = await freePort();
  service = await startTestService({
    PORT: String(port),
    PAYBRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`,
  });
  sdk = new SDK({ serverURL: service.url });
});

afterAll(async () => {
  await service?.stop();
  await psp?.stop();
});

const TYPES: Record<string, 'PAY-IN' | 'PAYOUT' | 'TRANSFER' | 'OTHER'> = {
  PAYIN: 'PAY-IN',
  PAYOUT: 'PAYOUT',
  TRANSFER: 'TRANSFER',
};

async function install(sim: MockPspTenant, name: string, pollingPeriod: string): Promise<string> {
  const installed = await fetch(`${service.url}/v3/connectors/install/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, apiKey: sim.apiKey, endpoint: psp.url, pollingPeriod, webhooks: true }),
  });
  expect(installed.status).toBe(202);
  const connectorID = ((await installed.json()) as { data: string }).data;
  await eventually(
    async () => ((await sim.webhooks()).length === 1 ? true : undefined),
    20_000,
    'registration',
  );
  return connectorID;
}

function paymentIdOf(connectorID: string, t: SimTransaction) {
  return paymentIdCodec.encode({
    connectorId: connectorIdCodec.decode(connectorID),
    reference: t.id,
    type: TYPES[t.type] ?? 'OTHER',
  });
}

async function paymentOnce(connectorID: string, t: SimTransaction, status: string, timeoutMs = 10_000) {
  return eventually(
    async () => {
      const payment = present(
        (await sdk.payments.v3.getPayment({ paymentID: paymentIdOf(connectorID, t) })).v3GetPaymentResponse,
        'payment',
      ).data;
      return payment.status === status ? payment : undefined;
    },
    timeoutMs,
    `${t.id} to be ${status}`,
  );
}

async function deliveries(connectorID: string) {
  const response = await fetch(`${service.url}/v3/connectors/${connectorID}/webhooks?pageSize=100`);
  return ((await response.json()) as { cursor: { data: { status: string }[] } }).cursor.data;
}

describe('push webhooks from the simulator', () => {
  it('brings a change made at the simulator long before the next poll (1 h away)', async () => {
    const sim = new MockPspTenant(psp.url, 'hooks-fast');
    const connectorID = await install(sim, 'hooks-fast', '1h');
    const account = await sim.createAccount({ accountName: 'Main', currency: 'EUR', initialBalance: '1000' });
    const created = await sim.createTransaction({
      type: 'PAYIN',
      status: 'PENDING',
      amount: '750',
      currency: 'EUR/2',
      destinationAccountID: account.id,
    });
    const started = Date.now();
    await paymentOnce(connectorID, created, 'PENDING');
    await sim.step(created.id, 'succeed');
    const payment = await paymentOnce(connectorID, created, 'SUCCEEDED');
    expect(payment.amount).toBe(750n);
    expect(Date.now() - started).toBeLessThan(30_000); // the next poll is an hour away
    const seen = await deliveries(connectorID);
    expect(seen.some((d) => d.status === 'PROCESSED')).toBe(true);
    expect(seen.filter((d) => d.status === 'REJECTED')).toHaveLength(0);
  });

  it('converges on exactly the simulator data with duplicate and out-of-order deliveries plus polling', async () => {
    const sim = new MockPspTenant(psp.url, 'hooks-chaos');
    await sim.setFaults({ webhookDuplicates: 1, webhookReorder: true });
    const connectorID = await install(sim, 'hooks-chaos', '2s');
    await sim.createAccount({ accountName: 'Main', currency: 'EUR', initialBalance: '100000' });
    await sim.generate(60, { types: ['PAYIN'] });
    const generated = await sim.transactions();
    for (const t of generated.slice(0, 30)) {
      if (t.status === 'PENDING') await sim.step(t.id, 'succeed');
    }
    const expected = new Map((await sim.transactions()).map((t) => [paymentIdOf(connectorID, t), t]));
    await eventually(
      async () => {
        const rows = await service.paybridge.deps.db
          .selectFrom('payments')
          .select(['id', 'status', 'amount'])
          .where('connector_id', '=', connectorID)
          .execute();
        if (rows.length !== expected.size) return undefined;
        return rows.every((r) => {
          const t = expected.get(r.id);
          // An authorisation holds no money yet: Paybridge shows its amount as 0.
          const amount = t?.status === 'AUTHORISATION' ? '0' : t?.amount;
          return t !== undefined && t.status === r.status && amount === r.amount;
        })
          ? true
          : undefined;
      },
      60_000,
      'Paybridge to hold exactly the simulator transactions',
    );
    // Each observation is stored once however often it was delivered.
    const adjustments = await service.paybridge.deps.db
      .selectFrom('payment_adjustments')
      .select(['payment_id', 'status', 'created_at'])
      .where('connector_id', '=', connectorID)
      .execute();
    const keys = adjustments.map((a) => `${a.payment_id}|${a.status}|${a.created_at}`);
    expect(new Set(keys).size).toBe(keys.length);
    // The simulator sends every delivery twice; polling may converge before a second copy is processed,
    // so wait for one to be recorded (it fails if none ever is).
    await eventually(
      async () => ((await deliveries(connectorID)).some((d) => d.status === 'DUPLICATE') ? true : undefined),
      30_000,
      'a repeated delivery to be recorded as DUPLICATE',
    );
  }, 120_000);

  it('deletes the registration at uninstall and refuses deliveries after it', async () => {
    const sim = new MockPspTenant(psp.url, 'hooks-uninstall');
    const connectorID = await install(sim, 'hooks-uninstall', '1h');
    const task = present(
      (await sdk.payments.v3.uninstallConnector({ connectorID })).v3UninstallConnectorResponse,
      'uninstall',
    ).data.taskID;
    await eventually(async () => {
      const t = present((await sdk.payments.v3.getTask({ taskID: task })).v3GetTaskResponse, 'task').data;
      return t.status === 'SUCCEEDED' ? true : undefined;
    }, 30_000);
    expect(await sim.webhooks()).toEqual([]);
    const late = await fetch(`${service.url}/api/payments/v3/connectors/webhooks/${connectorID}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(late.status).toBe(404);
  });
});
