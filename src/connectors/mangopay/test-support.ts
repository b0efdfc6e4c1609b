// Test support: a Mangopay connector built against a fresh fake Mangopay, as the engine builds one.
import { pino } from 'pino';
import { standaloneContext } from '../sdk/context.js';
import type { Connector } from '../sdk/contract.js';
import { findConnector } from '../sdk/registry.js';
import { FakePsp } from '../sdk/testing/index.js';
import { FAKE_API_KEY, FAKE_CLIENT_ID, fixtureData, serveMangopay, type MangopayData } from './fake.js';
import './index.js';

export interface Harness {
  psp: FakePsp;
  data: MangopayData;
  connector: Connector;
  close(): Promise<void>;
}

export function mangopayConnector(config: Record<string, unknown>, fetch: FakePsp['fetch']): Connector {
  const registration = findConnector('mangopay');
  if (!registration) throw new Error('mangopay is not registered');
  return registration.create(
    registration.config.parse(config),
    standaloneContext({ connectorId: 'mangopay-test', logger: pino({ level: 'silent' }), fetch }),
  );
}

export async function startHarness(
  options: { data?: MangopayData; clientId?: string; apiKey?: string } = {},
): Promise<Harness> {
  const psp = await FakePsp.start();
  const clientId = options.clientId ?? FAKE_CLIENT_ID;
  const apiKey = options.apiKey ?? FAKE_API_KEY;
  const data = serveMangopay(psp, options.data ?? fixtureData(), { clientId, apiKey });
  const connector = mangopayConnector({ clientID: clientId, apiKey, endpoint: psp.url }, psp.fetch);
  return { psp, data, connector, close: () => psp.stop() };
}
